import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { keyMatcher } from "./auth.js";
import { startTestServer, TEST_KEY, TestClient, type TestServer } from "../../test/support/server.js";
import { sleep } from "../../core/sleep.js";

describe("auth", () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(new ScriptedEngine({ fallback: { text: "ok" } }));
  });
  afterAll(async () => {
    await server.shutdown();
  });

  const routes = () =>
    server.app.routes
      .filter((r) => r.method !== "ALL")
      .map((r) => ({ method: r.method, path: r.path }))
      .filter((r, i, all) => all.findIndex((o) => o.method === r.method && o.path === r.path) === i);

  it("requires the key on every route but the probes and the static pages", async () => {
    const all = routes();
    // The app really has the routes the README lists (a rename would otherwise slip past this test).
    expect(all.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining([
        "POST /completions",
        "POST /embeddings",
        "POST /v1/embeddings",
        "GET /ws/completions",
        "GET /ready",
        "GET /metrics",
        "GET /openapi.json",
        "GET /docs",
        "GET /dashboard",
        "GET /health",
        "GET /dashboard/state",
        "GET /dashboard/jobs/:id",
      ]),
    );
    // Open: probes (/ready says only ready or not; /metrics checks its own keys) and the pages and
    // scripts of /docs and /dashboard, which hold no data and ask for the key themselves.
    const OPEN = new Set([
      "/health",
      "/ready",
      "/docs",
      "/docs/init.js",
      "/docs/assets/:name",
      "/dashboard",
      "/dashboard/app.js",
    ]);
    for (const { method, path } of all) {
      const attempts: Record<string, string>[] = [
        {},
        { "x-api-key": "wrong-key-0123456789" },
        { authorization: "Bearer nope" },
      ];
      for (const headers of attempts) {
        const res = await fetch(`${server.url}${path}`, {
          method,
          headers,
          ...(method === "POST" ? { body: "{}" } : {}),
        });
        if (OPEN.has(path)) {
          expect(res.status, `${method} ${path}`).not.toBe(401);
        } else {
          expect(res.status, `${method} ${path}`).toBe(401);
          expect(await res.json()).toMatchObject({ error: { code: "unauthorized" } });
        }
      }
    }
  });

  it("accepts Bearer and x-api-key, and the query key only where browsers need it", async () => {
    const bearer = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${TEST_KEY}` } });
    expect(bearer.status).toBe(200);
    const header = await fetch(`${server.url}/metrics`, { headers: { "x-api-key": TEST_KEY } });
    expect(header.status).toBe(200);
    const dashboard = await fetch(`${server.url}/openapi.json?api_key=${TEST_KEY}`);
    expect(dashboard.status).toBe(200);
    const metricsByQuery = await fetch(`${server.url}/metrics?api_key=${TEST_KEY}`);
    expect(metricsByQuery.status).toBe(401);
    const stateByQuery = await fetch(`${server.url}/dashboard/state?api_key=${TEST_KEY}`);
    expect(stateByQuery.status).toBe(401);
  });

  it("answers a browser's 401 with a page that says how to pass the key, and counts 401s", async () => {
    const res = await fetch(`${server.url}/openapi.json`, { headers: { accept: "text/html,*/*" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toContain("text/html");
    const page = await res.text();
    expect(page).toContain("Authorization: Bearer");
    expect(page).toContain('href="/dashboard"');
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { "x-api-key": TEST_KEY } })
    ).text();
    expect(metrics).toMatch(/deliberate_unauthorized_total\{route="\/openapi.json"\} [1-9]/);
    // a client's path never becomes a label of its own
    await fetch(`${server.url}/made-up-${Date.now()}`);
    const after = await (await fetch(`${server.url}/metrics`, { headers: { "x-api-key": TEST_KEY } })).text();
    expect(after).toMatch(/deliberate_unauthorized_total\{route="other"\} [1-9]/);
    expect(after).not.toContain("made-up");
  });

  it("refuses a WebSocket upgrade without a valid key, before the upgrade", async () => {
    for (const headers of [{}, { "x-api-key": "wrong-key-0123456789" }]) {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(server.wsUrl, { headers });
        ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
        ws.on("open", () => reject(new Error("upgraded without a key")));
        ws.on("error", () => {});
      });
      expect(status).toBe(401);
    }
    const byQuery = await TestClient.open(`${server.wsUrl}?api_key=${encodeURIComponent(TEST_KEY)}`, {});
    await byQuery.sync();
    byQuery.close();
    const byBearer = await TestClient.open(server.wsUrl, { authorization: `Bearer ${TEST_KEY}` });
    await byBearer.sync();
    byBearer.close();
  });

  it("never writes the key to the logs", async () => {
    await fetch(`${server.url}/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}` },
      body: JSON.stringify({ prompt: "hi", thinking_effort: "none" }),
    });
    await fetch(`${server.url}/nope?api_key=${TEST_KEY}`, { headers: { "x-api-key": TEST_KEY } });
    await sleep(50);
    expect(server.logs.some((l) => l.includes('"msg":"completion"'))).toBe(true);
    expect(server.logs.join("\n")).not.toContain(TEST_KEY);
  });
});

describe("keyMatcher", () => {
  it("matches only the exact key", () => {
    const matches = keyMatcher("secret-key-0123456789");
    expect(matches("secret-key-0123456789")).toBe(true);
    expect(matches("secret-key-012345678")).toBe(false);
    expect(matches("secret-key-01234567890")).toBe(false);
    expect(matches("")).toBe(false);
    expect(matches(undefined)).toBe(false);
  });
});

describe("the scrape-only metrics key", () => {
  const METRICS_KEY = "scrape-only-0123456789";
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(new ScriptedEngine({ fallback: { text: "x" } }), {
      metricsKey: METRICS_KEY,
    });
  });
  afterAll(() => server?.shutdown());

  it("opens /metrics and nothing else", async () => {
    const bearer = { authorization: `Bearer ${METRICS_KEY}` };
    expect((await fetch(`${server.url}/metrics`, { headers: bearer })).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`, { headers: { "x-api-key": TEST_KEY } })).status).toBe(200);
    const completion = await fetch(`${server.url}/completions`, {
      method: "POST",
      headers: { ...bearer, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "hi" }),
    });
    expect(completion.status).toBe(401);
    expect((await fetch(`${server.url}/dashboard/state`, { headers: bearer })).status).toBe(401);
    expect(
      (await fetch(`${server.url}/metrics`, { headers: { authorization: "Bearer wrong-0123456789" } }))
        .status,
    ).toBe(401);
  });
});
