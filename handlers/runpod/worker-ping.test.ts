import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { JobApiStandIn } from "./testing/job-api-stand-in.js";
import { completionJob, gate, startWorker, type Harness } from "./testing/worker-harness.js";

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

describe("heartbeat ping", () => {
  it("pings with no job ids when idle and lists the running job ids while busy", async () => {
    const g = gate();
    const engine = new ScriptedEngine({
      fallback: async (call) => {
        await g.wait(call.signal);
        return { text: "ok" };
      },
    });
    harness = startWorker(standIn, { engine, concurrency: 2 });
    const idle = await standIn.waitFor((r) => r.route === "ping");
    expect(idle.method).toBe("GET");
    expect(idle.path).toBe("/v2/ep1/ping/pod-7");
    expect(idle.query.job_id).toBeUndefined();
    expect(idle.query.runpod_version).toBeTruthy();
    expect(idle.headers.authorization).toBe("rpa_KEY123");

    standIn.enqueue(completionJob("p1"), completionJob("p2"));
    const busy = await standIn.waitFor((r) => r.route === "ping" && (r.query.job_id ?? "").includes(","));
    expect(busy.query.job_id!.split(",").sort()).toEqual(["p1", "p2"]);
    expect(busy.url).toMatch(/^\/v2\/ep1\/ping\/pod-7\?job_id=p[12]%2Cp[12]&runpod_version=/);

    g.release();
    await Promise.all([standIn.waitForDone("p1"), standIn.waitForDone("p2")]);
    const count = standIn.of("ping").length;
    const after = await standIn.waitFor((r) => r.route === "ping" && standIn.of("ping").length > count);
    expect(after.query.job_id).toBeUndefined();
  });

  it("does not ping when RUNPOD_WEBHOOK_PING is PING_NOT_SET", async () => {
    standIn.enqueue(completionJob("np"));
    harness = startWorker(standIn, {
      engine: new ScriptedEngine({ fallback: { text: "x" } }),
      env: { RUNPOD_WEBHOOK_PING: "PING_NOT_SET" },
    });
    await standIn.waitForDone("np");
    await harness.stop();
    harness = undefined;
    expect(standIn.of("ping")).toHaveLength(0);
  });
});
