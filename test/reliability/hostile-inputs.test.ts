/**
 * 10,000 generated hostile inputs, 6,000 as WebSocket frames and 4,000 as HTTP bodies: each is
 * answered with one error envelope (never `internal`), the server stays up with its memory
 * bounded and /health answering, and a normal request succeeds afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_STATUS } from "../../core/errors.js";
import { startTestServer, TEST_KEY, TestClient, type TestServer } from "../support/server.js";
import { ScriptedEngine } from "../support/scripted-engine.js";
import { postJson, report, sampleWhileRunning } from "./figures.js";
import { hostileBody, hostileFrame, seeded } from "./hostile-inputs.js";

const FRAMES = 6000;
const SOCKETS = 6;
const BODIES = 4000;
const LIMIT = 64 * 1024;
const CODES = Object.keys(ERROR_STATUS).filter((c) => c !== "internal");

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(new ScriptedEngine({ fallback: { text: "red" } }), {
    maxBodyBytes: LIMIT,
    // Client and server share one loaded process (see upstream-faults.test.ts).
    headersTimeoutMs: 60_000,
    bodyTimeoutMs: 120_000,
  });
});
afterAll(() => server?.shutdown());

function isEnvelope(error: unknown): boolean {
  const e = error as { type?: unknown; code?: unknown; message?: unknown };
  return typeof e?.type === "string" && typeof e.message === "string" && CODES.includes(String(e.code));
}

describe("10,000 hostile inputs", () => {
  it("answers each in the one envelope and keeps serving", async () => {
    const rss0 = process.memoryUsage().rss;
    const sampler = sampleWhileRunning(server.url, 100);
    const r = seeded(12);

    const clients = await Promise.all(Array.from({ length: SOCKETS }, () => TestClient.open(server.wsUrl)));
    const perSocket = FRAMES / SOCKETS;
    await Promise.all(
      clients.map(async (client, s) => {
        for (let k = 0; k < perSocket; k++) {
          client.ws.send(hostileFrame(r, LIMIT, s * perSocket + k));
          // Let the socket drain now and then, as a real client's sends would.
          if (k % 200 === 199) await client.sync();
        }
        await client.sync();
      }),
    );
    // Some inputs pass the message schema and fail the constraint checks a moment later (queued,
    // then an error): count terminal messages, one per frame, each an error envelope.
    const answers = clients.flatMap((c) => c.messages.filter((m) => m.type !== "pong"));
    const terminals = answers.filter((m) => m.type !== "completion.queued" && m.type !== "completion.step");
    expect(terminals.filter((m) => m.type !== "error" || !isEnvelope(m.error))).toEqual([]);
    expect(terminals).toHaveLength(FRAMES);
    const ids = terminals.flatMap((m) => (m.id ? [m.id] : []));
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of clients) expect(c.ws.readyState).toBe(1);

    const statuses = new Map<number, number>();
    const bad: unknown[] = [];
    const routes = ["/completions", "/embeddings"];
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < BODIES) {
          const n = next++;
          const res = await postJson(`${server.url}${routes[n % 2]}`, hostileBody(r, LIMIT), {
            "x-api-key": TEST_KEY,
          });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          const error = (res.json as { error?: unknown }).error;
          if (!isEnvelope(error) || res.status < 400 || res.status >= 500)
            bad.push({ status: res.status, json: res.json });
        }
      }),
    );
    expect(bad).toEqual([]);

    // Still serving: a normal request over each transport.
    const ok = await postJson(
      `${server.url}/completions`,
      { prompt: "hi", thinking_effort: "none" },
      { "x-api-key": TEST_KEY },
    );
    expect(ok.status).toBe(200);
    clients[0]!.send({
      type: "completion.create",
      id: "fine",
      request: { prompt: "hi", thinking_effort: "none" },
    });
    expect(await clients[0]!.terminal("fine")).toMatchObject({ type: "completion.result" });
    const figures = await sampler.stop();
    for (const c of clients) c.close();
    const growthMb = Math.round((process.memoryUsage().rss - rss0) / 1024 / 1024);
    report("hostile-inputs", {
      inputs: FRAMES + BODIES,
      ws_frames: FRAMES,
      http_bodies: BODIES,
      http_statuses: Object.fromEntries(statuses),
      rss_growth_mb: growthMb,
      ...figures,
    });
    expect(growthMb).toBeLessThan(300);
  }, 180_000);
});
