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
