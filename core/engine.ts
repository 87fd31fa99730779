/**
 * The Engine interface: the one seam between the pipeline and whatever generates tokens
 * (vLLM over HTTP, embedded llama.cpp, a test double).
 */
import type { FinishReason } from "./protocol.js";

/** A normalised constraint (core/constraints turns `structured_outputs` into one of these). */
export type Constraint =
  | { kind: "json"; schema: Record<string, unknown> }
  | { kind: "regex"; pattern: string }
  | { kind: "choice"; choices: string[] }
  | { kind: "grammar"; grammar: string };

export interface Sampling {
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  seed?: number;
}

/** Part of a prompt: its text and, when known, the token ids that make exactly that text. */
export interface PromptPiece {
  text: string;
  /** Absent: fixed text (a suffix of the pipeline), which an engine may tokenize alone once and cache. */
  tokens?: number[];
}

export interface CompletionCall {
  /** The whole raw prompt, special tokens written as text (ChatML). */
  prompt: string;
  /**
   * Optional: the prompt as pieces whose texts join to `prompt` exactly, the generated parts with
   * the ids the engine produced (core/prompt-pieces.ts). An engine that takes token prompts sends
   * these ids, so text it generated is not re-tokenized differently at a junction; others ignore it.
   */
  pieces?: PromptPiece[];
  /** Ask for `tokens` in the output (a later step continues from this call's sequence). */
  returnTokens?: boolean;
  maxTokens: number;
  stop?: string[];
  constraint?: Constraint;
  sampling: Sampling;
  signal?: AbortSignal;
  /** Called with each piece of generated text as it is produced; the engine streams when set. */
  onDelta?: (text: string) => void;
}

export interface CompletionOutput {
  /** Generated text, without the stop string that ended it. */
  text: string;
  finishReason: FinishReason;
  promptTokens: number;
  completionTokens: number;
  /** Prompt tokens served from the prefix cache, where the engine reports it. */
  cachedTokens: number | null;
  /**
   * The token ids of the prompt and of the generated tokens that make `text` exactly (no stop
   * string or stop token), when the engine knows them for certain; absent otherwise.
   */
  tokens?: { prompt: number[]; generated: number[] };
}

export interface EmbeddingsCall {
  input: string[];
  model?: string;
  dimensions?: number;
  signal?: AbortSignal;
}

export interface EmbeddingsOutput {
  model: string;
  vectors: number[][];
  promptTokens: number;
}

export interface ModelInfo {
  /** The name results report in `model`. */
  model: string;
  /** Context length in tokens (prompt + generation). */
  maxModelLen: number;
  /** True when the model produces random text (the embedded demo model). */
  demo?: boolean;
}

/** The embedded engine's host process, as /ready reports it. */
export interface HostStatus {
  state: "starting" | "up" | "restarting" | "closed";
  pid?: number;
  /** Restarts so far, and how many of them followed a crash (not a kill for a bound or a cancel). */
  restarts: number;
  crashes: number;
  lastExit?: string;
  rssBoundMb?: number;
}

export interface EngineHealth {
  /** Reachable and structured outputs verified (the canary passed). */
  ready: boolean;
  detail?: string;
  /** Set by an engine that runs in a supervised host process. */
  host?: HostStatus;
}

export interface Engine {
  readonly kind: string;
  /**
   * Optional: compiles or checks a constraint before any generation, so a constraint the engine
   * cannot express fails with schema_unsupported up front instead of after the think step.
   */
  prepareConstraint?(constraint: Constraint, signal?: AbortSignal): Promise<void>;
  completion(call: CompletionCall): Promise<CompletionOutput>;
  /** Number of tokens the engine's tokenizer makes of a raw prompt (special tokens parsed). */
  countTokens(text: string, signal?: AbortSignal): Promise<number>;
  embeddings(call: EmbeddingsCall): Promise<EmbeddingsOutput>;
  health(signal?: AbortSignal): Promise<EngineHealth>;
  modelInfo(): ModelInfo;
  close?(): Promise<void>;
}

/** How an engine logs (the entries adapt pino to it), so core stays free of a logging framework. */
export type EngineLog = (
  level: "debug" | "info" | "warn" | "error",
  message: string,
  fields?: Record<string, unknown>,
) => void;
