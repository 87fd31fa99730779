import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { JobApiStandIn } from "./testing/job-api-stand-in.js";
import { completionJob, type Harness, startWorker } from "./testing/worker-harness.js";

let standIn: JobApiStandIn;
let harness: Harness | undefined;

beforeEach(async () => {
  standIn = await new JobApiStandIn({ endpointId: "ep1", podId: "pod-7", apiKey: "rpa_KEY123" }).start();
});
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  await standIn.stop();
});

describe("job-done delivery", () => {
  it("retries a result refused with 5xx or 429, up to three attempts, with the same body", async () => {
    standIn.script("job-done", { status: 500 }, { status: 429 });
    standIn.enqueue(completionJob("r1"));
    harness = startWorker(standIn, { engine: new ScriptedEngine({ fallback: { text: "v" } }) });
    await standIn.waitFor((r) => r.route === "job-done" && standIn.of("job-done").length === 3);
    const posts = standIn.of("job-done");
    expect(posts.map((p) => p.url)).toEqual(Array(3).fill("/v2/ep1/job-done/pod-7/r1?isStream=false"));
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
  });

  it("does not retry a result refused with another 4xx, drops it and takes the next job", async () => {
    standIn.script("job-done", { status: 413, body: { error: "too large" } });
    standIn.enqueue(completionJob("big"), completionJob("next"));
    harness = startWorker(standIn, { engine: new ScriptedEngine({ fallback: { text: "v" } }) });
    await standIn.waitForDone("next");
    expect(standIn.of("job-done").map((p) => p.jobId)).toEqual(["big", "next"]);
  });

  it("gives up after three failed attempts and goes on", async () => {
    standIn.script("job-done", { status: 502 }, { status: 502 }, { status: 502 });
    standIn.enqueue(completionJob("lost"), completionJob("after"));
    harness = startWorker(standIn, { engine: new ScriptedEngine({ fallback: { text: "v" } }) });
    await standIn.waitForDone("after");
    expect(standIn.of("job-done").map((p) => p.jobId)).toEqual(["lost", "lost", "lost", "after"]);
  });
});
