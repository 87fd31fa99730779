import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { sleep } from "../../core/sleep.js";
import { completionJob, gatedEngine, useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

const rp = useWorkerHarness();

describe("shutdown and readiness", () => {
  it("on shutdown stops taking, finishes the running job, reports it, then run() resolves", async () => {
    const { engine, release } = gatedEngine("finished anyway");
    rp.standIn.enqueue(completionJob("s1"));
    // Two slots: while s1 runs, a second take is held open by the stand-in.
    const harness = rp.start({ engine, concurrency: 2 });
    await rp.standIn.waitFor((r) => r.route === "job-take" && r.query.job_in_progress === "1");

    let ended = false;
    void harness.done.then(() => {
      ended = true;
    });
    harness.worker.shutdown();
    const takesAtShutdown = rp.standIn.of("job-take").length + rp.standIn.of("job-take-batch").length;
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    expect(harness.worker.runningJobIds).toEqual(["s1"]);

    release();
    await harness.done;
    const done = rp.standIn.of("job-done");
    expect(done.map((r) => r.jobId)).toEqual(["s1"]);
    expect((done[0]!.json as { output: { output: string } }).output.output).toBe("finished anyway");
    expect(rp.standIn.of("job-take").length + rp.standIn.of("job-take-batch").length).toBe(takesAtShutdown);
  });

  it("a forced shutdown aborts the running job and reports it failed with shutting_down", async () => {
    const { engine } = gatedEngine("never");
    rp.standIn.enqueue(completionJob("f1"));
    const harness = rp.start({ engine });
    while (harness.worker.runningJobIds.length === 0) await sleep(5);
    harness.worker.shutdown(true);
    await harness.done;
    const done = rp.standIn.of("job-done");
    expect(done.map((r) => r.jobId)).toEqual(["f1"]);
    const envelope = JSON.parse((done[0]!.json as { error: string }).error);
    expect(envelope.error).toMatchObject({ code: "shutting_down" });
  });

  it("waits for the engine to be ready before the first take", async () => {
    let ready = false;
    let asked = 0;
    rp.standIn.enqueue(completionJob("r1"));
    rp.start({
      engine: new ScriptedEngine({ fallback: { text: "ok" } }),
      isReady: async () => {
        asked++;
        return ready;
      },
    });
    while (asked < 5) await sleep(5);
    expect(rp.standIn.of("job-take")).toHaveLength(0);
    // The heartbeat runs during warm-up: the worker is alive, just not taking jobs.
    await rp.standIn.waitFor((r) => r.route === "ping");
    ready = true;
    await rp.standIn.waitForDone("r1");
  });

  it("a shutdown during warm-up ends run() without any take", async () => {
    const harness = rp.start({ engine: new ScriptedEngine(), isReady: async () => false });
    await harness.stop();
    expect(rp.standIn.of("job-take")).toHaveLength(0);
    expect(rp.standIn.of("job-stop")).toHaveLength(0);
  });
});
