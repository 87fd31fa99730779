/**
 * Switchable faults of the vLLM stand-in and vLLM's error body shapes.
 * Refused = `standIn.refuse()` / `resume()`; status faults = `standIn.failNext(status, count)`.
 */
import type { StructuredOutputsBody } from "./schemas.js";
import { mulberry32 } from "../../core/random.js";

export interface Faults {
  /** Milliseconds before the first token of every completion (queueing and prefill on a real GPU). */
  callDelayMs?: number;
  /** Milliseconds before every POST /tokenize answer. */
  tokenizeDelayMs?: number;
  /** Milliseconds per generated token (streamed or not), so an abort mid-generation is observable. */
  tokenDelayMs?: number;
  /** Destroys the socket after this many tokens (mid-SSE, or before a plain body is sent). */
  cutAfterTokens?: number;
  /** Sends `data: {"error": ...}` then [DONE] inside the 200 stream after this many tokens. */
  errorEventAfterTokens?: number;
  /** Generates as if structured_outputs were absent (what --reasoning-parser does on completions). */
  ignoreStructuredOutputs?: boolean;
  /**
   * Constraints the structured-output backend "cannot compile". vLLM's engine turns the compile
   * error into EngineGenerateError, whose message is empty: HTTP 500 with an empty body, or, once
   * a stream has started, an error event with code 500 and an empty message, then [DONE].
   */
  compileFails?: (so: StructuredOutputsBody) => boolean;
  /** Answers as a vLLM older than `return_token_ids` (before 0.10.2): no ids on the choices. */
  noTokenIds?: boolean;
  /** Overrides GET /version (e.g. "0.9.2"). */
  version?: string;
  /** GET /v1/models lists another model instead of the served one. */
  omitModel?: boolean;
  /** GET /health status (503 = engine dead). */
  healthStatus?: number;
  /** Chooses a fault for each POST /v1/completions on its own (undefined = none); see CallFault. */
  perCall?: FaultPicker;
}

/**
 * One call's fault: `reset` destroys the connection before any answer (a refused or dropped
 * connection as the client sees it), `status500`/`status503` answer vLLM's error, `slow` takes
 * 20 ms per token, `cut` destroys the stream midway, `malformed` sends an SSE event that is not
 * JSON, `violate` generates as if the constraint were absent.
 */
export const CALL_FAULTS = [
  "reset",
  "status500",
  "status503",
  "slow",
  "cut",
  "malformed",
  "violate",
] as const;
export type CallFault = (typeof CALL_FAULTS)[number];
export type FaultPicker = (body: unknown, index: number) => CallFault | undefined;

/** A seeded picker faulting about `rate` of the calls, the kinds in turn at random. */
export function randomFaults(
  rate: number,
  seed: number,
  kinds: readonly CallFault[] = CALL_FAULTS,
): FaultPicker {
  const next = mulberry32(seed);
  return () => (next() < rate ? kinds[Math.floor(next() * kinds.length)] : undefined);
}

export interface Planned {
  path: string;
  status: number;
  remaining: number;
  message?: string;
  type?: string;
  /** A literal body instead of vLLM's error shape. */
  body?: unknown;
  /** A Retry-After header (seconds), as a proxy or vLLM's admission control may send. */
  retryAfter?: string;
}

/** vLLM's error body: nested since v0.10.1, flat `{object:"error",...}` before. */
export function errorBody(
  message: string,
  type: string,
  param: string | null,
  code: number,
  legacy = false,
): unknown {
  return legacy ? { object: "error", message, type, param, code } : { error: { message, type, param, code } };
}
