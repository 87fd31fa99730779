/**
 * One wire contract: the same malformed completion request, sent over the WebSocket, HTTP
 * POST /completions and a RunPod job (runpod-sdk against the local RunPod API on the production
 * CompletionService), is refused with the same error `code`, `message` and `param`.
 */
import runpodSdk from "runpod-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CompletionService } from "../core/completion-service.js";
import { DEFAULT_BUDGETS } from "../core/effort.js";
import type { ErrorEnvelope } from "../core/protocol.js";
import { generateKey } from "../core/seal.js";
import { type RunningLocalApi, startLocalApi } from "../handlers/runpod/local-api.js";
import { startTestServer, TEST_KEY, TestClient, type TestServer } from "./support/server.js";
import { ScriptedEngine } from "./support/scripted-engine.js";

type ErrorBody = ErrorEnvelope["error"];

const MALFORMED: [string, unknown, string][] = [
  ["unknown field", { prompt: "x", thinking_effort: "none", bogus: 1 }, "bogus"],
  ["wrong type", { prompt: "x", temperature: "hot" }, "temperature"],
  ["out of range", { prompt: "x", top_p: 0 }, "top_p"],
  ["bad enum", { prompt: "x", thinking_effort: "extreme" }, "thinking_effort"],
  ["bad nested field", { messages: [{ role: "robot", content: "hi" }] }, "messages.0.role"],
  ["unknown nested field", { prompt: "x", structured_outputs: { jsonn: {} } }, "structured_outputs.jsonn"],
  ["missing messages and prompt", { thinking_effort: "low" }, "messages"],
  ["both messages and prompt", { prompt: "x", messages: [{ role: "user", content: "y" }] }, "messages"],
  ["several problems", { prompt: 5, temperature: -1, seed: "s" }, "prompt"],
];

let server: TestServer;
let api: RunningLocalApi;
let ws: TestClient;
const engine = new ScriptedEngine({ fallback: { text: "fine" } });

beforeAll(async () => {
  server = await startTestServer(engine);
  ws = await TestClient.open(server.wsUrl);
  const service = new CompletionService({
    engine,
    budgets: DEFAULT_BUDGETS,
    answerCap: 64,
    maxConcurrency: 2,
    maxQueue: 4,
    requestTimeoutMs: 60_000,
    cache: { ttlMs: 0, maxEntries: 0 },
    sealKey: generateKey(),
  });
  api = await startLocalApi({
    service,
    apiKey: TEST_KEY,
    concurrency: 2,
  });
});
afterAll(async () => {
  ws?.close();
  await api?.close();
  await server?.shutdown();
});

async function overWebSocket(request: unknown, id: string): Promise<ErrorBody> {
  ws.send({ type: "completion.create", id, request });
  const terminal = await ws.terminal(id);
  expect(terminal.type).toBe("error");
  return terminal.error as ErrorBody;
}

async function overHttp(request: unknown): Promise<ErrorBody> {
  const res = await fetch(`${server.url}/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(request),
  });
  expect(res.status).toBe(400);
  return ((await res.json()) as ErrorEnvelope).error;
}

async function overRunPod(request: unknown): Promise<ErrorBody> {
  const endpoint = runpodSdk(TEST_KEY, { baseUrl: api.baseUrl }).endpoint("local")!;
  const out = (await endpoint.runSync({ input: request })) as unknown as { status: string; error: string };
  expect(out.status).toBe("FAILED");
  return (JSON.parse(out.error) as ErrorEnvelope).error;
}

describe("the same malformed request gets the same error on every transport", () => {
  it.each(MALFORMED)("%s", async (name, request, param) => {
    const viaWs = await overWebSocket(request, `ws-${name}`);
    const viaHttp = await overHttp(request);
    const viaRunPod = await overRunPod(request);
    expect(viaWs).toMatchObject({ type: "invalid_request_error", code: "invalid_request", param });
    expect(viaWs.message).toContain(param);
    expect(viaHttp).toEqual(viaWs);
    expect(viaRunPod).toEqual(viaWs);
  });

  it("names every problem of a request with several, the first as param", async () => {
    const error = await overHttp({ prompt: 5, temperature: -1, seed: "s" });
    expect(error.message.split("; ").map((line) => line.split(":")[0])).toEqual([
      "prompt",
      "temperature",
      "seed",
    ]);
  });

  it("and no engine call was made for any of them", () => {
    expect(engine.calls).toHaveLength(0);
  });
});
