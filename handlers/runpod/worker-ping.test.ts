import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { completionJob, gatedEngine, useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

const rp = useWorkerHarness();

describe("heartbeat ping", () => {
  it("pings with no job ids when idle and lists the running job ids while busy", async () => {
    const { engine, release } = gatedEngine("ok");
    rp.start({ engine, concurrency: 2 });
    const idle = await rp.standIn.waitFor((r) => r.route === "ping");
    expect(idle.method).toBe("GET");
    expect(idle.path).toBe("/v2/ep1/ping/pod-7");
    expect(idle.query.job_id).toBeUndefined();
    expect(idle.query.runpod_version).toBeTruthy();
    expect(idle.headers.authorization).toBe("rpa_KEY123");

    rp.standIn.enqueue(completionJob("p1"), completionJob("p2"));
    const busy = await rp.standIn.waitFor((r) => r.route === "ping" && (r.query.job_id ?? "").includes(","));
    expect(busy.query.job_id!.split(",").sort()).toEqual(["p1", "p2"]);
    expect(busy.url).toMatch(/^\/v2\/ep1\/ping\/pod-7\?job_id=p[12]%2Cp[12]&runpod_version=/);

    release();
    await Promise.all([rp.standIn.waitForDone("p1"), rp.standIn.waitForDone("p2")]);
    const count = rp.standIn.of("ping").length;
    const after = await rp.standIn.waitFor((r) => r.route === "ping" && rp.standIn.of("ping").length > count);
    expect(after.query.job_id).toBeUndefined();
  });

  it("does not ping when RUNPOD_WEBHOOK_PING is PING_NOT_SET", async () => {
    rp.standIn.enqueue(completionJob("np"));
    const harness = rp.start({
      engine: new ScriptedEngine({ fallback: { text: "x" } }),
      env: { RUNPOD_WEBHOOK_PING: "PING_NOT_SET" },
    });
    await rp.standIn.waitForDone("np");
    await harness.stop();
    expect(rp.standIn.of("ping")).toHaveLength(0);
  });
});
