/**
 * vLLM's three error body shapes and the mapping of its statuses onto our error taxonomy,
 * together with how each failure may be retried (README, Engines).
 */
import { DeliberateError } from "../../errors.js";
import { StartupFatalError } from "./startup.js";

/** backoff: 429/503/refused, retried with exponential backoff; once: 500, retried one time. */
export type RetryClass = "backoff" | "once" | "never";

export interface VllmFailure {
  error: DeliberateError;
  retry: RetryClass;
  /** From a Retry-After header, when vLLM (or a proxy) sent one. */
  retryAfterMs?: number;
}

export interface VllmErrorInfo {
  message: string;
  type?: string;
  param?: string | null;
  code?: number | string | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null;
const clip = (text: string) => (text.length > 500 ? `${text.slice(0, 500)}…` : text);

/**
 * Reads nested `{error:{message,type,param,code}}` (v0.10.1+), legacy flat
 * `{object:"error",message,...}`, the 401 `{"error":"Unauthorized"}` and FastAPI's `{detail}`.
 */
export function errorInfoOf(json: unknown): VllmErrorInfo | undefined {
  if (!isObject(json)) return undefined;
  const { error } = json;
  if (typeof error === "string") return { message: error };
  if (isObject(error)) {
    return {
      message: typeof error.message === "string" ? error.message : JSON.stringify(error),
      ...(typeof error.type === "string" ? { type: error.type } : {}),
      param: typeof error.param === "string" ? error.param : null,
      code: typeof error.code === "number" || typeof error.code === "string" ? error.code : null,
    };
  }
  if (json.object === "error" && typeof json.message === "string") {
    return {
      message: json.message,
      ...(typeof json.type === "string" ? { type: json.type } : {}),
      param: typeof json.param === "string" ? json.param : null,
      code: typeof json.code === "number" || typeof json.code === "string" ? json.code : null,
    };
  }
  if (typeof json.detail === "string") return { message: json.detail };
  return undefined;
}

export function parseErrorBody(text: string): VllmErrorInfo | undefined {
  try {
    return errorInfoOf(JSON.parse(text));
  } catch {
    return text.trim() ? { message: clip(text.trim()) } : undefined;
  }
}

const CONTEXT = /maximum context length|context length is|reduce the length/i;
const SCHEMA =
  /schema|grammar|regex|structured.?output|xgrammar|guidance|outlines|json_object|structural.?tag|no compatible|fsm/i;

/** A 400/422 from vLLM: our request was refused for its content. Never retried. */
function badRequest(info: VllmErrorInfo | undefined): DeliberateError {
  const message = clip(info?.message ?? "bad request");
  if (CONTEXT.test(message)) {
    return new DeliberateError(
      "context_overflow",
      `the prompt and its token budget do not fit the model's context (vLLM: ${message})`,
      { param: "messages" },
    );
  }
  if (SCHEMA.test(message) || info?.param === "structured_outputs") {
    return new DeliberateError("schema_unsupported", `vLLM cannot enforce this constraint (${message})`, {
      param: "structured_outputs",
    });
  }
  return new DeliberateError("invalid_request", `vLLM rejected the request: ${message}`);
}

/**
 * What a call is part of. "compile-check": a 1-token call whose only novelty is its constraint, so
 * a refusal (400) or an internal error (500: vLLM's EngineGenerateError, which has no message) is
 * the constraint's. "startup": a refusal cannot heal by waiting, so it is fatal.
 */
export type Phase = "startup" | "compile-check";

export interface MapContext {
  model: string;
  /** What was asked, for messages: "completion", "embeddings", "/version", ... */
  what: string;
  phase?: Phase;
}

/** vLLM could not compile the constraint: its message, or what its empty 500 means. */
export function notCompiled(message: string | undefined, how: string): DeliberateError {
  const text = message?.trim()
    ? `vLLM cannot compile this constraint: ${clip(message.trim())}`
    : `vLLM's structured-output backend could not compile this constraint (${how} with no message)`;
  return new DeliberateError("schema_unsupported", text, { param: "structured_outputs" });
}

export function mapStatus(status: number, info: VllmErrorInfo | undefined, ctx: MapContext): VllmFailure {
  if (ctx.phase === "compile-check" && (status === 400 || status === 422 || status === 500)) {
    return { error: notCompiled(info?.message, `HTTP ${status}`), retry: "never" };
  }
  const failure = mapAnyStatus(status, info, ctx);
  if (ctx.phase === "startup" && [400, 401, 403, 404, 422].includes(status)) {
    return { error: new StartupFatalError(failure.error.message), retry: "never" };
  }
  return failure;
}

function mapAnyStatus(status: number, info: VllmErrorInfo | undefined, ctx: MapContext): VllmFailure {
  const detail = info?.message ? `: ${clip(info.message)}` : "";
  if (status === 400 || status === 422) return { error: badRequest(info), retry: "never" };
  if (status === 401 || status === 403) {
    return {
      error: new DeliberateError("engine_error", "vLLM rejected our API key (check VLLM_API_KEY)"),
      retry: "never",
    };
  }
  if (status === 404) {
    const aboutModel = info?.param === "model" || /model/i.test(info?.message ?? "");
    const message = aboutModel
      ? `vLLM does not serve the model \`${ctx.model}\` (check MODEL_NAME)${detail}`
      : `vLLM has no ${ctx.what} endpoint here (HTTP 404)${detail}`;
    return { error: new DeliberateError("engine_error", message), retry: "never" };
  }
  if (status === 429 || status === 502 || status === 503 || status === 504) {
    return {
      error: new DeliberateError("engine_unavailable", `vLLM is unavailable (HTTP ${status})${detail}`, {
        retryable: true,
      }),
      retry: "backoff",
    };
  }
  if (status === 500) {
    return {
      error: new DeliberateError(
        "engine_error",
        `vLLM failed internally (HTTP 500${detail ? `)${detail}` : " with no message)"}`,
        { retryable: true },
      ),
      retry: "once",
    };
  }
  return {
    error: new DeliberateError(
      "engine_error",
      `vLLM answered HTTP ${status} to the ${ctx.what} call${detail}`,
    ),
    retry: "never",
  };
}

