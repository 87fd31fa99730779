/**
 * Memory per idle connection: the server's RSS before and after N (default 10,000) authenticated WebSocket
 * connections that each did one ping and then sit idle. Target: ≤ 16 KB per connection at 10,000.
 *   tsx bench/server-idle.ts [--connections 10000]
 */
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { PROCESS_KEY, report, round, rssOf, startStack } from "./server-support.js";
import { sleep } from "../core/sleep.js";

const { values } = parseArgs({ options: { connections: { type: "string", default: "10000" } } });
const N = Number(values.connections);

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { "x-api-key": PROCESS_KEY }, perMessageDeflate: false });
    ws.once("open", () => {
      ws.once("message", () => resolve(ws));
      ws.send('{"type":"ping"}');
    });
    ws.once("error", reject);
  });
}

const settle = () => sleep(1500);

async function main() {
  const stack = await startStack("idle");
  const pid = stack.server.child.pid!;
  try {
    // Warm up: JIT, pools and the first allocations, so the baseline is a running server's.
    const warm = await Promise.all(Array.from({ length: 50 }, () => connect(stack.server.wsUrl)));
    for (const ws of warm) ws.close();
    await settle();
    const before = rssOf(pid);
    const sockets: WebSocket[] = [];
    for (let i = 0; i < N; i += 100) {
      sockets.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(100, N - i) }, () => connect(stack.server.wsUrl)),
        )),
      );
    }
    await settle();
    const after = rssOf(pid);
    const state = await (
      await fetch(`${stack.server.url}/metrics`, { headers: { "x-api-key": PROCESS_KEY } })
    ).text();
    const handles = /nodejs_active_handles\{type="Socket"\} (\d+)/.exec(state)?.[1];
    const perConnection = (after - before) / N;
    const figures = {
      connections: N,
      open_sockets_seen_by_server: Number(handles ?? Number.NaN),
      rss_before_mb: round(before / 2 ** 20, 1),
      rss_after_mb: round(after / 2 ** 20, 1),
      kb_per_connection: round(perConnection / 1024, 1),
      target_kb_per_connection: 16,
    };
    report("server-idle", figures, [
      `server-idle: ${N} authenticated idle WebSocket connections`,
      `  server RSS ${figures.rss_before_mb} MB → ${figures.rss_after_mb} MB: ${figures.kb_per_connection} KB per connection (target ≤ 16 KB)`,
    ]);
    for (const ws of sockets) ws.terminate();
  } finally {
    await stack.stop();
  }
}

await main();
