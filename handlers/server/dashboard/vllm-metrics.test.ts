import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { cachedScrape, vllmFigures } from "./vllm-metrics.js";

const METRICS = `# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{model_name="m"} 3
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{model_name="m"} 2
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{model_name="m"} 0.25
# TYPE vllm:prefix_cache_hits_total counter
vllm:prefix_cache_hits_total{model_name="m"} 30
# TYPE vllm:prefix_cache_queries_total counter
vllm:prefix_cache_queries_total{model_name="m"} 40
`;

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** A /metrics endpoint on 127.0.0.1 that counts its scrapes and the headers they carried. */
async function fakeVllm() {
  const seen: (string | undefined)[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(200, { "content-type": "text/plain" }).end(METRICS);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  close = () => new Promise((resolve) => server.close(() => resolve()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe("vLLM's /metrics", () => {
  it("reads the engine card's figures", () => {
    expect(vllmFigures(METRICS)).toEqual({
      requests_running: 3,
      requests_waiting: 2,
      kv_cache_usage: 0.25,
      prefix_cache_hit_rate: 0.75,
    });
  });

  it("scrapes once per freshness window, however many polls come, and shares one scrape in flight", async () => {
    const vllm = await fakeVllm();
    let clock = 0;
    const scrape = cachedScrape(vllm.url, { authorization: "Bearer k" }, 1_000, () => clock);
    const polls = await Promise.all([scrape(), scrape(), scrape()]);
    expect(vllm.seen).toEqual(["Bearer k"]);
    expect(polls.map((p) => p.figures?.requests_waiting)).toEqual([2, 2, 2]);
    clock = 999;
    await scrape();
    expect(vllm.seen).toHaveLength(1);
    clock = 1_000;
    expect((await scrape()).figures?.requests_running).toBe(3);
    expect(vllm.seen).toHaveLength(2);
  });

  it("keeps a failure for the window too, with its reason", async () => {
    const vllm = await fakeVllm();
    await close?.();
    close = undefined;
    let clock = 0;
    const scrape = cachedScrape(vllm.url, {}, 1_000, () => clock);
    const failed = await scrape();
    expect(failed).toMatchObject({ figures: null, error: expect.stringContaining("unreachable") });
    expect(await scrape()).toBe(failed);
    clock = 2_000;
    expect(await scrape()).not.toBe(failed);
  });
});
