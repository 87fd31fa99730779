import { afterEach, describe, expect, it } from "vitest";
import type { CompletionCall } from "../../core/engine.js";
import { abortableDelay, ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, TestClient, type TestServer } from "../../test/support/server.js";

let server: TestServer | undefined;
afterEach(async () => {
  await server?.shutdown();
  server = undefined;
});

const create = (id: string, request: object) => ({ type: "completion.create", id, request });

describe("queue, deadline and cache over the server", () => {
  it("queues beyond the concurrency with positions, and answers queue_full beyond the queue", async () => {
    const engine = new ScriptedEngine({
      fallback: async (call) => {
        await abortableDelay(600_000, call.signal);
        return {};
      },
    });
    server = await startTestServer(engine, { maxConcurrency: 1, maxQueue: 2 });
    const client = await TestClient.open(server.wsUrl);
    for (const id of ["q1", "q2", "q3", "q4"])
      client.send(create(id, { prompt: id, thinking_effort: "none" }));
    const full = await client.terminal("q4");
    expect(full).toMatchObject({ type: "error", error: { code: "queue_full" } });
    const positions = await Promise.all(
      ["q1", "q2", "q3"].map((id) => client.next((m) => m.id === id && m.type === "completion.queued")),
    );
    expect(positions.map((m) => m.position)).toEqual([0, 1, 2]);
    // Over HTTP too, with 429.
    const res = await fetch(`${server.url}/completions`, {
      method: "POST",
      headers: { "x-api-key": TEST_KEY },
      body: JSON.stringify({ prompt: "http", thinking_effort: "none" }),
    });
    expect(res.status).toBe(429);
    expect(
      await fetch(`${server.url}/metrics`, { headers: { "x-api-key": TEST_KEY } }).then((r) => r.text()),
    ).toContain("deliberate_queue_depth 2");
    client.close();
  });

  it("ends a request at its deadline with `timeout` and aborts the engine call", async () => {
    const calls: CompletionCall[] = [];
    const engine = new ScriptedEngine({
      fallback: async (call) => {
        calls.push(call);
        await abortableDelay(600_000, call.signal);
        return {};
      },
    });
    server = await startTestServer(engine, { requestTimeoutMs: 100 });
    const client = await TestClient.open(server.wsUrl);
    client.send(create("t1", { prompt: "slow", thinking_effort: "none" }));
    const terminal = await client.terminal("t1");
    expect(terminal).toMatchObject({ type: "error", error: { code: "timeout", step: "final" } });
    expect(calls[0]?.signal?.aborted).toBe(true);
    client.close();
  });

  it("answers a deterministic repeat from the cache with cached: true", async () => {
    const engine = new ScriptedEngine({ fallback: { text: "same" } });
    server = await startTestServer(engine);
    const client = await TestClient.open(server.wsUrl);
    const request = { prompt: "cache me", thinking_effort: "low", temperature: 0 };
    client.send(create("a", request));
    const first = await client.terminal("a");
    const callsAfterFirst = engine.calls.length;
    client.send(create("b", { ...request, stream: true }));
    const second = await client.terminal("b");
    expect(first.result).toMatchObject({ cached: false });
    expect(second.result).toMatchObject({ cached: true, text: "same" });
    expect(client.ofId("b").map((m) => m.type)).toEqual(["completion.queued", "completion.result"]);
    expect(engine.calls.length).toBe(callsAfterFirst);
    const metrics = await fetch(`${server.url}/metrics`, { headers: { "x-api-key": TEST_KEY } }).then((r) =>
      r.text(),
    );
    expect(metrics).toContain("deliberate_cache_hits_total 1");
    client.close();
  });
});
