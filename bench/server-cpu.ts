/**
 * Server CPU per pipeline (issue 15, goal 1): CPU time of the server process (from /proc, so the
 * machine's other load cancels) per effort-`low` pipeline (four engine calls) against the vLLM
 * stand-in answering at once, next to a bare Node proxy (bench/bare-proxy-support.ts) making the
 * same four upstream calls in the same run: the floor. Also CPU per generated token on our side and
 * the stand-in's, with the upstream calls plain (client without deltas) and streamed (client with
 * `stream: true`). Target: ≤ 1.0 ms of server CPU per pipeline.
 *   tsx bench/server-cpu.ts [--pipelines 2000] [--clients 16]
 */
import { parseArgs } from "node:util";
import type WebSocket from "ws";
import { run } from "../test/support/server-process.js";
import { cpuMsOf, openClients, report, round, startStack } from "./server-support.js";

const { values } = parseArgs({
  options: { pipelines: { type: "string", default: "2000" }, clients: { type: "string", default: "16" } },
});
const PIPELINES = Number(values.pipelines);
const CLIENTS = Number(values.clients);
const PROMPT = "Is the sky blue on a clear day?";
const CHOICE = ["yes", "no"];

/** Runs `total` calls of `one` from `clients` loops; returns the completion tokens they reported. */
async function drive(total: number, one: (client: number) => Promise<number>): Promise<number> {
  let next = 0;
  let tokens = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      while (next < total) {
        next++;
        tokens += await one(client);
      }
    }),
  );
  return tokens;
}

function viaServer(sockets: WebSocket[], stream: boolean) {
  let counter = 0;
  const pending = new Map<string, { resolve: (tokens: number) => void; reject: (e: Error) => void }>();
  for (const ws of sockets) {
    ws.on("message", (data) => {
      const text = String(data);
      if (!text.startsWith('{"type":"completion.result"') && !text.startsWith('{"type":"error"')) return;
      const message = JSON.parse(text) as {
        type: string;
        id: string;
        error?: { code: string };
        result?: { usage: { completion_tokens: number } };
      };
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.type === "error") waiter?.reject(new Error(message.error?.code));
      else waiter?.resolve(message.result!.usage.completion_tokens);
    });
  }
  const request = { prompt: PROMPT, thinking_effort: "low", structured_outputs: { choice: CHOICE }, stream };
  return (client: number) =>
    new Promise<number>((resolve, reject) => {
      const id = `r${counter++}`;
      pending.set(id, { resolve, reject });
      sockets[client]!.send(JSON.stringify({ type: "completion.create", id, request }));
    });
}

