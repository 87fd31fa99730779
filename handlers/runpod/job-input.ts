/**
 * What a job's `input` may be: the completion request (core/protocol.ts), `{"embeddings": {...}}`
 * (OpenAI's embeddings request), or worker-vllm's `{"openai_route": ..., "openai_input": {...}}`
 * for /v1/chat/completions, /v1/completions, /v1/models and /v1/embeddings: what RunPod sends for
 * its `/openai/v1/...` URLs, so those URLs and worker-vllm's OpenAI-route clients work unchanged
 * (its legacy `prompt` + `sampling_params` and `route` + `body` inputs are not served).
 */
import { DeliberateError } from "../../core/errors.js";
import { parseOrInvalid } from "../../core/invalid-request.js";
import { CompletionRequest, EmbeddingsRequest } from "../../core/protocol.js";
import { type OpenAiJobInput, parseOpenAiRoute } from "./openai-job.js";

export type JobInput =
  | { kind: "completion"; request: CompletionRequest }
  | { kind: "embeddings"; request: EmbeddingsRequest }
  | OpenAiJobInput;

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
  if ("openai_route" in input || "openai_input" in input) {
    // worker-vllm: openai_input without a route goes to chat completions.
    const route =
      input.openai_route === undefined && "openai_input" in input
        ? "/v1/chat/completions"
        : typeof input.openai_route === "string"
          ? input.openai_route.replace(/\/+$/, "")
          : "";
    const openai = parseOpenAiRoute(route, input.openai_input);
    if (openai) return openai;
    if (!EMBEDDINGS_ROUTES.has(route)) {
      throw new DeliberateError(
        "invalid_request",
        `openai_route ${JSON.stringify(input.openai_route)} is not served here: only ` +
          "/v1/chat/completions, /v1/completions, /v1/models and /v1/embeddings",
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
