import type { ErrorEnvelope, PipelineStep } from "./protocol.js";

/** Every error code Deliberate can answer with, and the HTTP status it travels with. */
export const ERROR_STATUS = {
  invalid_request: 400,
  context_overflow: 400,
  unauthorized: 401,
  not_found: 404,
  payload_too_large: 413,
  schema_unsupported: 422,
  answer_truncated: 422,
  queue_full: 429,
  cancelled: 499,
  internal: 500,
  constraint_violation: 502,
  engine_error: 502,
  engine_unavailable: 503,
  shutting_down: 503,
  timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The coarse `type` of the envelope, as OpenAI-style clients expect it. */
const ERROR_TYPE: Record<ErrorCode, string> = {
  invalid_request: "invalid_request_error",
  context_overflow: "invalid_request_error",
  unauthorized: "authentication_error",
  not_found: "not_found_error",
  payload_too_large: "invalid_request_error",
  schema_unsupported: "invalid_request_error",
  answer_truncated: "answer_error",
  queue_full: "rate_limit_error",
  cancelled: "cancelled_error",
  internal: "server_error",
  constraint_violation: "answer_error",
  engine_error: "engine_error",
  engine_unavailable: "engine_error",
  shutting_down: "server_error",
  timeout: "timeout_error",
};

export interface DeliberateErrorOptions {
  param?: string;
  step?: PipelineStep;
  cause?: unknown;
  /** The text that broke the constraint (constraint_violation), already truncated; sent on the wire. */
  output?: string;
  /** Whether a caller may retry the same request (engine-level hint, never sent on the wire). */
  retryable?: boolean;
}

/** The one exception type of the project: a code, its status, and an optional param and step. */
export class DeliberateError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly param: string | undefined;
  readonly step: PipelineStep | undefined;
  readonly retryable: boolean;
  readonly output: string | undefined;

  constructor(code: ErrorCode, message: string, options: DeliberateErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DeliberateError";
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.type = ERROR_TYPE[code];
    this.param = options.param;
    this.step = options.step;
    this.retryable = options.retryable ?? false;
    this.output = options.output;
  }

  toEnvelope(): ErrorEnvelope {
    return {
      error: {
        type: this.type,
        code: this.code,
        message: this.message,
        ...(this.param === undefined ? {} : { param: this.param }),
        ...(this.step === undefined ? {} : { step: this.step }),
        ...(this.output === undefined ? {} : { output: this.output }),
      },
    };
  }
}

/**
 * The error naming the step it happened in (an error that already names one keeps it). A copy,
 * never a mutation: abort reasons are shared by every call their signal reaches.
 */
export function inStep(error: DeliberateError, step: PipelineStep): DeliberateError {
  if (error.step !== undefined) return error;
  return new DeliberateError(error.code, error.message, {
    ...(error.param === undefined ? {} : { param: error.param }),
    step,
    cause: error.cause ?? error,
    retryable: error.retryable,
    ...(error.output === undefined ? {} : { output: error.output }),
  });
}

export function isDeliberateError(value: unknown): value is DeliberateError {
  return value instanceof DeliberateError;
}

/** True for the errors fetch and AbortController raise when a signal fires. */
export function isAbortError(value: unknown): boolean {
  return value instanceof Error && (value.name === "AbortError" || value.name === "TimeoutError");
}

/**
 * Turns anything thrown into a DeliberateError. An abort becomes the reason the signal carried
 * (a DeliberateError such as `cancelled` or `timeout`) or `cancelled`; anything else is `internal`,
 * with a message that does not leak internals.
 */
export function toDeliberateError(value: unknown, signal?: AbortSignal): DeliberateError {
  if (value instanceof DeliberateError) return value;
  if (signal?.aborted && signal.reason instanceof DeliberateError) return signal.reason;
  if (isAbortError(value) || signal?.aborted) {
    return new DeliberateError("cancelled", "the request was cancelled", { cause: value });
  }
  return new DeliberateError("internal", "internal error", { cause: value });
}

export function errorEnvelope(value: unknown, signal?: AbortSignal): ErrorEnvelope {
  return toDeliberateError(value, signal).toEnvelope();
}

/** Throws the signal's reason as a DeliberateError when it has fired; call at every await. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw toDeliberateError(signal.reason, signal);
}
