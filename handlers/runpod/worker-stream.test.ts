import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { completionJob, useWorkerHarness } from "../../test/support/runpod/worker-harness.js";
import { FULL_RUN_STEP_EVENTS } from "../../test/support/step-events.js";

const rp = useWorkerHarness();

interface Item {
  type: string;
  id: string;
  step: string;
  status?: string;
  text?: string;
}

describe("job-stream", () => {
  it("posts step events and deltas in order when the request streams, then job-done with isStream=true", async () => {
    const texts = ["thinking about it", "draft answer", "checking again", "final answer"];
    const engine = new ScriptedEngine({ replies: texts.map((text) => ({ text })) });
    rp.standIn.enqueue(completionJob("s1", { thinking_effort: "low", stream: true }));
    rp.start({ engine });
    const done = await rp.standIn.waitForDone("s1");

    const posts = rp.standIn.of("job-stream");
    expect(posts.length).toBeGreaterThan(8);
    for (const post of posts) {
      expect(post.method).toBe("POST");
      expect(post.url).toBe("/v2/ep1/job-stream/pod-7/s1?isStream=false");
      expect(post.headers.authorization).toBe("rpa_KEY123");
      expect(post.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(Object.keys(post.json as object)).toEqual(["output"]);
    }
    const items = posts.map((p) => (p.json as { output: Item }).output);
    expect(items.every((i) => i.id === "s1")).toBe(true);
    const steps = items.filter((i) => i.type === "completion.step").map((i) => `${i.step}:${i.status}`);
    expect(steps).toEqual(FULL_RUN_STEP_EVENTS);
    const completed = items.find((i) => i.type === "completion.step" && i.status === "completed");
    expect(completed).toMatchObject({ prompt_tokens: expect.any(Number), finish_reason: "stop" });
    // Deltas may be merged into fewer posts, but together they are exactly what the engine produced.
    const deltaText = (step: string) =>
      items
        .filter((i) => i.type === "completion.delta" && i.step === step)
        .map((i) => i.text)
        .join("");
    expect(["think", "draft", "reflect", "final"].map(deltaText)).toEqual(texts);
    // Deltas of a step sit between its started and completed events.
    const at = (pred: (i: Item) => boolean) => items.findIndex(pred);
    const thinkDelta = at((i) => i.type === "completion.delta" && i.step === "think");
    expect(thinkDelta).toBeGreaterThan(at((i) => i.step === "think" && i.status === "started"));
    expect(thinkDelta).toBeLessThan(at((i) => i.step === "think" && i.status === "completed"));

    expect(done.url).toBe("/v2/ep1/job-done/pod-7/s1?isStream=true");
    expect(rp.standIn.requests.indexOf(done)).toBeGreaterThan(rp.standIn.requests.indexOf(posts.at(-1)!));
    expect((done.json as { output: { output: string } }).output.output).toBe("final answer");
  });

  it("streams nothing for stream: false, even with thinking steps", async () => {
    rp.standIn.enqueue(completionJob("quiet", { thinking_effort: "low" }));
    rp.start({ engine: new ScriptedEngine({ fallback: { text: "t" } }) });
    const done = await rp.standIn.waitForDone("quiet");
    expect(done.url).toBe("/v2/ep1/job-done/pod-7/quiet?isStream=false");
    expect(rp.standIn.of("job-stream")).toHaveLength(0);
  });
});
