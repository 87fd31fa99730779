import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { completionJob, useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

const rp = useWorkerHarness();

describe("job-done delivery", () => {
  it("retries a result refused with 5xx or 429, up to three attempts, with the same body", async () => {
    rp.standIn.script("job-done", { status: 500 }, { status: 429 });
    rp.standIn.enqueue(completionJob("r1"));
    rp.start({ engine: new ScriptedEngine({ fallback: { text: "v" } }) });
    await rp.standIn.waitFor((r) => r.route === "job-done" && rp.standIn.of("job-done").length === 3);
    const posts = rp.standIn.of("job-done");
    expect(posts.map((p) => p.url)).toEqual(Array(3).fill("/v2/ep1/job-done/pod-7/r1?isStream=false"));
    expect(new Set(posts.map((p) => p.body)).size).toBe(1);
  });

  it("does not retry a result refused with another 4xx, drops it and takes the next job", async () => {
    rp.standIn.script("job-done", { status: 413, body: { error: "too large" } });
    rp.standIn.enqueue(completionJob("big"), completionJob("next"));
    rp.start({ engine: new ScriptedEngine({ fallback: { text: "v" } }) });
    await rp.standIn.waitForDone("next");
    expect(rp.standIn.of("job-done").map((p) => p.jobId)).toEqual(["big", "next"]);
  });

  it("gives up after three failed attempts and goes on", async () => {
    rp.standIn.script("job-done", { status: 502 }, { status: 502 }, { status: 502 });
    rp.standIn.enqueue(completionJob("lost"), completionJob("after"));
    rp.start({ engine: new ScriptedEngine({ fallback: { text: "v" } }) });
    await rp.standIn.waitForDone("after");
    expect(rp.standIn.of("job-done").map((p) => p.jobId)).toEqual(["lost", "lost", "lost", "after"]);
  });
});
