/**
 * GET /v1/models cards and the error `type` vLLM names each status with.
 */

/** One card of GET /v1/models, as vLLM writes it. */
export function card(id: string, created: number, maxModelLen: number): unknown {
  return {
    id,
    object: "model",
    created,
    owned_by: "vllm",
    root: id,
    parent: null,
    max_model_len: maxModelLen,
    permission: [
      {
        id: `modelperm-${created}`,
        object: "model_permission",
        created,
        allow_create_engine: false,
        allow_sampling: true,
        allow_logprobs: true,
        allow_search_indices: false,
        allow_view: true,
        allow_fine_tuning: false,
        organization: "*",
        group: null,
        is_blocking: false,
      },
    ],
  };
}

export function typeOf(status: number): string {
  return (
    (
      {
        400: "BadRequestError",
        404: "NotFoundError",
        429: "TooManyRequests",
        500: "InternalServerError",
        503: "ServiceUnavailableError",
      } as Record<number, string>
    )[status] ?? "Error"
  );
}