/**
 * An `error` carried inside an HTTP 200 (a JSON body or an SSE event). Never retried. While
 * streaming, a constraint vLLM cannot compile arrives as an event with code 500 and no message.
 */
export function inBandError(info: VllmErrorInfo, phase?: Phase): DeliberateError {
  const code = typeof info.code === "number" ? info.code : undefined;
  if (phase === "compile-check" && (code === 400 || code === 500)) {
    return notCompiled(info.message, `an in-stream error ${code}`);
  }
  if (code === 400) {
    // At start-up a refusal cannot heal (older pooling routers even answer it inside a 200).
    if (phase === "startup") return new StartupFatalError(`vLLM refused the request: ${clip(info.message)}`);
    const mapped = badRequest(info);
    // The pooling router's "does not support Completions API" is a deployment mistake, not ours.
    if (mapped.code !== "invalid_request") return mapped;
  }
  const message = info.message.trim()
    ? `vLLM reported an error: ${clip(info.message)}`
    : `vLLM reported an error with no message (code ${info.code ?? "none"})`;
  return new DeliberateError("engine_error", message);
}

/** The request failed before any response: refused, reset, DNS, ... (vLLM loading or gone). */
export function connectionFailure(err: unknown, url: string): VllmFailure {
  // undici's request() throws the socket's error itself (code ECONNREFUSED) or its own (UND_ERR_*).
  const code = (err as { code?: unknown } | undefined)?.code;
  const errorCode = typeof code === "string" ? code : undefined;
  const reason = errorCode ?? (err instanceof Error ? err.message : String(err));
  if (errorCode === "UND_ERR_HEADERS_TIMEOUT") {
    // vLLM was busy generating (it sends headers only when a plain completion is done): retrying
    // would generate it all again. Only a caller-supplied request meets it: the engine's own pool
    // has no header timeout (engine.ts).
    return {
      error: new DeliberateError(
        "engine_error",
        `vLLM did not start answering within the HTTP client's header timeout (${url}); stream long completions`,
        { cause: err },
      ),
      retry: "never",
    };
  }
  return {
    error: new DeliberateError("engine_unavailable", `vLLM is unreachable at ${url} (${reason})`, {
      cause: err,
      retryable: true,
    }),
    retry: "backoff",
  };
}
