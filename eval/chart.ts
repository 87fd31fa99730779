/**
 * The report as an SVG a person can open: accuracy (with its 95% interval) against tokens per
 * request, one point per setting. Hand-drawn: a dozen points need no charting library.
 */
import type { EvalReport } from "./report.js";

const W = 760;
const H = 460;
const M = { left: 70, right: 170, top: 50, bottom: 60 };
const COLOURS = { none: "#6b7280", on: "#2563eb", off: "#d97706" };

const esc = (s: string) =>
  s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;" })[c]!);

/** 0, a round step, ... covering max: the x axis ticks. */
function ticks(max: number): number[] {
  const raw = max / 5;
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out = [0];
  while (out[out.length - 1]! < max) out.push(out.length * step);
  return out;
}

export function renderChart(report: EvalReport): string {
  const points = report.settings
    .filter((s) => s.accuracy !== null)
    .map((s) => ({
      s,
      tokens: (s.thinking_tokens.mean ?? 0) + (s.answer_tokens.mean ?? 0),
      acc: s.accuracy!,
    }));
  const xTicks = ticks(Math.max(1, ...points.map((p) => p.tokens)));
  const xMax = xTicks[xTicks.length - 1]!;
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const x = (v: number) => M.left + (v / xMax) * pw;
  const y = (v: number) => M.top + (1 - v) * ph;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${M.left}" y="24" font-size="15" font-weight="bold">${esc(`Accuracy against tokens: ${report.dataset}`)}</text>`,
    `<text x="${M.left}" y="40" fill="#555">${esc(`${report.model ?? "unknown model"}, ${report.items} items × ${report.repeats}; bars are 95% intervals`)}</text>`,
  ];
  for (let i = 0; i <= 10; i += 2) {
    const v = i / 10;
    parts.push(
      `<line x1="${M.left}" x2="${M.left + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#e5e7eb"/>`,
      `<text x="${M.left - 8}" y="${y(v) + 4}" text-anchor="end">${i * 10}%</text>`,
    );
  }
  for (const t of xTicks) {
    parts.push(
      `<line x1="${x(t)}" x2="${x(t)}" y1="${M.top + ph}" y2="${M.top + ph + 5}" stroke="#111"/>`,
      `<text x="${x(t)}" y="${M.top + ph + 18}" text-anchor="middle">${t}</text>`,
    );
  }
  parts.push(
    `<line x1="${M.left}" x2="${M.left + pw}" y1="${M.top + ph}" y2="${M.top + ph}" stroke="#111"/>`,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ph}" stroke="#111"/>`,
    `<text x="${M.left + pw / 2}" y="${H - 18}" text-anchor="middle">thinking + answer tokens per request (mean)</text>`,
    `<text transform="translate(18 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">accuracy</text>`,
  );
  for (const { s, tokens, acc } of points) {
    const colour = s.effort === "none" ? COLOURS.none : s.reflection ? COLOURS.on : COLOURS.off;
    const cx = x(tokens);
    parts.push(
      `<g class="point" data-setting="${esc(s.name)}" data-accuracy="${acc.value}" data-tokens="${tokens}">`,
      `<line x1="${cx}" x2="${cx}" y1="${y(acc.low)}" y2="${y(acc.high)}" stroke="${colour}" stroke-width="2"/>`,
      `<circle cx="${cx}" cy="${y(acc.value)}" r="5" fill="${colour}"/>`,
      `<text x="${cx + 8}" y="${y(acc.value) - 6}">${esc(s.name)}</text>`,
      "</g>",
    );
  }
  const legend: [string, string][] = [
    ["no thinking", COLOURS.none],
    ["reflection on", COLOURS.on],
    ["reflection off", COLOURS.off],
  ];
  legend.forEach(([label, colour], i) => {
    const ly = M.top + 10 + i * 20;
    parts.push(
      `<circle cx="${W - M.right + 24}" cy="${ly}" r="5" fill="${colour}"/>`,
      `<text x="${W - M.right + 36}" y="${ly + 4}">${label}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
