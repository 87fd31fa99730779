import { describe, expect, it } from "vitest";
import { type AdaptInput, adaptConcurrency, shortQueue } from "./adaptive-concurrency.js";

const base: AdaptInput = { limit: 320, vllmRunning: 256, vllmWaiting: 8, ourWaiting: 40, min: 80, max: 1280 };

describe("adaptConcurrency", () => {
  it("holds while vLLM's queue is short but not empty", () => {
    for (const vllmWaiting of [1, 8, shortQueue(256)]) {
      expect(adaptConcurrency({ ...base, vllmWaiting })).toBe(320);
    }
  });

  it("raises by an eighth when vLLM waits on nothing while we hold requests back", () => {
    expect(adaptConcurrency({ ...base, vllmWaiting: 0 })).toBe(360);
    // Nothing held back: more room would change nothing.
    expect(adaptConcurrency({ ...base, vllmWaiting: 0, ourWaiting: 0 })).toBe(320);
  });

  it("lowers while vLLM's queue is long, by the excess and at most an eighth", () => {
    expect(adaptConcurrency({ ...base, vllmWaiting: 20 })).toBe(316);
    expect(adaptConcurrency({ ...base, vllmWaiting: 500 })).toBe(280);
  });

  it("stays within its bounds and moves by at least one", () => {
    expect(adaptConcurrency({ ...base, limit: 1275, vllmWaiting: 0 })).toBe(1280);
    expect(adaptConcurrency({ ...base, limit: 82, vllmWaiting: 500 })).toBe(80);
    expect(adaptConcurrency({ ...base, limit: 1, min: 1, vllmRunning: 1, vllmWaiting: 0 })).toBe(2);
  });

  it("settles: against a vLLM that batches 256 and queues the rest, the limit comes to rest with a short queue", () => {
    // Each of our running pipelines has one request in vLLM; 1,000 requests are offered.
    let limit = 64;
    for (let tick = 0; tick < 100; tick++) {
      const vllmRunning = Math.min(limit, 256);
      const vllmWaiting = Math.max(0, limit - 256);
      limit = adaptConcurrency({
        limit,
        vllmRunning,
        vllmWaiting,
        ourWaiting: 1000 - limit,
        min: 8,
        max: 4096,
      });
    }
    const waiting = limit - 256;
    expect(waiting).toBeGreaterThan(0);
    expect(waiting).toBeLessThanOrEqual(shortQueue(256));
  });
});
