/**
 * No leak (issue 15, goal 6): the server's RSS after 10,000 pipelines and after 100,000, against the
 * vLLM stand-in answering at once, over WebSocket from 32 clients. Effort `none` (one engine call
 * each) keeps the run bounded; every prompt differs and every other request has a seed, so the
 * result cache fills to its bound and keeps evicting. Target: RSS after 100,000 within 10% of RSS
 * after 10,000.
 *   tsx bench/server-leak.ts [--pipelines 100000] [--clients 32]
 */
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { sleep } from "../core/sleep.js";
import { PROCESS_KEY, report, round, rssOf, startStack } from "./server-support.js";

const { values } = parseArgs({
  options: { pipelines: { type: "string", default: "100000" }, clients: { type: "string", default: "32" } },
});
const TOTAL = Number(values.pipelines);
const CLIENTS = Number(values.clients);
const FIRST = TOTAL / 10;

async function main() {
  const stack = await startStack("leak", { ORCH_MAX_CONCURRENCY: String(CLIENTS) });
  const pid = stack.server.child.pid!;
  try {
    const sockets = await Promise.all(
      Array.from(
        { length: CLIENTS },
        () =>
          new Promise<WebSocket>((resolve, reject) => {
            const ws = new WebSocket(stack.server.wsUrl, {
              headers: { "x-api-key": PROCESS_KEY },
              perMessageDeflate: false,
            });
            ws.once("open", () => resolve(ws));
            ws.once("error", reject);
          }),
      ),
    );
    let sent = 0;
    let done = 0;
    let errors = 0;
    let target = FIRST;
    let reached: (() => void) | undefined;
    const send = (ws: WebSocket) => {
      if (sent >= target) return;
      const i = sent++;
      const request = {
        prompt: `Question ${i}: is ${i} even?`,
        thinking_effort: "none",
        structured_outputs: { choice: ["yes", "no"] },
        ...(i % 2 === 0 ? { seed: i } : {}),
      };
      ws.send(JSON.stringify({ type: "completion.create", id: `r${i}`, request }));
    };
    for (const ws of sockets) {
      ws.on("message", (data) => {
        const text = String(data);
        if (text.startsWith('{"type":"error"')) errors++;
        else if (!text.startsWith('{"type":"completion.result"')) return;
        done++;
        if (done === target) reached?.();
        send(ws);
      });
    }
    const runTo = (n: number) =>
      new Promise<void>((resolve) => {
        target = n;
        reached = resolve;
        for (const ws of sockets) send(ws);
      });
    const t0 = performance.now();
    await runTo(FIRST);
    await sleep(2000);
    const rssFirst = rssOf(pid);
    console.log(
      `  after ${FIRST} pipelines: RSS ${round(rssFirst / 2 ** 20, 1)} MB (${round((performance.now() - t0) / 1000, 1)} s)`,
    );
    await runTo(TOTAL);
    await sleep(2000);
    const rssAll = rssOf(pid);
    console.log(
      `  after ${TOTAL} pipelines: RSS ${round(rssAll / 2 ** 20, 1)} MB (${round((performance.now() - t0) / 1000, 1)} s)`,
    );
    const figures = {
      pipelines: TOTAL,
      clients: CLIENTS,
      errors,
      rss_after_tenth_mb: round(rssFirst / 2 ** 20, 1),
      rss_after_all_mb: round(rssAll / 2 ** 20, 1),
      growth: round(rssAll / rssFirst - 1, 3),
      target_growth: 0.1,
    };
    console.log(`  growth ${round(100 * figures.growth, 1)}% (target ≤ 10%), ${errors} errors`);
    report("server-leak", figures);
    for (const ws of sockets) ws.terminate();
  } finally {
    await stack.stop();
  }
}

console.log(`server-leak: ${TOTAL} pipelines (effort none) from ${CLIENTS} WebSocket clients`);
await main();
