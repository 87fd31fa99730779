import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { JobApiStandIn } from "./testing/job-api-stand-in.js";
import { completionJob, gate, startWorker, type Harness } from "./testing/worker-harness.js";
import { sleep } from "../../core/sleep.js";

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

describe("shutdown and readiness", () => {
  it("on shutdown stops taking, finishes the running job, reports it, then run() resolves", async () => {
    const g = gate();
    const engine = new ScriptedEngine({
      fallback: async (call) => {
        await g.wait(call.signal);
        return { text: "finished anyway" };
      },
    });
    standIn.enqueue(completionJob("s1"));
    // Two slots: while s1 runs, a second take is held open by the stand-in.
    harness = startWorker(standIn, { engine, concurrency: 2 });
    await standIn.waitFor((r) => r.route === "job-take" && r.query.job_in_progress === "1");

    let ended = false;
    void harness.done.then(() => {
      ended = true;
    });
    harness.worker.shutdown();
    const takesAtShutdown = standIn.of("job-take").length + standIn.of("job-take-batch").length;
    await new Promise((resolve) => setImmediate(resolve));
    expect(ended).toBe(false);
    expect(harness.worker.runningJobIds).toEqual(["s1"]);

    g.release();
    await harness.done;
    const done = standIn.of("job-done");
    expect(done.map((r) => r.jobId)).toEqual(["s1"]);
    expect((done[0]!.json as { output: { output: string } }).output.output).toBe("finished anyway");
    expect(standIn.of("job-take").length + standIn.of("job-take-batch").length).toBe(takesAtShutdown);
    harness = undefined;
  });

  it("a forced shutdown aborts the running job and reports it failed with shutting_down", async () => {
    const never = gate();
    const engine = new ScriptedEngine({
      fallback: async (call) => {
        await never.wait(call.signal);
        return { text: "never" };
      },
    });
    standIn.enqueue(completionJob("f1"));
    harness = startWorker(standIn, { engine });
    while (harness.worker.runningJobIds.length === 0) await sleep(5);
    harness.worker.shutdown(true);
    await harness.done;
    const done = standIn.of("job-done");
    expect(done.map((r) => r.jobId)).toEqual(["f1"]);
    const envelope = JSON.parse((done[0]!.json as { error: string }).error);
    expect(envelope.error).toMatchObject({ code: "shutting_down" });
    harness = undefined;
  });

  it("waits for the engine to be ready before the first take", async () => {
    let ready = false;
    let asked = 0;
    standIn.enqueue(completionJob("r1"));
    harness = startWorker(standIn, {
      engine: new ScriptedEngine({ fallback: { text: "ok" } }),
      isReady: async () => {
        asked++;
        return ready;
      },
    });
    while (asked < 5) await sleep(5);
    expect(standIn.of("job-take")).toHaveLength(0);
    // The heartbeat runs during warm-up: the worker is alive, just not taking jobs.
    await standIn.waitFor((r) => r.route === "ping");
    ready = true;
    await standIn.waitForDone("r1");
  });

  it("a shutdown during warm-up ends run() without any take", async () => {
    harness = startWorker(standIn, { engine: new ScriptedEngine(), isReady: async () => false });
    await harness.stop();
    harness = undefined;
    expect(standIn.of("job-take")).toHaveLength(0);
    expect(standIn.of("job-stop")).toHaveLength(0);
  });
});
