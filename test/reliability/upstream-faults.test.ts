/**
 * 1,000 concurrent requests (WebSocket and HTTP) through the server to the vLLM stand-in while
 * about 10% of upstream calls are faulted (reset, 500, 503, slow, stream cut midway, malformed SSE,
 * an answer that breaks its constraint). Every request gets exactly one terminal message; a request
 * whose calls met only retry-safe faults still succeeds; nothing is retried after part of an answer
 * arrived; and once the stand-in recovers (after refusing connections for a while) requests succeed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Message, startTestServer, TEST_KEY, TestClient, type TestServer } from "../support/server.js";
import { type CallFault, randomFaults } from "../vllm-stand-in/faults.js";
import { detokenize } from "../vllm-stand-in/generate.js";
import { type Fixture, standInWithEngine } from "../vllm-stand-in/fixture.js";
import { postJson, report, sampleWhileRunning } from "./figures.js";

const N = 1000;
const SOCKETS = 8;
const WS_SHARE = Math.round(N * 0.8);
const SAFE: CallFault[] = ["reset", "status503", "slow"];
const AFTER_PARTIAL: CallFault[] = ["cut", "malformed", "violate"];

let f: Fixture;
let server: TestServer;
beforeAll(async () => {
  f = await standInWithEngine({
    engine: { streamAlways: true, retry: { attempts: 8, baseDelayMs: 20, maxDelayMs: 300 } },
  });
  server = await startTestServer(f.engine, {
    budgets: { low: 24, medium: 48, high: 96 },
    maxConcurrency: 64,
    maxQueue: 2 * N,
    maxWsInflight: WS_SHARE / SOCKETS,
    cache: { ttlMs: 60_000, maxEntries: 0 },
    // Client, server and stand-in share one loaded process: a header timeout tuned for real clients
    // would fire on requests whose bytes merely wait for the event loop.
    headersTimeoutMs: 60_000,
    bodyTimeoutMs: 120_000,
  });
});
afterAll(async () => {
  await server?.shutdown();
  expect(f.standIn.violations).toEqual([]);
  await f?.stop();
});

/** Request i: a unique prompt (so upstream calls can be traced to it), effort and constraint mixed. */
function request(i: number): Record<string, unknown> {
  const constraint =
    i % 3 === 0
      ? { choice: ["red", "green"] }
      : i % 3 === 1
        ? { regex: "[a-z]{3}" }
        : { json: { type: "integer" } };
  return {
    prompt: `req-${i}: answer`,
    thinking_effort: i % 4 === 0 ? "low" : "none",
    structured_outputs: constraint,
  };
}

/** The request id in a call's prompt, sent as text or (steps 2–4) as token ids. */
function idOfPrompt(body: unknown): string | undefined {
  const prompt = (body as { prompt?: string | number[] }).prompt;
  const decoded = Array.isArray(prompt) ? detokenize(prompt) : { text: String(prompt) };
  return "text" in decoded ? /req-(\d+):/.exec(decoded.text)?.[1] : undefined;
}

