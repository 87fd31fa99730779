/**
 * Clients that attack the server's resources: one that asks for cached results and never reads
 * them (the socket is closed once its unsent bytes pass the bound, and memory stays flat), and
 * 1,000 half-open unauthenticated requests (over-cap connections are answered at once, the rest
 * are reaped by the header timeout, and the descriptors come back).
 */
import { readdirSync } from "node:fs";
import { connect, type Socket } from "node:net";
import type { Socket as NetSocket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { startTestServer, TEST_KEY, TestClient, type TestServer } from "../support/server.js";
import { ScriptedEngine } from "../support/scripted-engine.js";
import { postJson, report } from "./figures.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.shutdown();
  server = undefined;
});

const openFds = () => readdirSync("/proc/self/fd").length;
const metric = async (url: string, name: string) => {
  const text = await (await fetch(`${url}/metrics`, { headers: { "x-api-key": TEST_KEY } })).text();
  return Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
};

describe("a WebSocket client that never reads", () => {
  it("is closed once 1 MB is queued for it; its requests stop and memory stays bounded", async () => {
    // 32 KB answers, cached after the first: each request costs the server nothing but bytes to send.
    server = await startTestServer(new ScriptedEngine({ fallback: { text: "y".repeat(32 * 1024) } }), {
      wsMaxBufferedBytes: 1024 * 1024,
      maxWsInflight: 64,
      // room for the 32 KB answer (8,192 of the scripted engine's tokens), so it completes and is cached
      answerMaxTokens: 16_384,
    });
    const client = await TestClient.open(server.wsUrl);
    const request = { prompt: "same", thinking_effort: "none", temperature: 0, max_answer_tokens: 16_384 };
    client.send({ type: "completion.create", id: "warm", request });
    await client.terminal("warm");
    // From now on the client reads nothing: the kernel buffers fill, then ws's queue would grow.
    (client.ws as unknown as { _socket: NetSocket })._socket.pause();
    const rss0 = process.memoryUsage().rss;
    let sent = 0;
    // 2,000 requests would be over 130 MB of answers without the bound.
    for (; sent < 2000 && client.ws.readyState === 1; sent++) {
      client.send({ type: "completion.create", id: `c${sent}`, request });
      if (sent % 50 === 49) await new Promise((r) => setTimeout(r, 5));
    }
    const url = server.url;
    for (let i = 0; i < 200 && (await metric(url, "deliberate_ws_overflow_closes_total")) < 1; i++) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await metric(url, "deliberate_ws_overflow_closes_total")).toBe(1);
    const growthMb = (process.memoryUsage().rss - rss0) / 1024 / 1024;
    (client.ws as unknown as { _socket: NetSocket })._socket.resume();
    const closed = await client.closed;
    // 1008 when the close frame got through behind the queued data, 1006 when the socket was cut.
    expect([1008, 1006]).toContain(closed.code);
    expect(server.service.stats().inFlight).toBe(0);
    report("ws-not-reading", {
      requests_sent: sent,
      rss_growth_mb: Math.round(growthMb),
      close_code: closed.code,
    });
    expect(growthMb).toBeLessThan(64);
    // The server still serves others.
    const other = await TestClient.open(server.wsUrl);
    other.send({ type: "completion.create", id: "x", request });
    expect(await other.terminal("x")).toMatchObject({ type: "completion.result" });
    other.close();
  });
});

describe("1,000 half-open unauthenticated requests", () => {
  it("cannot exhaust descriptors: over the cap they get 429 at once, the rest time out", async () => {
    server = await startTestServer(new ScriptedEngine({ fallback: { text: "ok" } }), {
      maxConnections: 200,
      headersTimeoutMs: 1000,
      bodyTimeoutMs: 2000,
    });
    const fds0 = openFds();
    const url = new URL(server.url);
    const answers = { rejected: 0, timedOut: 0, closedQuietly: 0 };
    const sockets: Socket[] = [];
    const ended = Array.from({ length: 1000 }, async () => {
      const socket = connect(Number(url.port), url.hostname);
      sockets.push(socket);
      socket.on("error", () => {});
      await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
      // A request line and one header, then nothing: the headers never end.
      socket.write("POST /completions HTTP/1.1\r\nHost: x\r\n");
      let data = "";
      socket.on("data", (d: Buffer) => {
        data += d.toString();
      });
      await new Promise<void>((resolve) => socket.once("close", () => resolve()));
      if (data.startsWith("HTTP/1.1 429")) answers.rejected++;
      else if (data.startsWith("HTTP/1.1 408")) answers.timedOut++;
      else answers.closedQuietly++;
    });
    // While they hang, the server is reachable and keeps answering (maybe 429 while full).
    const t0 = performance.now();
    const during = await postJson(
      `${server.url}/completions`,
      { prompt: "hi", thinking_effort: "none" },
      { "x-api-key": TEST_KEY },
    );
    expect([200, 429]).toContain(during.status);
    await Promise.all(ended);
    const allClosedMs = Math.round(performance.now() - t0);
    // How many find the cap full depends on how fast they arrive against the 1 s timeout.
    expect(answers.rejected).toBeGreaterThan(0);
    expect(answers.rejected + answers.timedOut + answers.closedQuietly).toBe(1000);
    const after = await postJson(
      `${server.url}/completions`,
      { prompt: "hi", thinking_effort: "none" },
      { "x-api-key": TEST_KEY },
    );
    expect(after.status).toBe(200);
    // Closed sockets leave the descriptor table as their close events run: on a loaded machine that takes a
    // while, so wait for it (bounded); a real leak stays.
    let leaked = openFds() - fds0;
    for (let i = 0; i < 50 && leaked >= 20; i++) {
      await new Promise((r) => setTimeout(r, 100));
      leaked = openFds() - fds0;
    }
    expect(await metric(server.url, "deliberate_rejected_connections_total")).toBe(
      answers.rejected + (during.status === 429 ? 1 : 0),
    );
    report("half-open", { connections: 1000, ...answers, all_closed_ms: allClosedMs, fds_left_over: leaked });
    expect(leaked).toBeLessThan(20);
  });
});
