import { describe, expect, it } from "vitest";
import { batchUrlOf, fillTemplate, stopUrlOf, withQuery } from "./urls.js";
import { ConfigError } from "../shared/config.js";
import { parseWorkerConfig } from "./worker-config.js";

const base = "https://api.runpod.ai/v2/ep";
const deployed = {
  RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID?gpu=A100`,
  RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID?gpu=A100`,
  RUNPOD_WEBHOOK_POST_STREAM: `${base}/job-stream/$RUNPOD_POD_ID/$ID?gpu=A100`,
  RUNPOD_WEBHOOK_PING: `${base}/ping/$RUNPOD_POD_ID?gpu=A100`,
  RUNPOD_POD_ID: "pod-x",
  RUNPOD_AI_API_KEY: "key",
};

describe("URL templates", () => {
  it("replaces $ID and $RUNPOD_POD_ID everywhere", () => {
    expect(fillTemplate("/a/$RUNPOD_POD_ID/$ID/$ID", "pod", "job")).toBe("/a/pod/job/job");
    expect(fillTemplate("/job-take/$ID", "pod")).toBe("/job-take/pod");
  });

  it("appends query parameters with & after an existing query, tolerating none or an open ?", () => {
    expect(withQuery("/x?", { a: 1 })).toBe("/x?a=1");
    expect(withQuery("/x?gpu=A100", { a: 1, b: "c" })).toBe("/x?gpu=A100&a=1&b=c");
    expect(withQuery("/x?gpu=A100&", { a: 1 })).toBe("/x?gpu=A100&a=1");
    expect(withQuery("/x", { a: 1 })).toBe("/x?a=1");
    expect(withQuery("/x", { a: undefined })).toBe("/x");
    expect(withQuery("/x?", { job_id: "a,b" })).toBe("/x?job_id=a%2Cb");
  });

  it("derives the batch and stop URLs from /job-take/, keeping the query", () => {
    expect(batchUrlOf("/v2/e/job-take/p?q=1")).toBe("/v2/e/job-take-batch/p?q=1");
    expect(stopUrlOf("/v2/e/job-take/p?q=1")).toBe("/v2/e/job-stop/p?q=1");
    expect(batchUrlOf("/custom/take")).toBeUndefined();
    expect(stopUrlOf("/custom/take")).toBeUndefined();
  });
});

describe("parseWorkerConfig", () => {
  it("fills the worker id into the templates and keeps $ID of the per-job ones", () => {
    const c = parseWorkerConfig(deployed, 8);
    expect(c.takeUrl).toBe(`${base}/job-take/pod-x?gpu=A100`);
    expect(c.doneUrlTemplate).toBe(`${base}/job-done/pod-x/$ID?gpu=A100`);
    expect(c.streamUrlTemplate).toBe(`${base}/job-stream/pod-x/$ID?gpu=A100`);
    expect(c.pingUrl).toBe(`${base}/ping/pod-x?gpu=A100`);
    expect(c.pingIntervalMs).toBe(10_000);
    expect(c.apiKey).toBe("key");
  });

  it("defaults the concurrency to the queue's and reads RUNPOD_CONCURRENCY", () => {
    expect(parseWorkerConfig(deployed, 6).concurrency).toBe(6);
    expect(parseWorkerConfig({ ...deployed, RUNPOD_CONCURRENCY: "3" }, 6).concurrency).toBe(3);
  });

  it("turns the heartbeat off without a ping URL, a pod id or a key, as runpod-python does", () => {
    expect(
      parseWorkerConfig({ ...deployed, RUNPOD_WEBHOOK_PING: "PING_NOT_SET" }, 1).pingUrl,
    ).toBeUndefined();
    expect(parseWorkerConfig({ ...deployed, RUNPOD_POD_ID: undefined }, 1).pingUrl).toBeUndefined();
    expect(parseWorkerConfig({ ...deployed, RUNPOD_AI_API_KEY: "" }, 1).pingUrl).toBeUndefined();
  });

  it("reports every problem at once, and says what to run instead when not deployed", () => {
    try {
      parseWorkerConfig({ RUNPOD_PING_INTERVAL: "soon", RUNPOD_CONCURRENCY: "0" }, 1);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const problems = (err as ConfigError).problems.join("\n");
      expect(problems).toMatch(/RUNPOD_PING_INTERVAL/);
      expect(problems).toMatch(/RUNPOD_CONCURRENCY/);
      expect(problems).toMatch(/RUNPOD_WEBHOOK_GET_JOB/);
    }
    expect(() => parseWorkerConfig({}, 1)).toThrow(/local-api-main/);
    expect(() => parseWorkerConfig({ RUNPOD_WEBHOOK_GET_JOB: "http://x/job-take/$ID" }, 1)).toThrow(
      /RUNPOD_WEBHOOK_POST_OUTPUT/,
    );
  });
});
