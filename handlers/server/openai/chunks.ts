/**
 * Pipeline events → OpenAI stream chunks. Think, draft and reflect deltas become
 * `delta.reasoning_content` (chat only), final deltas `delta.content` (`text` for /v1/completions);
 * the last chunk carries `finish_reason`, then a usage chunk when asked. What the stream assembles
 * equals the non-streamed response: a cached result (no deltas) or a stop string is made up for at
 * the end, and with stop strings the answer is held back until it can be cut.
 */
import type { PipelineEvent } from "../../../core/pipeline.js";
import type { CompletionResult } from "../../../core/protocol.js";
import {
  applyStop,
  finishOf,
  REASONING_SEPARATOR,
  type ResponseMeta,
  reasoningOf,
  usageOf,
} from "./responses.js";

export type StreamChunk = Record<string, unknown>;

export class ChunkBuilder {
  private reasoning = "";
  private lastReasoningStep: string | undefined;
  private content = "";

  constructor(
    private readonly kind: "chat" | "text",
    private readonly meta: ResponseMeta,
    private readonly stops: string[],
    private readonly includeUsage: boolean,
  ) {}

  /** The opening chunk (chat announces the role, as OpenAI does). */
  start(): StreamChunk[] {
    return this.kind === "chat" ? [this.chunk({ role: "assistant", content: "" })] : [];
  }

  onEvent(event: PipelineEvent): StreamChunk[] {
    if (event.type !== "delta" || event.text === "") return [];
    if (event.step === "final") {
      if (this.stops.length > 0) return [];
      this.content += event.text;
      return [this.contentChunk(event.text)];
    }
    if (this.kind === "text") return [];
    const separator = this.reasoning && this.lastReasoningStep !== event.step ? REASONING_SEPARATOR : "";
    this.lastReasoningStep = event.step;
    this.reasoning += separator + event.text;
    return [this.chunk({ reasoning_content: separator + event.text })];
  }

  finish(result: CompletionResult): StreamChunk[] {
    const out: StreamChunk[] = [];
    const reasoning = this.kind === "chat" ? reasoningOf(result) : null;
    if (reasoning && this.reasoning === "") out.push(this.chunk({ reasoning_content: reasoning }));
    const answer = applyStop(result.text, this.stops);
    if (answer.text.startsWith(this.content) && answer.text.length > this.content.length) {
      out.push(this.contentChunk(answer.text.slice(this.content.length)));
      this.content = answer.text;
    }
    const finish = finishOf(result, answer.stopped);
    out.push(this.kind === "chat" ? this.chunk({}, finish) : this.textChunk("", finish));
    if (this.includeUsage) {
      out.push({ ...this.base(), choices: [], usage: usageOf(result) });
    }
    return out;
  }

  private base() {
    return { ...this.meta, object: this.kind === "chat" ? "chat.completion.chunk" : "text_completion" };
  }

  private chunk(delta: Record<string, string>, finish: string | null = null): StreamChunk {
    return { ...this.base(), choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] };
  }

  private textChunk(text: string, finish: string | null = null): StreamChunk {
    return { ...this.base(), choices: [{ index: 0, text, finish_reason: finish, logprobs: null }] };
  }

  private contentChunk(text: string): StreamChunk {
    return this.kind === "chat" ? this.chunk({ content: text }) : this.textChunk(text);
  }
}
