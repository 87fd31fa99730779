/** Per-setting figures of an eval run, as the JSON report holds them. */
import { z } from "zod";
import type { EvalRecord } from "./record.js";
import type { Setting } from "./settings.js";
import { mean, percentile, wilson } from "./stats.js";

const Spread = z.object({ mean: z.number().nullable(), p95: z.number().nullable() });
const Rate = z.object({ value: z.number(), low: z.number(), high: z.number() }).nullable();

export const SettingSummary = z.object({
  name: z.string(),
  effort: z.enum(["none", "low", "medium", "high"]),
  reflection: z.boolean(),
  requests: z.int(),
  /** Answers that came back and kept their constraint. */
  ok: z.int(),
  /** Answers that broke or overran their constraint (constraint_violation, answer_truncated). */
  invalid: z.int(),
  /** No answer at all (engine error, timeout, connection): never counted as wrong. */
  failed: z.int(),
  correct: z.int(),
  /** correct / ok, with its 95% Wilson interval. */
  accuracy: Rate,
  /** ok / (ok + invalid). */
  validity: z.number().nullable(),
  thinking_tokens: Spread,
  answer_tokens: Spread,
  ms: Spread,
  /** Reflection-on settings: the draft's accuracy and what the reflection did to it. */
  reflection_effect: z
    .object({ draft_accuracy: Rate, changed: z.int(), fixed: z.int(), broke: z.int() })
    .nullable(),
  errors: z.record(z.string(), z.int()),
});
export type SettingSummary = z.infer<typeof SettingSummary>;

export const EvalReport = z.object({
  dataset: z.string(),
  items: z.int(),
  repeats: z.int(),
  url: z.string(),
  model: z.string().nullable(),
  finished_at: z.string(),
  complete: z.boolean(),
  settings: z.array(SettingSummary),
});
export type EvalReport = z.infer<typeof EvalReport>;

function rate(k: number, n: number) {
  const interval = wilson(k, n);
  return interval ? { value: k / n, ...interval } : null;
}

function spread(values: number[]) {
  return { mean: mean(values), p95: percentile(values, 95) };
}

export function summarise(setting: Setting, records: EvalRecord[]): SettingSummary {
  const mine = records.filter((r) => r.setting === setting.name);
  const ok = mine.filter((r) => r.status === "ok");
  const invalid = mine.filter((r) => r.status === "invalid").length;
  const correct = ok.filter((r) => r.correct).length;
  const errors: Record<string, number> = {};
  for (const r of mine) if (r.error) errors[r.error.code] = (errors[r.error.code] ?? 0) + 1;
  const drafts = ok.filter((r) => r.draft_correct !== null);
  const nums = (pick: (r: EvalRecord) => number | null) =>
    ok.map(pick).filter((v): v is number => v !== null);
  return {
    name: setting.name,
    effort: setting.effort,
    reflection: setting.reflection,
    requests: mine.length,
    ok: ok.length,
    invalid,
    failed: mine.filter((r) => r.status === "failed").length,
    correct,
    accuracy: rate(correct, ok.length),
    validity: ok.length + invalid === 0 ? null : ok.length / (ok.length + invalid),
    thinking_tokens: spread(nums((r) => r.thinking_tokens)),
    answer_tokens: spread(nums((r) => r.answer_tokens)),
    ms: spread(ok.map((r) => r.ms)),
    reflection_effect: setting.reflection
      ? {
          draft_accuracy: rate(drafts.filter((r) => r.draft_correct).length, drafts.length),
          changed: drafts.filter((r) => r.changed).length,
          fixed: drafts.filter((r) => !r.draft_correct && r.correct).length,
          broke: drafts.filter((r) => r.draft_correct && !r.correct).length,
        }
      : null,
    errors,
  };
}

export function buildReport(
  meta: { dataset: string; items: number; repeats: number; url: string },
  settings: Setting[],
  records: EvalRecord[],
): EvalReport {
  return {
    ...meta,
    model: records.find((r) => r.model)?.model ?? null,
    finished_at: new Date().toISOString(),
    complete: records.length === meta.items * meta.repeats * settings.length,
    settings: settings.map((s) => summarise(s, records)),
  };
}
