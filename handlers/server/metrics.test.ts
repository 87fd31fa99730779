import { describe, expect, it } from "vitest";
import type { SettledRecord } from "../../core/completion-service.js";
import type { StepFigures } from "../../core/protocol.js";
import { createMetrics } from "./metrics.js";

const stats = () => ({ queued: 0, running: 0, inFlight: 0, cacheEntries: 0, accepting: true });
const step = (
  name: StepFigures["step"],
  prompt: number,
  completion: number,
  cached?: number,
): StepFigures => ({
  step: name,
  prompt_tokens: prompt,
  completion_tokens: completion,
  cached_tokens: cached ?? null,
  finish_reason: "stop",
  ms: 1,
});
const record = (steps: StepFigures[], effort: "none" | "low"): SettledRecord =>
  ({
    jobId: "j",
    request: { thinking_effort: effort },
    outcome: "ok",
    cached: false,
    ms: 5,
    steps,
    transport: "ws",
  }) as unknown as SettledRecord;

async function tokenSeries(records: SettledRecord[]): Promise<Record<string, number>> {
  const metrics = createMetrics(stats, { defaults: false });
  for (const r of records) metrics.recordSettled(r, "ws");
  const metric = await metrics.registry.getSingleMetric("deliberate_tokens_total")!.get();
  return Object.fromEntries(metric.values.map((v) => [`${v.labels.kind} ${v.labels.effort}`, v.value]));
}

describe("token counters", () => {
  it("sum every step of a request by kind; thinking is the think and reflect passes", async () => {
    const low = [
      step("think", 10, 100, 0),
      step("draft", 110, 5, 96),
      step("reflect", 120, 50),
      step("final", 170, 5, 160),
    ];
    expect(await tokenSeries([record(low, "low"), record([step("final", 7, 2)], "none")])).toEqual({
      "prompt low": 410,
      "completion low": 160,
      "thinking low": 150,
      "cached low": 256,
      "prompt none": 7,
      "completion none": 2,
    });
  });

  it("count nothing for a request that ran no step", async () => {
    expect(await tokenSeries([record([], "low")])).toEqual({});
  });
});
