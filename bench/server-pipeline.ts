/**
 * Pipelines through the server against the same pipelines run directly against the vLLM stand-in
 * (which answers at once), in the same run: 64 concurrent clients, WebSocket, effort `low` (four
 * engine calls each). The difference of the p50 latencies is what the server adds per pipeline.
 * Target: ≤ 1 ms added at p50.
 *   tsx bench/server-pipeline.ts [--pipelines 4000] [--clients 64]
 */
import { parseArgs } from "node:util";
import type WebSocket from "ws";
import { DEFAULT_BUDGETS } from "../core/effort.js";
import { createVllmEngine } from "../core/engines/vllm/index.js";
import { runPipeline } from "../core/pipeline.js";
import { CompletionRequest } from "../core/protocol.js";
import { cpuMsOf, openClients, percentile, report, round, selfCpuMs, startStack } from "./server-support.js";

const { values } = parseArgs({
  options: {
    pipelines: { type: "string", default: "4000" },
    clients: { type: "string", default: "64" },
    /** Latency of every upstream call (the stand-in's --call-delay-ms). */
    "upstream-ms": { type: "string", default: "0" },
  },
});
const PIPELINES = Number(values.pipelines);
const CLIENTS = Number(values.clients);
const UPSTREAM_MS = Number(values["upstream-ms"]);
const REQUEST = {
  prompt: "Is the sky blue on a clear day?",
  thinking_effort: "low",
  structured_outputs: { choice: ["yes", "no"] },
} as const;

interface Run {
  latencies: number[];
  seconds: number;
  /** CPU milliseconds used meanwhile by the bench (client), the server and the stand-in. */
  cpu: { bench: number; server: number; standIn: number };
}

let pids: { server: number; standIn: number } = { server: 0, standIn: 0 };
const cpuNow = () => ({ bench: selfCpuMs(), server: cpuMsOf(pids.server), standIn: cpuMsOf(pids.standIn) });

async function runConcurrently(
  total: number,
  clients: number,
  one: (client: number) => Promise<void>,
): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  const cpu0 = cpuNow();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      while (next < total) {
        next++;
        const t = performance.now();
        await one(client);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu1 = cpuNow();
  return {
    latencies: latencies.sort((a, b) => a - b),
    seconds,
    cpu: {
      bench: cpu1.bench - cpu0.bench,
      server: cpu1.server - cpu0.server,
      standIn: cpu1.standIn - cpu0.standIn,
    },
  };
}

/** Each socket runs one request at a time; resolves on its terminal message. */
function viaServer(sockets: WebSocket[]) {
  let counter = 0;
  const pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  for (const ws of sockets) {
    ws.on("message", (data) => {
      const text = String(data);
      // Only terminal messages matter here; skip parsing the rest.
      if (!text.startsWith('{"type":"completion.result"') && !text.startsWith('{"type":"error"')) return;
      const message = JSON.parse(text) as { type: string; id: string; error?: { code: string } };
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.type === "error") waiter?.reject(new Error(message.error?.code));
      else waiter?.resolve();
    });
  }
  return (client: number) =>
    new Promise<void>((resolve, reject) => {
      const id = `r${counter++}`;
      pending.set(id, { resolve, reject });
      sockets[client]!.send(JSON.stringify({ type: "completion.create", id, request: REQUEST }));
    });
}

