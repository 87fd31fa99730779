/** The time-series charts (uPlot), redrawn from each /dashboard/state snapshot. */
import uPlot from "uplot";
import css from "uplot/dist/uPlot.min.css";
import type { SeriesSnapshot } from "../series.js";
import { $, text } from "./api.js";

const COLOURS = ["#2563eb", "#d97706", "#047857", "#b91c1c", "#7c3aed", "#0891b2", "#6b7280"];

interface ChartDef {
  id: string;
  title: string;
  series: (s: SeriesSnapshot) => [string, (number | null)[]][];
}

type Series = [string, (number | null)[]][];
/** A p50/p95 pair as two series, labelled under a prefix. */
const quantiles = (q: { p50: (number | null)[]; p95: (number | null)[] }, prefix = ""): Series => [
  [`${prefix}p50`, q.p50],
  [`${prefix}p95`, q.p95],
];

const DEFS: ChartDef[] = [
  {
    id: "requests",
    title: "requests per minute by outcome",
    series: (s) => Object.entries(s.requests_per_min),
  },
  {
    id: "latency",
    title: "end-to-end latency ms (p50, p95)",
    series: (s) => quantiles(s.latency_ms),
  },
  {
    id: "steps",
    title: "step latency ms (p50 / p95)",
    series: (s) => Object.entries(s.step_ms).flatMap(([step, v]) => quantiles(v, `${step} `)),
  },
  {
    id: "queue",
    title: "queue wait ms (p50, p95)",
    series: (s) => quantiles(s.queue_ms),
  },
  { id: "tokens", title: "generated tokens per second", series: (s) => [["tokens/s", s.tokens_per_s]] },
  {
    id: "thinking",
    title: "thinking tokens per request by effort",
    series: (s) => Object.entries(s.thinking_tokens),
  },
  {
    id: "quality",
    title: "validation failures and cache hit rate",
    series: (s) => [
      ["validation failures", s.validation_failures],
      ["cache hit rate %", s.cache_hit_rate.map((v) => (v === null ? null : v * 100))],
    ],
  },
];

const plots = new Map<string, { plot: uPlot; names: string }>();

export function installChartStyles(): void {
  const style = document.createElement("style");
  style.textContent = css;
  document.head.append(style);
}

export function drawCharts(snapshot: SeriesSnapshot): void {
  const host = $("charts");
  for (const def of DEFS) {
    const series = def.series(snapshot);
    const names = series.map(([n]) => n).join("|");
    const data = [snapshot.t, ...series.map(([, v]) => v)] as uPlot.AlignedData;
    const existing = plots.get(def.id);
    if (existing && existing.names === names) {
      existing.plot.setData(data);
      continue;
    }
    existing?.plot.destroy();
    let box = document.getElementById(`chart-${def.id}`);
    if (!box) {
      box = document.createElement("div");
      box.id = `chart-${def.id}`;
      box.className = "chart";
      box.append(text("h3", def.title));
      host.append(box);
    }
    const width = Math.max(260, Math.min(box.clientWidth || 320, 640));
    const plot = new uPlot(
      {
        width,
        height: 160,
        legend: { show: true },
        scales: { x: { time: true } },
        series: [
          {},
          ...series.map(([label], i) => ({
            label,
            stroke: COLOURS[i % COLOURS.length],
            width: 1.5,
            spanGaps: false,
            points: { show: true, size: 4 },
          })),
        ],
        axes: [{}, { size: 50 }],
      },
      data,
      box,
    );
    box.dataset.points = String(snapshot.t.length);
    plots.set(def.id, { plot, names });
  }
}

/** For tests and a glance: the sum of every value drawn in a chart. */
export function chartTotals(snapshot: SeriesSnapshot): Record<string, number> {
  return Object.fromEntries(
    DEFS.map((d) => [
      d.id,
      d.series(snapshot).reduce((n, [, v]) => n + v.reduce<number>((m, x) => m + (x ?? 0), 0), 0),
    ]),
  );
}
