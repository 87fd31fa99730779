/**
 * The bundled server as a process: SIGTERM with 50 pipelines running ends each with exactly one
 * terminal message and the process within a bounded time; a request log that cannot be written
 * (/dev/full) is counted in /metrics and logged, and the server keeps serving.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../support/server.js";
import {
  authHeaders,
  buildBundle,
  dashboardState,
  type Proc,
  startServerProcess,
  startStandIn,
  until,
} from "../support/server-process.js";
import { report } from "./figures.js";

const MODEL = "stand-in-model";
let bundle: string;
let standIn: Proc & { url: string };

beforeAll(async () => {
  bundle = await buildBundle("reliability");
  // 40 ms per token: a high-effort pipeline runs for many seconds.
  standIn = await startStandIn(MODEL, 40);
}, 180_000);
afterAll(async () => {
  standIn?.kill();
  await standIn?.exited;
});

const vllmEnv = () => ({ VLLM_URL: standIn.url, MODEL_NAME: MODEL, ORCH_MODEL: undefined });

describe("SIGTERM with 50 running pipelines", () => {
  it("gives each exactly one terminal message and exits within drain + grace", async () => {
    const server = await startServerProcess(bundle, {
      ...vllmEnv(),
      ORCH_MAX_CONCURRENCY: "50",
      ORCH_MAX_WS_INFLIGHT: "10",
      ORCH_DRAIN_S: "1",
      ORCH_EXIT_GRACE_S: "3",
    });
    await until(
      async () => (await fetch(`${server.url}/ready`, { headers: authHeaders })).status === 200,
      60_000,
    );
    const clients = await Promise.all(
      Array.from({ length: 5 }, () => TestClient.open(server.wsUrl, authHeaders)),
    );
    clients.forEach((client, s) => {
      for (let k = 0; k < 10; k++) {
        client.send({
          type: "completion.create",
          id: `p${s}-${k}`,
          request: { prompt: `Think ${s}-${k} over.`, thinking_effort: "high" },
        });
      }
    });
    await until(async () => (await dashboardState(server.url)).running === 50, 60_000);
    const t0 = performance.now();
    server.kill("SIGTERM");
    const exited = await server.exited;
    const exitMs = Math.round(performance.now() - t0);
    await Promise.all(clients.map((c) => c.closed));
    const outcomes: Record<string, number> = {};
    for (const client of clients) {
      const counts = new Map<string, number>();
      for (const m of client.messages) {
        if (m.id && (m.type === "completion.result" || m.type === "error")) {
          counts.set(m.id, (counts.get(m.id) ?? 0) + 1);
          const outcome = m.type === "error" ? (m.error as { code: string }).code : "ok";
          outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        }
      }
      expect(counts.size).toBe(10);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
    }
    expect(exited.code).toBe(0);
    // Drain 1 s + socket grace 2 s + exit grace 3 s is the hard bound; the margin covers start-up noise.
    expect(exitMs).toBeLessThan(8000);
    report("sigterm-50", { pipelines: 50, outcomes, exit_ms: exitMs, exit_code: exited.code });
  }, 120_000);
});

describe("a request log that cannot be written", () => {
  it("counts and logs the failures and keeps serving", async () => {
    const server = await startServerProcess(bundle, {
      ...vllmEnv(),
      ORCH_ENABLE_REQUEST_LOGS: "true",
      ORCH_REQUEST_LOG_PATH: "/dev/full",
    });
    try {
      await until(
        async () => (await fetch(`${server.url}/ready`, { headers: authHeaders })).status === 200,
        60_000,
      );
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${server.url}/completions`, {
          method: "POST",
          headers: { ...authHeaders, "content-type": "application/json" },
          body: JSON.stringify({
            prompt: `hi ${i}`,
            thinking_effort: "none",
            structured_outputs: { choice: ["a", "b"] },
          }),
        });
        expect(res.status).toBe(200);
      }
      await until(async () => {
        const text = await (await fetch(`${server.url}/metrics`, { headers: authHeaders })).text();
        return Number(/^deliberate_request_log_write_failures_total (\d+)/m.exec(text)?.[1]) >= 3;
      });
      expect(
        server.stdout.some((l) => l.includes('"msg":"request log write failed"') && l.includes("ENOSPC")),
      ).toBe(true);
      expect((await fetch(`${server.url}/health`)).status).toBe(200);
    } finally {
      await server.stop();
    }
  }, 120_000);
});
