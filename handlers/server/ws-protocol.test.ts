import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { abortableDelay, ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TestClient, type TestServer } from "../../test/support/server.js";
import { FULL_RUN_STEP_EVENTS } from "../../test/support/step-events.js";

describe("WebSocket protocol", () => {
  let server: TestServer;
  let client: TestClient;
  const engine = new ScriptedEngine({
    fallback: async (call) => {
      if (call.prompt.includes("slow")) await abortableDelay(600_000, call.signal);
      return { text: "forty-two" };
    },
  });

  beforeAll(async () => {
    server = await startTestServer(engine, { maxBodyBytes: 4096, maxWsInflight: 3 });
    client = await TestClient.open(server.wsUrl);
  });
  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  it("answers a request: queued, steps, deltas, then one result", async () => {
    client.send({
      type: "completion.create",
      id: "c1",
      request: { prompt: "What is 6*7?", thinking_effort: "low", stream: true },
    });
    const result = await client.terminal("c1");
    const types = client.ofId("c1").map((m) => m.type);
    expect(types[0]).toBe("completion.queued");
    expect(types.at(-1)).toBe("completion.result");
    expect(types.filter((t) => t === "completion.result" || t === "error")).toHaveLength(1);
    const steps = client
      .ofId("c1")
      .filter((m) => m.type === "completion.step")
      .map((m) => `${m.step}:${m.status}`);
    expect(steps).toEqual(FULL_RUN_STEP_EVENTS);
    const finalDeltas = client
      .ofId("c1")
      .filter((m) => m.type === "completion.delta" && m.step === "final")
      .map((m) => m.text)
      .join("");
    expect(finalDeltas).toBe("forty-two");
    const body = result.result as { output: string; job_id: string; cached: boolean; steps: unknown[] };
    expect(body.output).toBe("forty-two");
    expect(body.steps).toHaveLength(4);
    expect(body.job_id).toBe(client.ofId("c1")[0]!.job_id);
  });

  it("sends no deltas without stream", async () => {
    client.send({ type: "completion.create", id: "c2", request: { prompt: "hi", thinking_effort: "none" } });
    await client.terminal("c2");
    expect(client.ofId("c2").some((m) => m.type === "completion.delta")).toBe(false);
  });

  it("answers ping with pong", async () => {
    await client.sync();
  });

  it("answers malformed frames with an error and keeps the socket open", async () => {
    const before = client.messages.length;
    client.send("{not json");
    client.send({ type: "completion.launch", id: "x" });
    client.send({ type: "completion.create", id: "", request: {} });
    client.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    client.send({ type: "completion.create", id: "big", request: { prompt: "x".repeat(5000) } });
    client.send({ type: "completion.create", id: "bad", request: { prompt: "x", temperature: 7 } });
    // The request's own error comes from the service, asynchronously: wait for it by id.
    await client.terminal("bad");
    await client.sync();
    const errors = client.messages.slice(before).filter((m) => m.type === "error");
    const codes = errors.map((m) => (m.error as { code: string }).code);
    expect(codes).toEqual([
      "invalid_request",
      "invalid_request",
      "invalid_request",
      "invalid_request",
      "payload_too_large",
      "invalid_request",
    ]);
    const bad = errors.at(-1)!;
    expect(bad.id).toBe("bad");
    expect((bad.error as { param?: string }).param).toBe("temperature");
    expect(errors[1]!.id).toBe("x");
    // Still usable afterwards.
    client.send({
      type: "completion.create",
      id: "after",
      request: { prompt: "ok", thinking_effort: "none" },
    });
    expect((await client.terminal("after")).type).toBe("completion.result");
  });

  it("refuses a duplicate id still in flight without touching the running request's one terminal message", async () => {
    client.send({
      type: "completion.create",
      id: "dup",
      request: { prompt: "slow", thinking_effort: "none" },
    });
    await client.next((m) => m.id === "dup" && m.type === "completion.queued");
    client.send({
      type: "completion.create",
      id: "dup",
      request: { prompt: "again", thinking_effort: "none" },
    });
    const err = await client.next(
      (m) =>
        m.type === "error" &&
        m.id === undefined &&
        String((m.error as { message?: string } | undefined)?.message).includes('"dup"'),
    );
    expect(err.error).toMatchObject({ code: "invalid_request", param: "id" });
    expect((err.error as { message: string }).message).toContain('"dup"');
    client.send({ type: "completion.cancel", id: "dup" });
    const terminals = async () =>
      client.ofId("dup").filter((m) => m.type === "error" || m.type === "completion.result");
    await client.next(
      (m) => m.id === "dup" && m.type === "error" && (m.error as { code: string }).code === "cancelled",
    );
    expect(await terminals()).toHaveLength(1);
  });

  it("ignores a cancel of an unknown or finished id", async () => {
    const before = client.messages.length;
    client.send({ type: "completion.cancel", id: "never-sent" });
    client.send({ type: "completion.cancel", id: "c1" });
    await client.sync();
    expect(client.messages.slice(before).map((m) => m.type)).toEqual(["pong"]);
  });

  it("runs several requests at once, up to the per-socket limit", async () => {
    for (const id of ["p1", "p2", "p3"]) {
      client.send({ type: "completion.create", id, request: { prompt: "slow", thinking_effort: "none" } });
    }
    client.send({
      type: "completion.create",
      id: "p4",
      request: { prompt: "slow", thinking_effort: "none" },
    });
    const refused = await client.next((m) => m.id === "p4" && m.type === "error");
    expect(refused.error).toMatchObject({ code: "queue_full" });
    for (const id of ["p1", "p2", "p3"]) {
      await client.next((m) => m.id === id && m.type === "completion.queued");
    }
    expect(server.service.stats().running).toBe(3);
    for (const id of ["p1", "p2", "p3"]) client.send({ type: "completion.cancel", id });
    for (const id of ["p1", "p2", "p3"]) {
      expect((await client.terminal(id)).error).toMatchObject({ code: "cancelled" });
    }
  });

  it("interleaves concurrent requests by id", async () => {
    for (const id of ["m1", "m2"]) {
      client.send({ type: "completion.create", id, request: { prompt: `q ${id}`, thinking_effort: "none" } });
    }
    const [a, b] = await Promise.all([client.terminal("m1"), client.terminal("m2")]);
    expect(a.type).toBe("completion.result");
    expect(b.type).toBe("completion.result");
  });
});