function viaProxy(url: string) {
  const body = JSON.stringify({ prompt: PROMPT, choice: CHOICE });
  return async () => {
    const res = await fetch(`${url}/pipeline`, { method: "POST", body });
    if (!res.ok) throw new Error(`proxy: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens;
  };
}

/** CPU of `pids` (ms) and tokens over `total` pipelines of `one`. */
async function measure(pids: number[], total: number, one: (client: number) => Promise<number>) {
  const before = pids.map(cpuMsOf);
  const tokens = await drive(total, one);
  return { cpu: pids.map((pid, i) => cpuMsOf(pid) - before[i]!), tokens };
}

async function main() {
  const stack = await startStack("cpu", {
    ORCH_MAX_CONCURRENCY: String(CLIENTS),
    ORCH_MAX_QUEUE: "4096",
    ORCH_LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
  });
  // The floor with the vLLM engine's own client (core/engines/vllm/upstream.ts) and with Node's fetch.
  const proxyModes = [
    { stream: false, client: "engine" },
    { stream: true, client: "engine" },
    { stream: false, client: "fetch" },
    { stream: true, client: "fetch" },
  ];
  const proxies = proxyModes.map(({ stream, client }) =>
    run(process.execPath, ["--import", "tsx", "bench/bare-proxy-support.ts"], {
      UPSTREAM: stack.standIn.url,
      MODEL: stack.model,
      STREAM: stream ? "1" : "0",
      CLIENT: client,
    }),
  );
  try {
    const ports = await Promise.all(proxies.map((p) => p.line((l) => l.includes("listening"))));
    const proxyUrls = ports.map((l) => `http://127.0.0.1:${l.split(" ").pop()}`);
    const server = stack.server.child.pid!;
    const standIn = stack.standIn.child.pid!;
    const sockets = await openClients(stack.server.wsUrl, CLIENTS);
    const paths = {
      server_plain: { pid: server, one: viaServer(sockets, false) },
      server_streamed: { pid: server, one: viaServer(sockets, true) },
      proxy_plain: { pid: proxies[0]!.child.pid!, one: viaProxy(proxyUrls[0]!) },
      proxy_streamed: { pid: proxies[1]!.child.pid!, one: viaProxy(proxyUrls[1]!) },
      fetch_proxy_plain: { pid: proxies[2]!.child.pid!, one: viaProxy(proxyUrls[2]!) },
      fetch_proxy_streamed: { pid: proxies[3]!.child.pid!, one: viaProxy(proxyUrls[3]!) },
    };
    type Path = keyof typeof paths;
    const totals = Object.fromEntries(
      Object.keys(paths).map((k) => [k, { own: 0, standIn: 0, tokens: 0 }]),
    ) as Record<Path, { own: number; standIn: number; tokens: number }>;
    // Warm every path (JIT, pools), then alternate measured halves so drift is shared.
    for (const path of Object.values(paths)) await drive(Math.min(300, PIPELINES), path.one);
    for (let half = 0; half < 2; half++) {
      for (const [name, path] of Object.entries(paths) as [Path, (typeof paths)[Path]][]) {
        const m = await measure([path.pid, standIn], PIPELINES / 2, path.one);
        totals[name].own += m.cpu[0]!;
        totals[name].standIn += m.cpu[1]!;
        totals[name].tokens += m.tokens;
      }
    }
    const figures: Record<string, number> = { pipelines: PIPELINES, clients: CLIENTS };
    for (const [name, t] of Object.entries(totals)) {
      figures[`${name}_cpu_ms_per_pipeline`] = round(t.own / PIPELINES, 3);
      figures[`${name}_cpu_us_per_token`] = round((1000 * t.own) / t.tokens, 1);
      figures[`${name}_stand_in_cpu_us_per_token`] = round((1000 * t.standIn) / t.tokens, 1);
      figures[`${name}_tokens_per_pipeline`] = round(t.tokens / PIPELINES, 1);
    }
    figures.server_to_proxy_ratio = round(
      figures.server_plain_cpu_ms_per_pipeline! / figures.proxy_plain_cpu_ms_per_pipeline!,
      2,
    );
    figures.server_to_fetch_proxy_ratio = round(
      figures.server_plain_cpu_ms_per_pipeline! / figures.fetch_proxy_plain_cpu_ms_per_pipeline!,
      2,
    );
    figures.target_server_cpu_ms_per_pipeline = 1;
    report("server-cpu", figures, [
      `server-cpu: ${PIPELINES} pipelines per path (effort low, 4 upstream calls), ${CLIENTS} concurrent clients`,
      ...Object.keys(totals).map(
        (n) =>
          `  ${n.padEnd(20)} ${figures[`${n}_cpu_ms_per_pipeline`]} ms CPU/pipeline, ` +
          `${figures[`${n}_cpu_us_per_token`]} µs/token ours, ${figures[`${n}_stand_in_cpu_us_per_token`]} µs/token stand-in ` +
          `(${figures[`${n}_tokens_per_pipeline`]} tokens/pipeline)`,
      ),
      `  server / bare proxy (plain upstream): ${figures.server_to_proxy_ratio}× over the engine's client, ` +
        `${figures.server_to_fetch_proxy_ratio}× over fetch (target server ≤ 1.0 ms/pipeline)`,
    ]);
    for (const ws of sockets) ws.close();
  } finally {
    for (const p of proxies) p.kill();
    await stack.stop();
  }
}

await main();
