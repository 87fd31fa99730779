/**
 * Pipeline tokens/s through the engine host (llama.cpp in a child process, over IPC) against the
 * same pipelines on the in-process engine: same requests, prompts and seeds, one sequence each, on
 * the demo model. The two sides alternate request by request (each going first half of the time),
 * so load from other processes hits both alike; the ratio is in-process time / host time.
 * Target: ratio ≥ 0.9 (isolation must not cost real speed).
 *   npx tsx bench/engine-host-throughput.ts      (or: npm run bench -- engine-host)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Engine } from "../core/engine.js";
import { HostEngine } from "../core/engines/llamacpp/host/host-engine.js";
import { createLlamaCppEngine } from "../core/engines/llamacpp/index.js";
import { runPipeline } from "../core/pipeline.js";
import { CompletionRequest, type CompletionRequest as Request } from "../core/protocol.js";
import { CONSTRAINTS, EFFORTS } from "./llamacpp-throughput.js";
import { report } from "./server-support.js";

export interface HostThroughputResult {
  requests: number;
  completionTokens: number;
  identicalResults: string;
  hostTokensPerSecond: number;
  inProcessTokensPerSecond: number;
  ratio: number;
  target: number;
  passed: boolean;
}

async function runOne(request: Request, engine: Engine) {
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

export async function runHostThroughput(options: { rounds?: number } = {}): Promise<HostThroughputResult> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), "engine-host-bench-"));
  const local = await createLlamaCppEngine({ model: "demo", cacheDir, concurrency: 1 });
  const host = await HostEngine.start({ engine: { model: "demo", cacheDir, concurrency: 1 } });
  try {
    const requests = EFFORTS.flatMap((effort, i) =>
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
    // Warm-up: grammars compiled on both sides, outside the timing.
    for (const request of requests) {
      await runOne(request, local);
      await runOne(request, host);
    }
    const rounds = options.rounds ?? 5;
    let hostMs = 0;
    let localMs = 0;
    let tokens = 0;
    let identical = 0;
    for (let round = 0; round < rounds; round++) {
      for (const [i, request] of requests.entries()) {
        const hostFirst = (round + i) % 2 === 1;
        const first = hostFirst ? await runOne(request, host) : undefined;
        const inProcess = await runOne(request, local);
        const remote = first ?? (await runOne(request, host));
        hostMs += remote.ms;
        localMs += inProcess.ms;
        tokens += inProcess.tokens;
        if (remote.text === inProcess.text && remote.tokens === inProcess.tokens) identical++;
      }
    }
    // Same seeds, same calls: both sides generate the same tokens, so the rate ratio is the time ratio.
    const ratio = localMs / hostMs;
    return {
      requests: requests.length,
      completionTokens: tokens / rounds,
      identicalResults: `${identical}/${rounds * requests.length}`,
      hostTokensPerSecond: Math.round((tokens * 1000) / hostMs),
      inProcessTokensPerSecond: Math.round((tokens * 1000) / localMs),
      ratio: Math.round(ratio * 1000) / 1000,
      target: 0.9,
      passed: ratio >= 0.9,
    };
  } finally {
    await host.close();
    await local.close();
    await rm(cacheDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const result = await runHostThroughput();
  console.log(
    `engine host throughput (demo model, ${result.requests} pipelines, ${result.completionTokens} tokens): ` +
      `identical results ${result.identicalResults}, host ${result.hostTokensPerSecond} tok/s, ` +
      `in process ${result.inProcessTokensPerSecond} tok/s, ratio ${result.ratio} ` +
      `(target ≥ ${result.target}: ${result.passed ? "met" : "NOT met"})`,
  );
  report("engine host vs in process", { ...result });
}
