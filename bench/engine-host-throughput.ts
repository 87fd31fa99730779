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
import { HostEngine } from "../core/engines/llamacpp/host/host-engine.js";
import { createLlamaCppEngine } from "../core/engines/llamacpp/index.js";
import { benchRequests, runOne } from "./llamacpp-throughput.js";
import { pairedRounds, type ThroughputRatio, throughputRatio } from "./paired-rounds.js";
import { report } from "./server-support.js";

export interface HostThroughputResult extends ThroughputRatio {
  requests: number;
  /** Pipelines whose result was the same on both sides (same seeds: should be all). */
  identicalResults: string;
}

/** Subject: the engine host; baseline: the in-process engine. */
export async function runHostThroughput(options: { rounds?: number } = {}): Promise<HostThroughputResult> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), "engine-host-bench-"));
  const local = await createLlamaCppEngine({ model: "demo", cacheDir, concurrency: 1 });
  const host = await HostEngine.start({ engine: { model: "demo", cacheDir, concurrency: 1 } });
  try {
    const requests = benchRequests();
    // Warm-up: grammars compiled on both sides, outside the timing.
    for (const request of requests) {
      await runOne(request, local);
      await runOne(request, host);
    }
    const rounds = options.rounds ?? 5;
    let tokens = 0;
    let identical = 0;
    const times = await pairedRounds(
      requests,
      rounds,
      { subject: (request) => runOne(request, host), baseline: (request) => runOne(request, local) },
      (_, remote, inProcess) => {
        tokens += inProcess.tokens;
        if (remote.text === inProcess.text && remote.tokens === inProcess.tokens) identical++;
      },
    );
    return {
      requests: requests.length,
      identicalResults: `${identical}/${rounds * requests.length}`,
      ...throughputRatio(tokens, rounds, times),
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
      `identical results ${result.identicalResults}, host ${result.subjectTokensPerSecond} tok/s, ` +
      `in process ${result.baselineTokensPerSecond} tok/s, ratio ${result.ratio} ` +
      `(target ≥ ${result.target}: ${result.passed ? "met" : "NOT met"})`,
  );
  report("engine host vs in process", { ...result });
}
