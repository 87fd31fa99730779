import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import {
  RUN_MAX_BODY_BYTES,
  RUNSYNC_MAX_BODY_BYTES,
  type RunningLocalApi,
  startLocalApi,
} from "./local-api.js";
import { testService } from "../../test/support/service.js";

const KEY = "local-limit-key-0123";
let api: RunningLocalApi;

beforeAll(async () => {
  api = await startLocalApi({
    service: testService(new ScriptedEngine({ fallback: { text: "ok" } })),
    apiKey: KEY,
    concurrency: 1,
  });
});
afterAll(() => api.close());

/** A valid job body padded to `bytes` with a long prompt. */
function body(bytes: number): string {
  const head = '{"input":{"thinking_effort":"none","prompt":"';
  const tail = '"}}';
  return head + "x".repeat(bytes - head.length - tail.length) + tail;
}

const post = (route: string, text: string) =>
  fetch(`${api.baseUrl}/local/${route}`, {
    method: "POST",
    headers: { Authorization: KEY, "content-type": "application/json" },
    body: text,
  });

describe("local API body limits (RunPod's: 10 MB /run, 20 MB /runsync)", () => {
  it("refuses /run over 10 MB and /runsync over 20 MB with 413, and takes bodies just under", async () => {
    const overRun = await post("run", body(RUN_MAX_BODY_BYTES + 1));
    expect(overRun.status).toBe(413);
    expect(await overRun.json()).toMatchObject({ error: expect.stringMatching(/payload too large/) });
    expect((await post("runsync", body(RUNSYNC_MAX_BODY_BYTES + 1))).status).toBe(413);
    // Between the two limits: too big for /run, fine for /runsync (the prompt itself is then refused
    // by the request checks, which is a job FAILED, not a 413).
    const between = await post("runsync", body(RUN_MAX_BODY_BYTES + 1024));
    expect(between.status).toBe(200);
    const small = await post("run", body(1024));
    expect(small.status).toBe(200);
    expect(await small.json()).toMatchObject({ status: "IN_QUEUE" });
  });
});
