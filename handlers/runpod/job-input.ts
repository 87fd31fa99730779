/**
 * What a job's `input` may be (README, RunPod): the completion request (core/protocol.ts),
 * `{"embeddings": {...}}` (OpenAI's embeddings request), or worker-vllm's `{"openai_route":
 * "/v1/embeddings", "openai_input": {...}}` so clients of worker-vllm can move over unchanged.
 */
import { DeliberateError } from "../../core/errors.js";
import { parseOrInvalid } from "../../core/invalid-request.js";
import { CompletionRequest, EmbeddingsRequest } from "../../core/protocol.js";

export type JobInput =
  | { kind: "completion"; request: CompletionRequest }
  | { kind: "embeddings"; request: EmbeddingsRequest };

const EMBEDDINGS_ROUTES = new Set(["/v1/embeddings", "/embeddings"]);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseEmbeddings(value: unknown, param: string): JobInput {
  return { kind: "embeddings", request: parseOrInvalid(EmbeddingsRequest, value, [param]) };
}

/** Parses a job's input; throws DeliberateError `invalid_request` for anything else. */
export function parseJobInput(input: unknown): JobInput {
  if (!isObject(input)) {
    throw new DeliberateError("invalid_request", "the job input must be a JSON object", { param: "input" });
  }
  if ("openai_route" in input) {
    const route = typeof input.openai_route === "string" ? input.openai_route.replace(/\/+$/, "") : "";
    if (!EMBEDDINGS_ROUTES.has(route)) {
      throw new DeliberateError(
        "invalid_request",
        `openai_route ${JSON.stringify(input.openai_route)} is not served here: only /v1/embeddings; ` +
          "send a completion request as the job input for completions",
        { param: "openai_route" },
      );
    }
    if (!isObject(input.openai_input)) {
      throw new DeliberateError("invalid_request", "openai_input must be an embeddings request object", {
        param: "openai_input",
      });
    }
    return parseEmbeddings(input.openai_input, "openai_input");
  }
  if ("embeddings" in input) {
    const extra = Object.keys(input).filter((k) => k !== "embeddings");
    if (extra.length > 0) {
      throw new DeliberateError(
        "invalid_request",
        `unexpected field(s) beside embeddings: ${extra.join(", ")}`,
        {
          param: extra[0]!,
        },
      );
    }
    return parseEmbeddings(input.embeddings, "embeddings");
  }
  return { kind: "completion", request: parseOrInvalid(CompletionRequest, input) };
}
