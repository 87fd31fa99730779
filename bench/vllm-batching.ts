/**
 * Keeping the GPU busy (issue 15, goal 4): the vLLM stand-in models vLLM's batching
 * (`--max-num-seqs 256`: up to 256 completions generate at once, each as fast as alone, the rest
 * wait), and 512 requests are kept in flight through the server over WebSocket. The stand-in's
 * throughput limit is its batch always full; the bench samples its `vllm:num_requests_running` and
 * `vllm:num_requests_waiting` gauges and reports the batch occupancy (mean running / 256) and
 * pipelines per second, with the default ORCH_MAX_CONCURRENCY for vLLM and with the old default 8.
 * Target: occupancy ≥ 0.95 with the default (320 for vLLM, handlers/shared/config.ts).
 * `--adaptive N` adds a run with ORCH_ADAPTIVE_CONCURRENCY from ORCH_MAX_CONCURRENCY=N (handlers/server/adapt-to-vllm.ts).
 *   tsx bench/vllm-batching.ts [--seconds 20] [--token-delay-ms 150] [--in-flight 512] [--also N] [--adaptive N]
 */
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { sleep } from "../core/sleep.js";
import { buildBundle, freePort, run, startServerProcess } from "../test/support/server-process.js";
import { PROCESS_KEY, report, round } from "./server-support.js";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    "token-delay-ms": { type: "string", default: "150" },
    "in-flight": { type: "string", default: "512" },
    /** Another ORCH_MAX_CONCURRENCY to compare. */
    also: { type: "string" },
    /** ORCH_MAX_CONCURRENCY to start ORCH_ADAPTIVE_CONCURRENCY from. */
    adaptive: { type: "string" },
  },
});
const SECONDS = Number(values.seconds);
const IN_FLIGHT = Number(values["in-flight"]);
const BATCH = 256;
const PER_SOCKET = 16;
const MODEL = "bench-model";
const REQUEST = {
  prompt: "Is the sky blue on a clear day?",
  thinking_effort: "low",
  structured_outputs: { choice: ["yes", "no"] },
};

async function gauges(url: string): Promise<{ running: number; waiting: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^vllm:${name}\\{[^}]*\\} (\\d+)$`, "m").exec(text)?.[1]);
  return { running: read("num_requests_running"), waiting: read("num_requests_waiting") };
}

/** Keeps IN_FLIGHT requests going through the server for SECONDS; samples the stand-in meanwhile. */
async function load(wsUrl: string, standInUrl: string) {
  const sockets = await Promise.all(
    Array.from(
      { length: Math.ceil(IN_FLIGHT / PER_SOCKET) },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(wsUrl, {
            headers: { "x-api-key": PROCESS_KEY },
            perMessageDeflate: false,
          });
          ws.once("open", () => resolve(ws));
          ws.once("error", reject);
        }),
    ),
  );
  let stop = false;
  let done = 0;
  let errors = 0;
  let counter = 0;
  const start = (ws: WebSocket) => {
    if (!stop) ws.send(JSON.stringify({ type: "completion.create", id: `r${counter++}`, request: REQUEST }));
  };
  for (const ws of sockets) {
    ws.on("message", (data) => {
      const text = String(data);
      if (text.startsWith('{"type":"completion.result"')) done++;
      else if (text.startsWith('{"type":"error"')) errors++;
      else return;
      start(ws);
    });
  }
  for (let i = 0; i < IN_FLIGHT; i++) start(sockets[i % sockets.length]!);
  // Let the batch fill and the pipelines fall out of step before sampling.
  await sleep(8000);
  const done0 = done;
  const t0 = performance.now();
  const samples: { running: number; waiting: number }[] = [];
  while (performance.now() - t0 < SECONDS * 1000) {
    samples.push(await gauges(standInUrl));
    await sleep(100);
  }
  const seconds = (performance.now() - t0) / 1000;
  const pipelines = done - done0;
  stop = true;
  for (const ws of sockets) ws.terminate();
  const mean = (f: (s: { running: number; waiting: number }) => number) =>
    samples.reduce((a, s) => a + f(s), 0) / samples.length;
  return {
    running: mean((s) => s.running),
    waiting: mean((s) => s.waiting),
    perSecond: pipelines / seconds,
    errors,
  };
}

async function main() {
  const port = await freePort();
  const standIn = run(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/vllm-stand-in/main.ts",
      ...["--port", String(port), "--model", MODEL, "--max-num-seqs", String(BATCH)],
      ...["--token-delay-ms", values["token-delay-ms"]!],
    ],
    {},
  );
  const figures: Record<string, number> = {
    batch: BATCH,
    in_flight: IN_FLIGHT,
    token_delay_ms: Number(values["token-delay-ms"]),
  };
  try {
    await standIn.line((l) => l.includes("stand-in listening"));
    const standInUrl = `http://127.0.0.1:${port}`;
    const bundle = await buildBundle("bench-batching");
    for (const [name, concurrency, adaptive] of [
      ["default", undefined, undefined],
      ...(values.also ? [[`concurrency_${values.also}`, values.also, undefined] as const] : []),
      ...(values.adaptive ? [[`adaptive_from_${values.adaptive}`, values.adaptive, "1"] as const] : []),
      ["old_default_8", "8", undefined],
    ] as const) {
      const server = await startServerProcess(bundle, {
        VLLM_URL: standInUrl,
        MODEL_NAME: MODEL,
        ORCH_MODEL: undefined,
        ORCH_MAX_QUEUE: "4096",
        ORCH_MAX_CONCURRENCY: concurrency,
        ORCH_ADAPTIVE_CONCURRENCY: adaptive,
      });
      try {
        for (let i = 0; i < 400; i++) {
          if ((await fetch(`${server.url}/ready`, { headers: { "x-api-key": PROCESS_KEY } })).ok) break;
          await sleep(25);
        }
        const r = await load(server.wsUrl, standInUrl);
        figures[`${name}_occupancy`] = round(r.running / BATCH, 3);
        figures[`${name}_mean_waiting`] = round(r.waiting, 1);
        figures[`${name}_pipelines_per_s`] = round(r.perSecond, 2);
        figures[`${name}_errors`] = r.errors;
        console.log(
          `  ${name.padEnd(18)} batch occupancy ${figures[`${name}_occupancy`]} (mean running ${round(r.running, 1)} of ${BATCH}, waiting ${round(r.waiting, 1)}), ${round(r.perSecond, 2)} pipelines/s, ${r.errors} errors`,
        );
      } finally {
        await server.stop();
        // Let the stand-in finish the calls the stopped server abandoned.
        while ((await gauges(standInUrl)).running > 0) await sleep(100);
      }
    }
    figures.target_default_occupancy = 0.95;
    report("vllm-batching", figures);
  } finally {
    standIn.kill();
    await standIn.exited;
  }
}

console.log(
  `vllm-batching: stand-in with --max-num-seqs ${BATCH}, ${IN_FLIGHT} requests in flight (effort low)`,
);
await main();
