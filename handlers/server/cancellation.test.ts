import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletionCall } from "../../core/engine.js";
import { abortableDelay, ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, TestClient, type TestServer } from "../../test/support/server.js";
import { sleep } from "../../core/sleep.js";

/** An engine whose calls hang until aborted, and that remembers each call's signal. */
function hangingEngine() {
  const started: CompletionCall[] = [];
  const waiters: (() => void)[] = [];
  const engine = new ScriptedEngine({
    fallback: async (call) => {
      started.push(call);
      for (const w of waiters.splice(0)) w();
      await abortableDelay(600_000, call.signal);
      return { text: "never" };
    },
  });
  const nextCall = () =>
    new Promise<CompletionCall>((resolve) => {
      const count = started.length;
      waiters.push(() => resolve(started[count]!));
    });
  return { engine, started, nextCall };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 500 && !check(); i++) await sleep(10);
  expect(check()).toBe(true);
};

describe("cancellation", () => {
  const { engine, nextCall } = hangingEngine();
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(engine);
  });
  afterAll(async () => {
    await server.shutdown();
  });

  it("completion.cancel ends the request with `cancelled` and aborts the engine call", async () => {
    const client = await TestClient.open(server.wsUrl);
    const called = nextCall();
    client.send({ type: "completion.create", id: "k1", request: { prompt: "wait", thinking_effort: "low" } });
    const call = await called;
    expect(call.signal?.aborted).toBe(false);
    client.send({ type: "completion.cancel", id: "k1" });
    const terminal = await client.terminal("k1");
    expect(terminal).toMatchObject({ type: "error", id: "k1", error: { code: "cancelled", step: "think" } });
    expect(call.signal?.aborted).toBe(true);
    // A second cancel gets no reply: exactly one terminal message.
    client.send({ type: "completion.cancel", id: "k1" });
    await client.sync();
    expect(client.ofId("k1").filter((m) => m.type === "error")).toHaveLength(1);
    client.close();
  });

  it("a client that closes its socket aborts its running pipelines", async () => {
    const client = await TestClient.open(server.wsUrl);
    const calls = [nextCall()];
    client.send({ type: "completion.create", id: "d1", request: { prompt: "one", thinking_effort: "none" } });
    const first = await calls[0]!;
    const second = nextCall();
    client.send({ type: "completion.create", id: "d2", request: { prompt: "two", thinking_effort: "none" } });
    const other = await second;
    expect(server.service.stats().running).toBe(2);
    client.ws.terminate();
    await until(() => first.signal?.aborted === true && other.signal?.aborted === true);
    await until(() => server.service.stats().inFlight === 0);
  });

  it("an HTTP client that goes away aborts its pipeline", async () => {
    const controller = new AbortController();
    const called = nextCall();
    const pending = fetch(`${server.url}/completions`, {
      method: "POST",
      headers: { "x-api-key": TEST_KEY },
      body: JSON.stringify({ prompt: "http", thinking_effort: "none" }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    const call = await called;
    controller.abort();
    await pending;
    await until(() => call.signal?.aborted === true);
    await until(() => server.service.stats().inFlight === 0);
  });
});
