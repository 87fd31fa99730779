/**
 * The shipped Grafana dashboard queries only metrics the server really exports: every metric name
 * in its PromQL is in a live /metrics scrape (parsed with a Prometheus text-format parser).
 */
import { readFileSync } from "node:fs";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, TEST_KEY, type TestServer } from "../../test/support/server.js";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";

const dashboard = JSON.parse(
  readFileSync(new URL("./deliberate-dashboard.json", import.meta.url), "utf8"),
) as {
  panels: { title: string; targets: { expr: string }[] }[];
};

describe("Grafana dashboard", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      new ScriptedEngine({ fallback: { text: "yes" } }),
      {},
      { defaultMetrics: true },
    );
    for (const stream of [false, true]) {
      await fetch(`${server.url}/completions`, {
        method: "POST",
        headers: { "x-api-key": TEST_KEY, "content-type": "application/json" },
        body: JSON.stringify({ prompt: "hi", stream, structured_outputs: { choice: ["yes", "no"] } }),
      });
    }
    await fetch(`${server.url}/metrics`); // one 401
  });
  afterAll(() => server?.shutdown());

  it("uses only metrics that /metrics exports, and parses as Prometheus text", async () => {
    const text = await (await fetch(`${server.url}/metrics`, { headers: { "x-api-key": TEST_KEY } })).text();
    const families = parsePrometheusTextFormat(text);
    const exported = new Set<string>();
    for (const f of families) {
      exported.add(f.name);
      if (f.type === "HISTOGRAM") for (const s of ["_bucket", "_sum", "_count"]) exported.add(f.name + s);
    }
    // stock Node.js names, so community dashboards work too
    expect(exported.has("process_cpu_seconds_total")).toBe(true);
    expect(exported.has("nodejs_eventloop_lag_p99_seconds")).toBe(true);
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(12);
    for (const panel of dashboard.panels) {
      for (const { expr } of panel.targets) {
        const names = expr.match(/\b(?:deliberate|process|nodejs)_[a-z0-9_]+/g) ?? [];
        expect(names.length, panel.title).toBeGreaterThan(0);
        for (const name of names) expect(exported.has(name), `${panel.title}: ${name}`).toBe(true);
      }
    }
  });
});
