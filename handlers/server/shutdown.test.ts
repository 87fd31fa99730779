import { describe, expect, it } from "vitest";
import { abortableDelay, ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TestClient } from "../../test/support/server.js";

describe("graceful shutdown", () => {
  it("stops accepting, lets short work finish, aborts the rest at the deadline, closes with 1001", async () => {
    let release: () => void = () => {};
    const shortGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const engine = new ScriptedEngine({
      fallback: async (call) => {
        if (call.prompt.includes("short")) await shortGate;
        else await abortableDelay(600_000, call.signal);
        return { text: "done" };
      },
    });
    const server = await startTestServer(engine, { drainMs: 300 });
    const client = await TestClient.open(server.wsUrl);
    client.send({
      type: "completion.create",
      id: "short",
      request: { prompt: "short", thinking_effort: "none" },
    });
    client.send({
      type: "completion.create",
      id: "long",
      request: { prompt: "long", thinking_effort: "none" },
    });
    for (const id of ["short", "long"])
      await client.next((m) => m.id === id && m.type === "completion.queued");

    const stopped = server.shutdown();
    client.send({
      type: "completion.create",
      id: "late",
      request: { prompt: "late", thinking_effort: "none" },
    });
    expect(await client.terminal("late")).toMatchObject({ error: { code: "shutting_down" } });
    release();
    expect(await client.terminal("short")).toMatchObject({ type: "completion.result" });
    const long = await client.terminal("long");
    expect(long).toMatchObject({ type: "error", error: { code: "shutting_down" } });
    expect((await client.closed).code).toBe(1001);
    await stopped;
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });
});