describe("1,000 concurrent requests with 10% of upstream calls faulted", () => {
  it("gives each exactly one terminal message, loses none, retries only where safe, and recovers", async () => {
    // Faults hit the pipeline's calls, which carry their request's id; the one compile check the
    // shared constraint needs is the server's own probe, tested in core/engines/vllm/compile-check.test.ts.
    const pick = randomFaults(0.1, 20261207);
    f.standIn.faults.perCall = (body, i) => (idOfPrompt(body) === undefined ? undefined : pick(body, i));
    const sampler = sampleWhileRunning(server.url);
    const clients = await Promise.all(Array.from({ length: SOCKETS }, () => TestClient.open(server.wsUrl)));
    const outcomes = new Map<number, string>();
    const terminals = new Map<number, number>();
    const perSocket = WS_SHARE / SOCKETS;
    const wsDone = clients.map(async (client, s) => {
      for (let k = 0; k < perSocket; k++) {
        const i = s * perSocket + k;
        client.send({ type: "completion.create", id: `r${i}`, request: request(i) });
      }
      for (let k = 0; k < perSocket; k++) {
        const i = s * perSocket + k;
        const m = await client.terminal(`r${i}`, 120_000);
        outcomes.set(i, m.type === "completion.result" ? "ok" : String((m.error as { code: string }).code));
      }
    });
    const httpDone = Array.from({ length: N - WS_SHARE }, async (_, k) => {
      const i = WS_SHARE + k;
      const res = await postJson(`${server.url}/completions`, request(i), { "x-api-key": TEST_KEY });
      const body = res.json as { error?: { code: string } };
      terminals.set(i, 1);
      outcomes.set(i, body.error ? body.error.code : "ok");
      if (!body.error) expect(res.status).toBe(200);
    });
    await Promise.all([...wsDone, ...httpDone]);
    // Let any stray second terminal arrive before counting.
    await Promise.all(clients.map((c) => c.sync()));
    for (const [s, client] of clients.entries()) {
      const counts = new Map<string, number>();
      for (const m of client.messages as Message[]) {
        if (m.id && (m.type === "completion.result" || m.type === "error"))
          counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
      }
      for (let k = 0; k < perSocket; k++)
        terminals.set(s * perSocket + k, counts.get(`r${s * perSocket + k}`) ?? 0);
    }
    expect([...terminals.values()].filter((n) => n !== 1)).toEqual([]);
    expect(terminals.size).toBe(N);
    expect(outcomes.size).toBe(N);

    // Recovery: the stand-in refuses connections for 400 ms, then comes back.
    f.standIn.faults.perCall = undefined;
    await f.standIn.refuse();
    const during = Array.from({ length: 50 }, (_, i) =>
      postJson(`${server.url}/completions`, request(N + i), { "x-api-key": TEST_KEY }).then((r) => r.status),
    );
    await new Promise((r) => setTimeout(r, 400));
    await f.standIn.resume();
    const recovered = await Promise.all(during);
    expect(recovered.filter((s) => s !== 200)).toEqual([]);
    const figures = await sampler.stop();
    for (const c of clients) c.close();

    // Trace every faulted call to its request, and check retries against what had been delivered.
    const faulted = f.standIn.faulted;
    const calls = f.standIn.requests.filter((r) => r.path === "/v1/completions");
    const bodies = calls.map((c) => JSON.stringify(c.body));
    const faultedBodies = faulted.map((g) => JSON.stringify(g.body));
    const faultsOf = new Map<number, CallFault[]>();
    for (const [n, fault] of faulted.entries()) {
      const id = Number(idOfPrompt(fault.body));
      faultsOf.set(id, [...(faultsOf.get(id) ?? []), fault.kind]);
      const same = bodies.filter((b) => b === faultedBodies[n]).length;
      if (AFTER_PARTIAL.includes(fault.kind)) {
        // An answer that had begun (or was complete) is never asked for again.
        const later = faultedBodies.filter((b) => b === faultedBodies[n]).length;
        expect(same, `${fault.kind} retried`).toBe(later);
      } else if (fault.kind !== "slow") {
        expect(same, `${fault.kind} not retried`).toBeGreaterThan(1);
      }
    }
    for (let i = 0; i < N; i++) {
      const kinds = faultsOf.get(i) ?? [];
      const outcome = outcomes.get(i);
      if (kinds.every((k) => SAFE.includes(k))) expect(outcome, `req-${i} faults ${kinds}`).toBe("ok");
      if (outcome !== "ok") {
        expect(["engine_error", "engine_unavailable", "constraint_violation"]).toContain(outcome);
      }
    }

    const byKind: Record<string, number> = {};
    for (const fault of faulted) byKind[fault.kind] = (byKind[fault.kind] ?? 0) + 1;
    const failed = [...outcomes.values()].filter((o) => o !== "ok").length;
    report("upstream-faults", {
      requests: N,
      upstream_calls: calls.length,
      faults_injected: faulted.length,
      by_kind: byKind,
      requests_failed_by_unsafe_faults: failed,
      requests_lost: 0,
      recovered_after_refusal: recovered.length,
      ...figures,
    });
    expect(faulted.length).toBeGreaterThan(calls.length * 0.07);
  }, 240_000);
});
