/**
 * vLLM's own figures for the engine card, scraped from its /metrics: requests running and waiting,
 * KV-cache usage and the prefix-cache hit rate since start. Metric names as vLLM's v1 engine exports
 * them (older servers name KV usage vllm:gpu_cache_usage_perc; both are read).
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";

export interface VllmFigures {
  requests_running: number | null;
  requests_waiting: number | null;
  kv_cache_usage: number | null;
  prefix_cache_hit_rate: number | null;
}

interface Family {
  name: string;
  metrics: { value?: string }[];
}

/** Sum over every label set (one per model or engine). */
function total(families: Family[], ...names: string[]): number | null {
  const family = families.find((f) => names.includes(f.name));
  if (!family) return null;
  return family.metrics.reduce((sum, m) => sum + (Number(m.value) || 0), 0);
}

export function vllmFigures(text: string): VllmFigures {
  const families = parsePrometheusTextFormat(text) as Family[];
  const hits = total(families, "vllm:prefix_cache_hits_total", "vllm:prefix_cache_hits");
  const queries = total(families, "vllm:prefix_cache_queries_total", "vllm:prefix_cache_queries");
  return {
    requests_running: total(families, "vllm:num_requests_running"),
    requests_waiting: total(families, "vllm:num_requests_waiting"),
    kv_cache_usage: total(families, "vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc"),
    prefix_cache_hit_rate: hits !== null && queries ? hits / queries : null,
  };
}

export interface Scraped {
  figures: VllmFigures | null;
  error?: string;
}

/** Fetches and reads vLLM's /metrics; null figures with the reason when it cannot. */
export async function scrapeVllm(baseUrl: string, headers: Record<string, string>): Promise<Scraped> {
  try {
    const response = await fetch(`${baseUrl.replace(/\/$/, "")}/metrics`, {
      headers,
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return { figures: null, error: `vLLM /metrics answered ${response.status}` };
    return { figures: vllmFigures(await response.text()) };
  } catch (err) {
    return { figures: null, error: `vLLM /metrics unreachable: ${(err as Error).message}` };
  }
}

/**
 * scrapeVllm with its answer kept for freshMs: every open dashboard tab polls /dashboard/state, and
 * each poll would otherwise fetch and parse vLLM's whole /metrics text again. Concurrent polls
 * share one scrape. `now` is for tests.
 */
export function cachedScrape(
  baseUrl: string,
  headers: Record<string, string>,
  freshMs = 1_000,
  now: () => number = () => performance.now(),
): () => Promise<Scraped> {
  let last: { at: number; scraped: Scraped } | undefined;
  let pending: Promise<Scraped> | undefined;
  return () => {
    if (last && now() - last.at < freshMs) return Promise.resolve(last.scraped);
    pending ??= scrapeVllm(baseUrl, headers).then((scraped) => {
      last = { at: now(), scraped };
      pending = undefined;
      return scraped;
    });
    return pending;
  };
}
