/** The dashboard in the browser: asks for the key once, then polls /dashboard/state every 2 s. */
import type { DashboardState } from "../routes.js";
import { $, adoptKeyFromUrl, apiKey, getJson, setKey, text } from "./api.js";
import { drawCharts, installChartStyles } from "./charts.js";
import { drawRecent } from "./jobs.js";
import { installTryIt } from "./try-it.js";

function pct(v: number | null): string {
  return v === null ? "–" : `${(v * 100).toFixed(1)}%`;
}

function drawEngine(state: DashboardState): void {
  const e = state.engine;
  const parts = [
    text("b", `${e.kind} · ${e.model}`),
    text(
      "span",
      e.ready ? "  ready" : `  not ready${e.detail ? `: ${e.detail}` : ""}`,
      e.ready ? "ok" : "bad",
    ),
    text("div", `context ${e.max_model_len} tokens${e.demo ? " · demo model: random weights" : ""}`, "muted"),
  ];
  if (e.vllm) {
    const f = e.vllm.figures;
    parts.push(
      text(
        "div",
        f
          ? `vLLM ${e.vllm.version ?? "?"} · running ${f.requests_running ?? "–"} · waiting ${f.requests_waiting ?? "–"} · KV cache ${pct(f.kv_cache_usage)} · prefix-cache hits ${pct(f.prefix_cache_hit_rate)}`
          : `vLLM ${e.vllm.version ?? "?"} · ${e.vllm.error ?? "no figures"}`,
      ),
    );
  }
  $("engine").replaceChildren(...parts);
  $("engine").classList.remove("muted");
  $("model").textContent = e.model;
}

async function refresh(): Promise<void> {
  if (!apiKey()) return;
  try {
    const state = await getJson<DashboardState>("/dashboard/state");
    $("keystate").textContent = "";
    drawEngine(state);
    $("queued").textContent = String(state.queued);
    $("running").textContent = String(state.running);
    $("inflight").textContent = String(state.inFlight);
    $("cacheentries").textContent = String(state.cacheEntries);
    drawCharts(state.series);
    drawRecent(state.recent);
  } catch (err) {
    $("keystate").textContent = (err as Error).message;
  }
}

function start(): void {
  adoptKeyFromUrl();
  installChartStyles();
  installTryIt();
  const model = document.createElement("span");
  model.id = "model";
  model.hidden = true;
  document.body.append(model);
  $("keyform").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = $("key") as HTMLInputElement;
    if (input.value) setKey(input.value);
    input.value = "";
    void refresh();
  });
  $("closejob").addEventListener("click", () => $("job").classList.remove("open"));
  $("keystate").textContent = apiKey() ? "" : "enter the API key";
  void refresh();
  setInterval(() => void refresh(), 2000);
}

start();
