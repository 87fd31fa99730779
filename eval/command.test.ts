/**
 * The eval end to end against a real server over a scripted engine whose answers are known, so
 * every figure of the report can be checked: accuracy and its interval, failures and invalid
 * answers kept apart, draft-vs-final counts, the chart, and resuming after an interruption.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletionCall } from "../core/engine.js";
import { DeliberateError } from "../core/errors.js";
import { REFLECTION_CUE } from "../core/prompt.js";
import { startTestServer, TEST_KEY, type TestServer } from "../test/support/server.js";
import { ScriptedEngine } from "../test/support/scripted-engine.js";
import { evalCommand } from "./command.js";
import { EvalRecord } from "./record.js";
import { EvalReport } from "./report.js";
import { settingsGrid } from "./settings.js";
import { wilson } from "./stats.js";

const SCHEMA = { type: "object", properties: { answer: { type: "number" } }, required: ["answer"] };
// Q1–Q6 have answer 10·i. Q7 makes the engine fail; Q8's answers break the schema.
const ITEMS = Array.from({ length: 8 }, (_, k) => ({
  id: `q${k + 1}`,
  prompt: `Question Q${k + 1}?`,
  structured_outputs: { json: SCHEMA },
  expected: 10 * (k + 1),
  compare: { rule: "numeric", path: "$.answer" },
}));
// Which items each kind of answer gets right: no thinking, first answer after thinking (the draft,
// or the final without reflection), and the answer after reflection.
const RIGHT = { none: [1, 2, 3], first: [1, 2, 3, 6], reflected: [1, 2, 3, 4, 5] };

function answer(call: CompletionCall): { text: string } {
  const q = Number(/Question Q(\d+)\?/.exec(call.prompt)![1]);
  if (q === 7) throw new DeliberateError("engine_error", "the scripted engine fails on Q7");
  if (!call.constraint) return { text: "Let me think about it.\n" };
  if (q === 8) return { text: '{"answer": "eighty"}' };
  const kind = call.prompt.includes("<think>\n\n</think>")
    ? "none"
    : call.prompt.includes(REFLECTION_CUE)
      ? "reflected"
      : "first";
  return { text: JSON.stringify({ answer: RIGHT[kind].includes(q) ? 10 * q : -1 }) };
}

let server: TestServer;
let engine: ScriptedEngine;
let dataset: string;
const settings = settingsGrid(["none", "low"], [true, false]);

beforeAll(async () => {
  engine = new ScriptedEngine({ fallback: (call) => answer(call) });
  server = await startTestServer(engine, { maxConcurrency: 4, maxQueue: 64 });
  const dir = mkdtempSync(path.join(tmpdir(), "eval-"));
  dataset = path.join(dir, "toy.jsonl");
  writeFileSync(dataset, `${ITEMS.map((i) => JSON.stringify(i)).join("\n")}\n`);
});
afterAll(() => server?.shutdown());

const run = (outDir: string, extra: Partial<Parameters<typeof evalCommand>[0]> = {}) =>
  evalCommand({
    url: server.url,
    apiKey: TEST_KEY,
    dataset,
    settings,
    repeats: 2,
    concurrency: 3,
    outDir,
    ...extra,
  });

describe("eval against a scripted engine", () => {
  let out: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    out = await run(mkdtempSync(path.join(tmpdir(), "eval-out-")));
  });

  it("runs the grid: none once, low with and without reflection", () => {
    expect(out.report.settings.map((s) => s.name)).toEqual(["none", "low", "low-noreflect"]);
    expect(out.report.complete).toBe(true);
    expect(out.report.model).toBe("scripted-model");
  });

  it("keeps failures and invalid answers out of the accuracy", () => {
    for (const s of out.report.settings) {
      expect([s.requests, s.ok, s.invalid, s.failed], s.name).toEqual([16, 12, 2, 2]);
      expect(s.validity).toBeCloseTo(12 / 14, 12);
      expect(s.errors).toEqual({ engine_error: 2, constraint_violation: 2 });
    }
  });

  it("counts accuracy with its 95% interval", () => {
    const byName = Object.fromEntries(out.report.settings.map((s) => [s.name, s]));
    const want = { none: 3 * 2, low: 5 * 2, "low-noreflect": 4 * 2 };
    for (const [name, correct] of Object.entries(want)) {
      expect(byName[name]!.correct, name).toBe(correct);
      expect(byName[name]!.accuracy).toEqual({ value: correct / 12, ...wilson(correct, 12)! });
    }
  });

  it("tells what the reflection did to the draft", () => {
    const low = out.report.settings.find((s) => s.name === "low")!;
    // drafts right on 1,2,3,6; finals right on 1–5: 4 and 5 fixed, 6 broken, 4–6 changed
    expect(low.reflection_effect).toEqual({
      draft_accuracy: { value: 8 / 12, ...wilson(8, 12)! },
      changed: 6,
      fixed: 4,
      broke: 2,
    });
    expect(out.report.settings.find((s) => s.name === "low-noreflect")!.reflection_effect).toBeNull();
  });

  it("writes a report that matches its schema, a chart with a point per setting, and a table", () => {
    const report = EvalReport.parse(JSON.parse(readFileSync(out.files.report, "utf8")));
    expect(report.settings).toHaveLength(3);
    const svg = readFileSync(out.files.chart, "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    const points = [...svg.matchAll(/data-setting="([^"]+)" data-accuracy="([^"]+)"/g)];
    expect(points.map((p) => [p[1], Number(p[2])])).toEqual(
      report.settings.map((s) => [s.name, s.accuracy!.value]),
    );
    expect(out.table).toMatch(/low-noreflect\s+12\s+2\s+2\s+66\.7%/);
  });

  it("runs reflection off as two engine calls, none as one", () => {
    const calls = (q: string) => engine.calls.filter((c) => c.prompt.includes(`Question ${q}?`)).length;
    // Q1 over 2 repeats: none 1 call, low 4 calls, low-noreflect 2 calls (first run only: later ones are cached)
    expect(calls("Q1")).toBe(2 * (1 + 4 + 2));
  });
});

describe("resuming", () => {
  it("re-sends only what is not done (and what failed), and ends with the same report", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "eval-resume-"));
    const controller = new AbortController();
    const first = await run(dir, {
      concurrency: 1,
      signal: controller.signal,
      onRecord: (_r, done) => done === 20 && controller.abort(),
    });
    expect(first.report.complete).toBe(false);
    const lines = () =>
      readFileSync(path.join(dir, "records.jsonl"), "utf8")
        .trim()
        .split("\n")
        .map((l) => EvalRecord.parse(JSON.parse(l)));
    expect(lines()).toHaveLength(20);

    const second = await run(dir);
    expect(second.report.complete).toBe(true);
    const records = lines();
    const byKey = new Map<string, string[]>();
    for (const r of records) byKey.set(r.key, [...(byKey.get(r.key) ?? []), r.status]);
    expect(byKey.size).toBe(48);
    for (const [key, statuses] of byKey) {
      // a done request is never sent again; a failed one is, once per run
      if (statuses[0] !== "failed") expect(statuses, key).toHaveLength(1);
      else expect(statuses.length, key).toBeLessThanOrEqual(2);
    }
    const strip = (r: EvalReport) => r.settings.map(({ ms: _ms, ...s }) => s);
    const fresh = await run(mkdtempSync(path.join(tmpdir(), "eval-fresh-")));
    expect(strip(second.report)).toEqual(strip(fresh.report));
  });
});

describe("chart axes", () => {
  it("the x axis reaches past the largest point", async () => {
    const { renderChart } = await import("./chart.js");
    const summary = (name: string, tokens: number) => ({
      name,
      effort: "low" as const,
      reflection: true,
      requests: 1,
      ok: 1,
      invalid: 0,
      failed: 0,
      correct: 1,
      accuracy: { value: 1, low: 0.2, high: 1 },
      validity: 1,
      thinking_tokens: { mean: tokens, p95: tokens },
      answer_tokens: { mean: 0, p95: 0 },
      ms: { mean: 1, p95: 1 },
      reflection_effect: null,
      errors: {},
    });
    const svg = renderChart({
      dataset: "d",
      items: 1,
      repeats: 1,
      url: "u",
      model: null,
      finished_at: "",
      complete: true,
      settings: [summary("a", 10), summary("b", 158.5)],
    });
    const ticks = [...svg.matchAll(/text-anchor="middle">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(Math.max(...ticks)).toBeGreaterThanOrEqual(158.5);
    const xs = [...svg.matchAll(/<g class="point"[^>]*>\n<line[^>]*\/>\n<circle cx="([\d.]+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(xs).toHaveLength(2);
    expect(Math.max(...xs)).toBeLessThanOrEqual(760 - 170);
  });
});
