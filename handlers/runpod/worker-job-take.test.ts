import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { sleep } from "../../core/sleep.js";
import { completionJob, gatedEngine, useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

const rp = useWorkerHarness();

describe("job-take and job-done", () => {
  it("takes one job with job_in_progress=0, the raw key, and posts the result to job-done", async () => {
    rp.standIn.enqueue(completionJob("job-1"));
    rp.start({ engine: new ScriptedEngine({ fallback: { text: "hello" } }) });
    const done = await rp.standIn.waitForDone("job-1");

    const take = rp.standIn.of("job-take")[0]!;
    expect(take.method).toBe("GET");
    expect(take.url).toBe("/v2/ep1/job-take/pod-7?job_in_progress=0");
    expect(take.headers.authorization).toBe("rpa_KEY123");

    expect(done.method).toBe("POST");
    expect(done.url).toBe("/v2/ep1/job-done/pod-7/job-1?isStream=false");
    expect(done.headers.authorization).toBe("rpa_KEY123");
    expect(done.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(done.headers["x-request-id"]).toBe("job-1");
    const body = done.json as { output: Record<string, unknown> };
    expect(Object.keys(body)).toEqual(["output"]);
    expect(body.output).toMatchObject({
      output: "hello",
      text: "hello",
      valid: true,
      draft: null,
      effort: "none",
      job_id: "job-1",
      model: "scripted-model",
      cached: false,
    });
    // Nothing is streamed for a request that did not ask to stream.
    expect(rp.standIn.of("job-stream")).toHaveLength(0);
  });

  it("uses job-take-batch with batch_size when several slots are free, job_in_progress=1 while busy", async () => {
    const { engine, release } = gatedEngine("ok");
    rp.standIn.enqueue(completionJob("a"), completionJob("b"));
    rp.start({ engine, concurrency: 3 });

    const batch = await rp.standIn.waitFor((r) => r.route === "job-take-batch");
    expect(batch.url).toBe("/v2/ep1/job-take-batch/pod-7?batch_size=3&job_in_progress=0");
    expect(batch.headers.authorization).toBe("rpa_KEY123");
    // Two jobs running, one slot left: a single take, flagged as busy.
    const single = await rp.standIn.waitFor((r) => r.route === "job-take");
    expect(single.url).toBe("/v2/ep1/job-take/pod-7?job_in_progress=1");

    release();
    const [a, b] = await Promise.all([rp.standIn.waitForDone("a"), rp.standIn.waitForDone("b")]);
    expect((a.json as { output: { job_id: string } }).output.job_id).toBe("a");
    expect((b.json as { output: { job_id: string } }).output.job_id).toBe("b");
  });

  it("treats 204, 400, empty and non-JSON answers as no job, survives a 500, then takes the next job", async () => {
    rp.standIn.script(
      "job-take",
      { status: 204 },
      { status: 400, body: { error: "flashboot" } },
      { status: 200, body: "" },
      { status: 200, body: "not json" },
      { status: 500, body: "boom" },
    );
    rp.start({ engine: new ScriptedEngine({ fallback: { text: "after" } }) });
    await rp.standIn.waitFor((r) => r.route === "job-take" && rp.standIn.of("job-take").length >= 6);
    rp.standIn.enqueue(completionJob("late"));
    const done = await rp.standIn.waitForDone("late");
    expect((done.json as { output: { output: string } }).output.output).toBe("after");
    expect(rp.standIn.of("job-take").every((r) => r.url === "/v2/ep1/job-take/pod-7?job_in_progress=0")).toBe(
      true,
    );
  });

  it("backs off after a 429 instead of polling again at once", async () => {
    rp.standIn.script("job-take", { status: 429 });
    const harness = rp.start({
      engine: new ScriptedEngine(),
      timings: { backoffMs: 60_000, minPollIntervalMs: 0 },
    });
    await rp.standIn.waitFor((r) => r.route === "job-take");
    // Without a back-off the next take would follow at once; give it every chance to show up.
    await sleep(100);
    expect(rp.standIn.of("job-take")).toHaveLength(1);
    // Shutdown interrupts the back-off.
    await harness.stop();
    expect(rp.standIn.of("job-take")).toHaveLength(1);
  });

  it("accepts templates without a query string", async () => {
    const base = `${rp.standIn.baseUrl}/v2/ep1`;
    rp.standIn.enqueue(completionJob("plain"));
    rp.start({
      engine: new ScriptedEngine({ fallback: { text: "x" } }),
      env: {
        RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID`,
        RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID`,
      },
    });
    const done = await rp.standIn.waitForDone("plain");
    expect(rp.standIn.of("job-take")[0]!.url).toBe("/v2/ep1/job-take/pod-7?job_in_progress=0");
    expect(done.url).toBe("/v2/ep1/job-done/pod-7/plain?isStream=false");
  });
});
