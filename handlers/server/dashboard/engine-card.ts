/** The dashboard's engine card: kind, model, readiness and why, and for vLLM its own figures. */
import type { Engine } from "../../../core/engine.js";
import type { EngineMonitor } from "../ops/engine-monitor.js";
import type { Scraped, VllmFigures } from "./vllm-metrics.js";

export interface EngineCard {
  kind: string;
  model: string;
  demo: boolean;
  max_model_len: number;
  ready: boolean;
  detail: string | null;
  checked_at: string | null;
  vllm: { version: string | null; figures: VllmFigures | null; error: string | null } | null;
}

export interface EngineCardSource {
  engine: Engine;
  monitor: EngineMonitor;
  /** When the engine is vLLM: its /metrics figures (vllm-metrics.ts, cachedScrape). */
  vllm?: { scrape: () => Promise<Scraped> };
}

export async function engineCard(source: EngineCardSource): Promise<EngineCard> {
  const { engine, monitor } = source;
  const [status, scraped] = await Promise.all([monitor.check(), source.vllm?.scrape()]);
  const info = engine.modelInfo();
  const version = (engine as { vllmVersion?: string }).vllmVersion;
  return {
    kind: engine.kind,
    model: info.model,
    demo: info.demo ?? false,
    max_model_len: info.maxModelLen,
    ready: status.ready,
    detail: status.detail ?? null,
    checked_at: status.checkedAt,
    vllm: scraped
      ? { version: version ?? null, figures: scraped.figures, error: scraped.error ?? null }
      : null,
  };
}
