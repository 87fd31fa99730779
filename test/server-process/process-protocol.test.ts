/**
 * The bundled server as a process, on the embedded engine (the demo model: random text, real
 * llama.cpp, real constraints): the protocol, malformed frames, cancel, HTTP, docs and auth.
 */
import { validate } from "@readme/openapi-parser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../support/server.js";
import {
  authHeaders,
  buildBundle,
  dashboardState,
  PROCESS_KEY,
  type ServerProc,
  startServerProcess,
  until,
} from "../support/server-process.js";

let server: ServerProc;
let client: TestClient;

beforeAll(async () => {
  const bundle = await buildBundle("protocol");
  server = await startServerProcess(bundle, { ORCH_THINKING_BUDGETS: "low=48,medium=64,high=4096" });
  client = await TestClient.open(server.wsUrl, authHeaders);
}, 120_000);
afterAll(async () => {
  client?.close();
  const exit = await server?.stop();
  expect(exit?.code).toBe(0);
});

describe("server process on the embedded engine", () => {
  it("runs the whole WS protocol: queued, steps, deltas, one result matching the constraint", async () => {
    client.send({
      type: "completion.create",
      id: "p1",
      request: {
        prompt: "Pick one.",
        thinking_effort: "low",
        stream: true,
        include_thinking: true,
        structured_outputs: { choice: ["red", "green", "blue"] },
      },
    });
    const terminal = await client.terminal("p1", 60_000);
    expect(terminal.type).toBe("completion.result");
    const messages = client.ofId("p1");
    expect(messages[0]).toMatchObject({ type: "completion.queued", position: 0 });
    const steps = messages
      .filter((m) => m.type === "completion.step" && m.status === "completed")
      .map((m) => m.step);
    expect(steps).toEqual(["think", "draft", "reflect", "final"]);
    const result = terminal.result as { output: string; text: string; thinking: object; model: string };
    expect(["red", "green", "blue"]).toContain(result.output);
    const finalText = messages
      .filter((m) => m.type === "completion.delta" && m.step === "final")
      .map((m) => m.text)
      .join("");
    expect(finalText).toBe(result.text);
    expect(result.thinking).toBeDefined();
    expect(result.model).toContain("deliberate-demo-tiny");
  });

  it("answers malformed frames and keeps the socket", async () => {
    const before = client.messages.length;
    client.send("not json");
    client.ws.send(Buffer.from([0xff]), { binary: true });
    client.send({ type: "nope" });
    client.send({ type: "completion.create", id: "m1", request: { prompt: "x", top_p: 0 } });
    // The request's own error comes from the service, asynchronously: wait for it by id.
    expect(await client.terminal("m1")).toMatchObject({ error: { code: "invalid_request", param: "top_p" } });
    await client.sync();
    const errors = client.messages.slice(before).filter((m) => m.type === "error");
    expect(errors.map((m) => (m.error as { code: string }).code)).toEqual(Array(4).fill("invalid_request"));
  });

  it("cancels a running request", async () => {
    client.send({
      type: "completion.create",
      id: "c1",
      request: { prompt: "Think long.", thinking_effort: "high", stream: true },
    });
    await client.next((m) => m.id === "c1" && m.type === "completion.step");
    client.send({ type: "completion.cancel", id: "c1" });
    const terminal = await client.terminal("c1", 30_000);
    // The demo model may finish a step by chance before the cancel lands; it must not finish the request.
    expect(terminal).toMatchObject({ type: "error", error: { code: "cancelled" } });
  });

  it("a client that disconnects aborts its work", async () => {
    const other = await TestClient.open(server.wsUrl, authHeaders);
    other.send({
      type: "completion.create",
      id: "gone",
      request: { prompt: "Think long.", thinking_effort: "high", stream: true },
    });
    const queued = await other.next((m) => m.id === "gone" && m.type === "completion.queued");
    await other.next((m) => m.id === "gone" && m.type === "completion.step");
    other.ws.terminate();
    await until(async () => {
      const state = await dashboardState(server.url);
      return state.recent.some((r) => r.job_id === queued.job_id);
    });
    const state = await dashboardState(server.url);
    expect(state.recent.find((r) => r.job_id === queued.job_id)?.outcome).toBe("cancelled");
    expect(state.running).toBe(0);
  });

  it("answers a deterministic repeat from the cache", async () => {
    const request = {
      prompt: "Cache me.",
      thinking_effort: "none",
      temperature: 0,
      structured_outputs: { choice: ["yes", "no"] },
    };
    client.send({ type: "completion.create", id: "k1", request });
    const first = await client.terminal("k1", 30_000);
    expect(first.type, JSON.stringify(first)).toBe("completion.result");
    client.send({ type: "completion.create", id: "k2", request });
    const second = await client.terminal("k2", 30_000);
    expect(first.type).toBe("completion.result");
    expect(second.result).toMatchObject({ cached: true, text: (first.result as { text: string }).text });
  });

  it("serves /completions and /embeddings over HTTP", async () => {
    const res = await fetch(`${server.url}/completions`, {
      method: "POST",
      headers: authHeaders,
      body: JSON.stringify({
        prompt: "A number.",
        thinking_effort: "none",
        structured_outputs: { regex: "[0-9]{1,3}" },
      }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { output: string; valid: boolean };
    expect(body.output).toMatch(/^[0-9]{1,3}$/);
    for (const path of ["/embeddings", "/v1/embeddings"]) {
      const emb = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: authHeaders,
        body: JSON.stringify({ input: ["a", "b"] }),
      });
      expect(emb.status).toBe(200);
      const out = (await emb.json()) as { object: string; data: { embedding: number[]; index: number }[] };
      expect(out.object).toBe("list");
      expect(out.data.map((d) => d.index)).toEqual([0, 1]);
      expect(out.data[0]!.embedding.length).toBeGreaterThan(0);
    }
  });

  it("publishes a valid OpenAPI 3 document and requires the key on every documented route", async () => {
    const doc = await (await fetch(`${server.url}/openapi.json`, { headers: authHeaders })).json();
    expect(await validate(structuredClone(doc))).toMatchObject({ valid: true });
    const paths = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => ({ path, method: method.toUpperCase() })),
    );
    expect(paths.length).toBeGreaterThanOrEqual(8);
    for (const { path, method } of [...paths, { path: "/dashboard/state", method: "GET" }]) {
      const res = await fetch(`${server.url}${path}`, {
        method,
        ...(method === "POST" ? { body: "{}" } : {}),
      });
      // open: the probes, and the pages that ask for the key themselves
      const open = ["/health", "/ready", "/dashboard", "/docs"].includes(path);
      if (open) expect(res.status, `${method} ${path}`).not.toBe(401);
      else expect(res.status, `${method} ${path}`).toBe(401);
    }
    const ready = await fetch(`${server.url}/ready`, { headers: { authorization: `Bearer ${PROCESS_KEY}` } });
    expect(ready.status).toBe(200);
  });
});
