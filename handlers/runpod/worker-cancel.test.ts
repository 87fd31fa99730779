import { describe, expect, it } from "vitest";
import { DeliberateError } from "../../core/errors.js";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { completionJob, gate, useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

const rp = useWorkerHarness();

describe("job-stop cancellation", () => {
  it("aborts the running pipeline for an id from /job-stop/, posts no result for it, and goes on", async () => {
    const never = gate();
    let started!: (signal: AbortSignal) => void;
    const engineStarted = new Promise<AbortSignal>((resolve) => {
      started = resolve;
    });
    const engine = new ScriptedEngine({
      replies: [
        async (call) => {
          started(call.signal!);
          await never.wait(call.signal);
          return { text: "never" };
        },
      ],
      fallback: { text: "second" },
    });
    rp.standIn.enqueue(completionJob("c1"));
    const harness = rp.start({ engine });

    const signal = await engineStarted;
    const poll = await rp.standIn.waitFor((r) => r.route === "job-stop");
    expect(poll.method).toBe("GET");
    // The template's empty `?` is kept; fetch drops an empty query when it sends the request.
    expect(poll.url).toBe("/v2/ep1/job-stop/pod-7");
    expect(poll.headers.authorization).toBe("rpa_KEY123");

    rp.standIn.stopJobs("unknown-id", "c1");
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      signal.addEventListener("abort", () => resolve(), { once: true });
    });
    expect(signal.reason).toBeInstanceOf(DeliberateError);
    expect((signal.reason as DeliberateError).code).toBe("cancelled");

    rp.standIn.enqueue(completionJob("c2"));
    const done = await rp.standIn.waitForDone("c2");
    expect((done.json as { output: { output: string } }).output.output).toBe("second");
    expect(rp.standIn.of("job-done").map((r) => r.jobId)).toEqual(["c2"]);
    expect(harness.worker.runningJobIds).not.toContain("c1");
  });

  it("keeps polling job-stop after 204 and 429 answers", async () => {
    rp.standIn.script("job-stop", { status: 204 }, { status: 429 }, { status: 500 });
    rp.start({ engine: new ScriptedEngine() });
    await rp.standIn.waitFor((r) => r.route === "job-stop" && rp.standIn.of("job-stop").length >= 4);
  });
});
