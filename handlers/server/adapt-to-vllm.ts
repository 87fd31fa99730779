/**
 * ORCH_ADAPTIVE_CONCURRENCY: about once a second, vLLM's /metrics (the dashboard's cached scrape)
 * moves the service's pipelines-at-once limit (core/adaptive-concurrency.ts) between a quarter and
 * four times ORCH_MAX_CONCURRENCY. Without figures (vLLM unreachable, an old vLLM) the limit stays.
 */
import { adaptConcurrency } from "../../core/adaptive-concurrency.js";
import type { Logger } from "../shared/logger.js";
import type { Scraped } from "./dashboard/vllm-metrics.js";

export interface AdaptTarget {
  readonly concurrency: number;
  setConcurrency(limit: number): void;
  stats(): { queued: number };
}

export interface AdaptToVllmOptions {
  scrape: () => Promise<Scraped>;
  service: AdaptTarget;
  /** ORCH_MAX_CONCURRENCY: the starting point; the bounds are a quarter and four times it. */
  base: number;
  log?: Logger;
  intervalMs?: number;
}

export function adaptToVllm(options: AdaptToVllmOptions): { tick(): Promise<void>; stop(): void } {
  const { scrape, service, base } = options;
  const min = Math.max(1, Math.floor(base / 4));
  const max = Math.min(4096, base * 4);
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const { figures } = await scrape();
      if (figures?.requests_running == null || figures.requests_waiting == null) return;
      const limit = service.concurrency;
      const next = adaptConcurrency({
        limit,
        vllmRunning: figures.requests_running,
        vllmWaiting: figures.requests_waiting,
        ourWaiting: service.stats().queued,
        min,
        max,
      });
      if (next === limit) return;
      service.setConcurrency(next);
      options.log?.debug(
        {
          from: limit,
          to: next,
          vllm_running: figures.requests_running,
          vllm_waiting: figures.requests_waiting,
        },
        "concurrency adapted to vLLM's queue",
      );
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 1_000);
  timer.unref();
  return { tick, stop: () => clearInterval(timer) };
}
