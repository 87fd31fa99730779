/** The report as a terminal table. */
import type { EvalReport } from "./report.js";

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? "-" : `${(v * 100).toFixed(1)}%`;
const num = (v: number | null) => (v === null ? "-" : v >= 100 ? v.toFixed(0) : v.toFixed(1));

export function formatTable(report: EvalReport): string {
  const header = [
    "setting",
    "ok",
    "invalid",
    "failed",
    "accuracy (95% CI)",
    "validity",
    "think tok mean/p95",
    "answer tok mean/p95",
    "ms mean",
    "draft acc",
    "changed",
    "fixed",
    "broke",
  ];
  const rows = report.settings.map((s) => [
    s.name,
    String(s.ok),
    String(s.invalid),
    String(s.failed),
    s.accuracy ? `${pct(s.accuracy.value)} (${pct(s.accuracy.low)}–${pct(s.accuracy.high)})` : "-",
    pct(s.validity),
    `${num(s.thinking_tokens.mean)}/${num(s.thinking_tokens.p95)}`,
    `${num(s.answer_tokens.mean)}/${num(s.answer_tokens.p95)}`,
    num(s.ms.mean),
    pct(s.reflection_effect?.draft_accuracy?.value),
    s.reflection_effect ? String(s.reflection_effect.changed) : "-",
    s.reflection_effect ? String(s.reflection_effect.fixed) : "-",
    s.reflection_effect ? String(s.reflection_effect.broke) : "-",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const title = `${report.dataset}: ${report.items} items × ${report.repeats} repeat(s), model ${report.model ?? "?"}${report.complete ? "" : " (incomplete)"}`;
  return [title, line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