async function main() {
  const stack = await startStack(
    "pipeline",
    {
      ORCH_MAX_CONCURRENCY: String(CLIENTS),
      ORCH_MAX_QUEUE: "4096",
      ORCH_MAX_WS_INFLIGHT: "4",
    },
    ["--call-delay-ms", String(UPSTREAM_MS)],
  );
  pids = { server: stack.server.child.pid!, standIn: stack.standIn.child.pid! };
  try {
    // Configured as the server configures its own (handlers/shared/engine-from-config.ts), so
    // the difference measured is the server, not a streaming/non-streaming mismatch.
    const engine = createVllmEngine({ baseUrl: stack.standIn.url, model: stack.model });
    await engine.start();
    const parsed = CompletionRequest.parse(REQUEST);
    let job = 0;
    const direct = () =>
      runPipeline(parsed, {
        engine,
        budgets: DEFAULT_BUDGETS,
        answerCap: 1024,
        jobId: `direct-${job++}`,
      }).then(() => undefined);
    const sockets = await openClients(stack.server.wsUrl, CLIENTS);
    const server = viaServer(sockets);

    // Warm both paths (JIT, connection pools), then alternate measured halves to share any drift.
    await runConcurrently(Math.min(500, PIPELINES), CLIENTS, direct);
    await runConcurrently(Math.min(500, PIPELINES), CLIENTS, server);
    const runs: { direct: Run[]; server: Run[] } = { direct: [], server: [] };
    for (let round = 0; round < 2; round++) {
      runs.direct.push(await runConcurrently(PIPELINES / 2, CLIENTS, direct));
      runs.server.push(await runConcurrently(PIPELINES / 2, CLIENTS, server));
    }
    const merge = (rs: Run[]) => ({
      latencies: rs.flatMap((r) => r.latencies).sort((a, b) => a - b),
      seconds: rs.reduce((s, r) => s + r.seconds, 0),
      cpu: {
        bench: rs.reduce((s, r) => s + r.cpu.bench, 0) / PIPELINES,
        server: rs.reduce((s, r) => s + r.cpu.server, 0) / PIPELINES,
        standIn: rs.reduce((s, r) => s + r.cpu.standIn, 0) / PIPELINES,
      },
    });
    const d = merge(runs.direct);
    const s = merge(runs.server);
    const figures = {
      pipelines: PIPELINES,
      clients: CLIENTS,
      direct_per_s: round(PIPELINES / d.seconds, 1),
      server_per_s: round(PIPELINES / s.seconds, 1),
      throughput_ratio: round(PIPELINES / s.seconds / (PIPELINES / d.seconds), 3),
      direct_p50_ms: round(percentile(d.latencies, 50)),
      server_p50_ms: round(percentile(s.latencies, 50)),
      added_p50_ms: round(percentile(s.latencies, 50) - percentile(d.latencies, 50)),
      direct_p95_ms: round(percentile(d.latencies, 95)),
      server_p95_ms: round(percentile(s.latencies, 95)),
      direct_p99_ms: round(percentile(d.latencies, 99)),
      server_p99_ms: round(percentile(s.latencies, 99)),
      added_p99_ms: round(percentile(s.latencies, 99) - percentile(d.latencies, 99)),
      upstream_ms: UPSTREAM_MS,
      wall_ratio_p50: round(percentile(s.latencies, 50) / percentile(d.latencies, 50), 3),
      target_added_p50_ms: 1,
      // CPU per pipeline: the direct path spends its engine work in the bench process; through the
      // server, that work moves to the server, which adds the WebSocket, queue and bookkeeping.
      direct_cpu_ms_per_pipeline: round(d.cpu.bench + d.cpu.server),
      server_path_cpu_ms_per_pipeline: round(s.cpu.bench + s.cpu.server),
      added_cpu_ms_per_pipeline: round(s.cpu.bench + s.cpu.server - (d.cpu.bench + d.cpu.server)),
      // The server process alone, and the bench's WebSocket client alone, on the server path.
      server_cpu_ms_per_pipeline: round(s.cpu.server),
      client_cpu_ms_per_pipeline: round(s.cpu.bench),
      stand_in_cpu_ms_per_pipeline: round((d.cpu.standIn + s.cpu.standIn) / 2),
    };
    report("server-pipeline", figures, [
      `server-pipeline: ${PIPELINES} pipelines (effort low, 4 engine calls), ${CLIENTS} concurrent clients, upstream ${UPSTREAM_MS} ms a call`,
      `  direct to the stand-in: ${figures.direct_per_s} pipelines/s, p50 ${figures.direct_p50_ms} ms, p95 ${figures.direct_p95_ms} ms`,
      `  through the server:     ${figures.server_per_s} pipelines/s, p50 ${figures.server_p50_ms} ms, p95 ${figures.server_p95_ms} ms`,
      `  ratio server/direct: ${figures.throughput_ratio}; added per pipeline at p50: ${figures.added_p50_ms} ms (target ≤ 1 ms), at p99: ${figures.added_p99_ms} ms; p50 wall ratio ${figures.wall_ratio_p50}`,
      `  CPU per pipeline (client + server): direct ${figures.direct_cpu_ms_per_pipeline} ms, through the server ${figures.server_path_cpu_ms_per_pipeline} ms, added ${figures.added_cpu_ms_per_pipeline} ms; stand-in ${figures.stand_in_cpu_ms_per_pipeline} ms`,
      `  CPU per pipeline on the server path: server process ${figures.server_cpu_ms_per_pipeline} ms, WebSocket client ${figures.client_cpu_ms_per_pipeline} ms`,
    ]);
    for (const ws of sockets) ws.close();
  } finally {
    await stack.stop();
  }
}

await main();
