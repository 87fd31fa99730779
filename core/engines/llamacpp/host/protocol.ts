/**
 * The IPC messages between the server and its engine host (the child process that runs llama.cpp).
 * Every request carries an id; the host answers each with exactly one `done` or `fail`.
 */
import type {
  CompletionCall,
  CompletionOutput,
  Constraint,
  EmbeddingsOutput,
  EngineHealth,
  ModelInfo,
} from "../../../engine.js";
import { DeliberateError, type ErrorCode } from "../../../errors.js";
import type { PipelineStep } from "../../../protocol.js";
import type { LlamaCppEngineOptions } from "../index.js";
import type { LlamaCppStats } from "../engine.js";

/** The engine options that cross the process boundary (no callbacks, no signal). */
export type HostEngineOptions = Omit<
  LlamaCppEngineOptions,
  "onDownloadProgress" | "onLog" | "signal" | "huggingFaceEndpoint"
> & { huggingFaceEndpoint?: string };

export type HostCall =
  | { op: "completion"; call: Omit<CompletionCall, "signal" | "onDelta">; stream: boolean }
  | { op: "countTokens"; text: string }
  | { op: "prepareConstraint"; constraint: Constraint }
  | { op: "embeddings"; input: string[]; model?: string; dimensions?: number }
  | { op: "health" }
  | { op: "stats" };

export type HostResult = {
  completion: CompletionOutput;
  countTokens: number;
  prepareConstraint: null;
  embeddings: EmbeddingsOutput;
  health: EngineHealth;
  stats: LlamaCppStats;
};

/** Faults a test may inject (accepted only when the host was started with faults enabled). */
export type HostFault =
  | { fault: "crash"; signal: NodeJS.Signals }
  /** Hold the event loop, as native code that does not return would. */
  | { fault: "block"; ms: number }
  /** Allocate and touch this much native memory (RSS). */
  | { fault: "rss"; mb: number }
  /** Grow the JS heap without end. */
  | { fault: "heap" };

export type ToHost =
  | { t: "init"; options: HostEngineOptions; faults: boolean }
  | ({ t: "call"; id: number } & HostCall)
  | { t: "cancel"; id: number }
  | ({ t: "fault" } & HostFault);

export interface WireError {
  code: ErrorCode;
  message: string;
  param?: string;
  step?: PipelineStep;
}

export type FromHost =
  | { t: "ready"; info: ModelInfo; maxTokenBytes: number; concurrency: number }
  | { t: "fatal"; error: WireError }
  | { t: "log"; level: "debug" | "info" | "warn" | "error"; msg: string }
  | { t: "delta"; id: number; text: string }
  /** Generation is moving (sent at most every PROGRESS_MS per request, for the time bound). */
  | { t: "progress"; id: number }
  | { t: "done"; id: number; value: unknown }
  | { t: "fail"; id: number; error: WireError };

export const PROGRESS_MS = 200;

export function toWire(err: DeliberateError): WireError {
  return {
    code: err.code,
    message: err.message,
    ...(err.param === undefined ? {} : { param: err.param }),
    ...(err.step === undefined ? {} : { step: err.step }),
  };
}

export function fromWire(error: WireError): DeliberateError {
  return new DeliberateError(error.code, error.message, {
    ...(error.param === undefined ? {} : { param: error.param }),
    ...(error.step === undefined ? {} : { step: error.step }),
  });
}
