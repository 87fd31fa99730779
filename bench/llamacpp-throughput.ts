/**
 * Pipeline tokens/s on the embedded engine (tiny demo model) against raw node-llama-cpp generation
 * of the very same work, measured in the same run. Every engine call of the pipelines is recorded,
 * then replayed straight through LlamaCompletion (same prompts, caps, stops, grammars, sampling and
 * seeds, one sequence, so prefix re-use is the same); the ratio is the overhead of everything
 * Deliberate adds (pipeline, engine, queue, validation). Target: ratio ≥ 0.9.
 *   tsx bench/llamacpp-throughput.ts
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { LlamaCompletion, type Token, TokenBias } from "node-llama-cpp";
import type { CompletionCall, Engine } from "../core/engine.js";
import { GrammarCache } from "../core/engines/llamacpp/grammars.js";
import { createLlamaCppEngine, nonAsciiTokens } from "../core/engines/llamacpp/index.js";
import { runPipeline } from "../core/pipeline.js";
import {
  CompletionRequest,
  type CompletionRequest as Request,
  type StructuredOutputs,
  type ThinkingEffort,
} from "../core/protocol.js";
import { pairedRounds, type ThroughputRatio, throughputRatio } from "./paired-rounds.js";

export interface ThroughputResult extends ThroughputRatio {
  requests: number;
  /** Engine calls whose raw replay produced exactly the same text (same seeds: should be all). */
  identicalOutputs: string;
}

const CONSTRAINTS: StructuredOutputs[] = [
  { choice: ["red", "green", "blue"] },
  { regex: "[a-z]{4,12}( [a-z]{2,8}){0,6}" },
  {
    json: {
      type: "object",
      properties: { name: { type: "string", maxLength: 40 }, ok: { type: "boolean" } },
      required: ["name", "ok"],
    },
  },
];
const EFFORTS: ThinkingEffort[] = ["low", "medium", "high"];

/** Passes every call through to the real engine and keeps a copy of it for the replay. */
function recording(engine: Engine, calls: CompletionCall[], texts: string[]): Engine {
  return {
    kind: engine.kind,
    completion: async (call) => {
      calls.push(call);
      const out = await engine.completion(call);
      texts.push(out.text);
      return out;
    },
    countTokens: (text, signal) => engine.countTokens(text, signal),
    embeddings: (call) => engine.embeddings(call),
    health: (signal) => engine.health(signal),
    modelInfo: () => engine.modelInfo(),
  };
}

/** The benchmark's pipelines: every effort × every constraint, each with its own seed. */
export function benchRequests(): Request[] {
  return EFFORTS.flatMap((effort, i) =>
    CONSTRAINTS.map((so, j) =>
      CompletionRequest.parse({
        prompt: "Think it through, then answer.",
        thinking_effort: effort,
        structured_outputs: so,
        seed: 1 + 10 * i + j,
        temperature: 0.8,
      }),
    ),
  );
}

/** One pipeline on `engine`, timed; a truncated answer counts as zero tokens, not as a failure. */
export async function runOne(request: Request, engine: Engine) {
  const started = performance.now();
  const result = await runPipeline(request, {
    engine,
    budgets: { low: 128, medium: 256, high: 512 },
    answerCap: 256,
    jobId: "bench",
  }).catch((err: unknown) => {
    // A truncated answer is an outcome of random text, not a failure of the measurement.
    if ((err as { code?: string }).code === "answer_truncated") return undefined;
    throw err;
  });
  return {
    ms: performance.now() - started,
    tokens: result?.usage.completion_tokens ?? 0,
    text: result?.text,
  };
}

export async function runLlamaCppThroughput(options: { rounds?: number } = {}): Promise<ThroughputResult> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), "llamacpp-bench-"));
  const engine = await createLlamaCppEngine({ model: "demo", cacheDir, concurrency: 1 });
  try {
    const requests = benchRequests();
    // Warm-up, recording every engine call of every request (same seeds: the same calls each time).
    const recorded = [];
    for (const request of requests) {
      const calls: CompletionCall[] = [];
      const texts: string[] = [];
      const { tokens } = await runOne(request, recording(engine, calls, texts));
      recorded.push({ request, calls, texts, tokens });
    }

    // Raw side: a context of its own on the same model, grammars compiled outside the timing.
    const context = await engine.model.createContext({
      threads: 1,
      sequences: 1,
      contextSize: engine.modelInfo().maxModelLen,
    });
    const completion = new LlamaCompletion({ contextSequence: context.getSequence() });
    const grammars = new GrammarCache(engine.llama);
    const bias = new TokenBias(engine.model.tokenizer);
    for (const token of nonAsciiTokens(engine.model)) bias.set(token as Token, "never");
    const replay = async (calls: CompletionCall[]) => {
      const prepared = calls.map((call) => ({
        call,
        tokens: engine.model.tokenize(call.prompt, true),
        grammar: call.constraint ? grammars.get(call.constraint) : undefined,
      }));
      const texts: string[] = [];
      const started = performance.now();
      for (const { call, tokens: input, grammar } of prepared) {
        const res = await completion.generateCompletionWithMeta(input, {
          maxTokens: call.maxTokens,
          temperature: call.sampling.temperature,
          topK: Math.max(call.sampling.topK, 0),
          topP: call.sampling.topP,
          minP: call.sampling.minP,
          ...(call.sampling.seed === undefined ? {} : { seed: call.sampling.seed }),
          repeatPenalty: false,
          disableContextShift: true,
          tokenBias: bias,
          ...(grammar ? { grammar } : {}),
          ...(call.stop?.length ? { customStopTriggers: call.stop } : {}),
        });
        texts.push(res.response);
      }
      return { ms: performance.now() - started, texts };
    };

    // Subject: the pipeline on the engine; baseline: the raw replay of its calls.
    const rounds = options.rounds ?? 5;
    let tokens = 0;
    let identical = 0;
    let callCount = 0;
    const times = await pairedRounds(
      recorded,
      rounds,
      { subject: (item) => runOne(item.request, engine), baseline: (item) => replay(item.calls) },
      (item, pipeline, raw) => {
        tokens += pipeline.tokens;
        identical += raw.texts.filter((t, k) => t === item.texts[k]).length;
        callCount += item.calls.length;
      },
    );
    completion.dispose();
    await context.dispose();
    return {
      requests: requests.length,
      identicalOutputs: `${identical}/${callCount}`,
      ...throughputRatio(tokens, rounds, times),
    };
  } finally {
    await engine.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await runLlamaCppThroughput();
  console.log(
    `llamacpp throughput (demo model, ${result.requests} pipelines, ${result.completionTokens} tokens): ` +
      `identical replays ${result.identicalOutputs}, pipeline ${result.subjectTokensPerSecond} tok/s, raw node-llama-cpp ${result.baselineTokensPerSecond} tok/s, ` +
      `ratio ${result.ratio} (target ≥ ${result.target}: ${result.passed ? "met" : "NOT met"})`,
  );
}
