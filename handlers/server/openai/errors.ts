/**
 * Deliberate's errors in OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, with the
 * status OpenAI uses for the same situation, so OpenAI clients raise their usual exception classes.
 */
import type { z } from "zod";
import { DeliberateError, type ErrorCode, toDeliberateError } from "../../../core/errors.js";
import type { OpenAiError } from "./schemas.js";

/** Our code → OpenAI's [type, code]; the status stays ours (they agree where OpenAI has one). */
const OPENAI_ERROR: Partial<Record<ErrorCode, [string, string]>> = {
  invalid_request: ["invalid_request_error", "invalid_request"],
  context_overflow: ["invalid_request_error", "context_length_exceeded"],
  payload_too_large: ["invalid_request_error", "payload_too_large"],
  schema_unsupported: ["invalid_request_error", "schema_unsupported"],
  unauthorized: ["invalid_request_error", "invalid_api_key"],
  not_found: ["invalid_request_error", "model_not_found"],
  queue_full: ["requests", "rate_limit_exceeded"],
};

export interface OpenAiFailure {
  status: number;
  body: OpenAiError;
}

export function toOpenAiError(err: unknown, signal?: AbortSignal): OpenAiFailure {
  const error = toDeliberateError(err, signal);
  const [type, code] = OPENAI_ERROR[error.code] ?? [
    error.status >= 500 ? "server_error" : error.type,
    error.code,
  ];
  const where = error.step ? ` (step ${error.step})` : "";
  return {
    status: error.status,
    body: { error: { message: `${error.message}${where}`, type, param: error.param ?? null, code } },
  };
}

/** A zod failure of an OpenAI request as invalid_request naming the offending parameter. */
export function invalidParameter(error: z.ZodError): DeliberateError {
  const issue = error.issues[0];
  const keys = issue?.code === "unrecognized_keys" ? issue.keys : [];
  const path = [...(issue?.path ?? []), ...keys.slice(0, 1)].map(String).join(".");
  const message =
    issue?.code === "unrecognized_keys"
      ? `unknown parameter${keys.length > 1 ? "s" : ""} ${keys.join(", ")}${
          issue.path.length ? ` in ${issue.path.join(".")}` : ""
        }: not part of the API Deliberate serves`
      : `${path ? `${path}: ` : ""}${issue?.message ?? "invalid request"}`;
  return new DeliberateError("invalid_request", message, path ? { param: path } : {});
}

export function modelNotFound(model: string, served: string[]): DeliberateError {
  return new DeliberateError(
    "not_found",
    `The model \`${model}\` does not exist; this server serves ${served.map((m) => `\`${m}\``).join(", ")}`,
    { param: "model" },
  );
}
