import { describe, expect, it } from "vitest";
import { adaptToVllm } from "./adapt-to-vllm.js";
import type { Scraped } from "./dashboard/vllm-metrics.js";

const figures = (running: number | null, waiting: number | null): Scraped => ({
  figures: {
    requests_running: running,
    requests_waiting: waiting,
    kv_cache_usage: null,
    prefix_cache_hit_rate: null,
  },
});

/** A service whose limit the adapter moves, with `queued` requests held back. */
function target(queued: number) {
  const set: number[] = [];
  const service = {
    concurrency: 320,
    setConcurrency(limit: number) {
      set.push(limit);
      this.concurrency = limit;
    },
    stats: () => ({ queued }),
  };
  return { service, set };
}

/** Forty ticks against vLLM figures that do not change; the limits set, in order. */
async function ticks(queued: number, scraped: Scraped) {
  const { service, set } = target(queued);
  const adapter = adaptToVllm({ scrape: async () => scraped, service, base: 320, intervalMs: 3_600_000 });
  try {
    for (let i = 0; i < 40; i++) await adapter.tick();
  } finally {
    adapter.stop();
  }
  return set;
}

describe("adaptToVllm", () => {
  it("raises the limit while vLLM waits on nothing and requests wait here, up to four times the base", async () => {
    const set = await ticks(5000, figures(256, 0));
    expect(set[0]).toBe(360);
    expect(set.at(-1)).toBe(1280);
  });

  it("lowers it while vLLM's queue is long, down to a quarter of the base", async () => {
    expect((await ticks(0, figures(256, 900))).at(-1)).toBe(80);
  });

  it("leaves it alone without figures (vLLM unreachable, or a vLLM without these gauges)", async () => {
    expect(await ticks(5000, { figures: null, error: "unreachable" })).toEqual([]);
    expect(await ticks(5000, figures(null, null))).toEqual([]);
  });
});
