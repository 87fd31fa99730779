/**
 * The worker loop on the real stack: embedded llama.cpp engine (generated demo model) behind core's
 * CompletionService, against the stand-in of RunPod's job API. Every request is checked.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DemoStack, startDemoStack } from "../../test/support/demo-service.js";
import { useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

let stack: DemoStack;
const rp = useWorkerHarness({ endpointId: "ep2", podId: "pod-e", apiKey: "rpa_EMB" });

beforeAll(async () => {
  stack = await startDemoStack(2);
});
afterAll(async () => {
  await stack?.dispose();
});

const schema = {
  type: "object",
  properties: { answer: { type: "string", maxLength: 8 }, n: { type: "integer" } },
  required: ["answer", "n"],
  additionalProperties: false,
};

describe("worker on the embedded engine", () => {
  it("batch-takes two jobs, runs them and posts schema-valid results with the RunPod ids", async () => {
    rp.standIn.enqueue(
      {
        id: "j1",
        input: { prompt: "Reply as JSON.", thinking_effort: "none", structured_outputs: { json: schema } },
      },
      {
        id: "j2",
        input: {
          messages: [{ role: "user", content: "Yes or no?" }],
          structured_outputs: { choice: ["yes", "no"] },
        },
      },
    );
    rp.start({ service: stack.service, concurrency: 2 });
    const [d1, d2] = await Promise.all([rp.standIn.waitForDone("j1"), rp.standIn.waitForDone("j2")]);

    const take = rp.standIn.of("job-take-batch")[0]!;
    expect(take.url).toBe("/v2/ep2/job-take-batch/pod-e?batch_size=2&job_in_progress=0");
    expect(take.headers.authorization).toBe("rpa_EMB");
    for (const [done, id] of [
      [d1!, "j1"],
      [d2!, "j2"],
    ] as const) {
      expect(done.method).toBe("POST");
      expect(done.url).toBe(`/v2/ep2/job-done/pod-e/${id}?isStream=false`);
      expect(done.headers.authorization).toBe("rpa_EMB");
      expect(done.headers["content-type"]).toBe("application/x-www-form-urlencoded");
      expect(done.headers["x-request-id"]).toBe(id);
    }
    const r1 = (
      d1!.json as { output: { output: { answer: string; n: number }; job_id: string; valid: boolean } }
    ).output;
    expect(r1.valid).toBe(true);
    expect(r1.job_id).toBe("j1");
    expect(Object.keys(r1.output).sort()).toEqual(["answer", "n"]);
    expect(Number.isInteger(r1.output.n)).toBe(true);
    const r2 = (d2!.json as { output: { output: string; effort: string; steps: unknown[] } }).output;
    expect(["yes", "no"]).toContain(r2.output);
    expect(r2.effort).toBe("low");
    expect(r2.steps).toHaveLength(4);
  });

  it("streams the real engine's step events and deltas, which rebuild the result's texts", async () => {
    rp.standIn.enqueue({
      id: "s1",
      input: {
        prompt: "Pick a colour.",
        thinking_effort: "low",
        stream: true,
        include_thinking: true,
        structured_outputs: { choice: ["red", "green", "blue"] },
      },
    });
    rp.start({ service: stack.service });
    const done = await rp.standIn.waitForDone("s1");
    expect(done.url).toBe("/v2/ep2/job-done/pod-e/s1?isStream=true");
    const result = (
      done.json as {
        output: { output: string; text: string; draft: string; thinking: { think: string; reflect: string } };
      }
    ).output;
    expect(["red", "green", "blue"]).toContain(result.output);

    const posts = rp.standIn.of("job-stream");
    for (const post of posts) {
      expect(post.url).toBe("/v2/ep2/job-stream/pod-e/s1?isStream=false");
      expect(post.headers.authorization).toBe("rpa_EMB");
    }
    const items = posts.map(
      (p) => (p.json as { output: { type: string; step: string; text?: string } }).output,
    );
    const joined = (step: string) =>
      items
        .filter((i) => i.type === "completion.delta" && i.step === step)
        .map((i) => i.text)
        .join("");
    expect(joined("think")).toBe(result.thinking.think);
    expect(joined("draft")).toBe(result.draft);
    expect(joined("reflect")).toBe(result.thinking.reflect);
    expect(joined("final")).toBe(result.text);
    expect(items.filter((i) => i.type === "completion.step")).toHaveLength(8);
  });

  it("answers an embeddings job and a bad job, then keeps going", async () => {
    rp.standIn.enqueue(
      { id: "e1", input: { openai_route: "/v1/embeddings", openai_input: { input: ["alpha", "beta"] } } },
      { id: "bad", input: { prompt: "x", thinking_effort: "extreme" } },
      {
        id: "ok",
        input: { prompt: "Hi", thinking_effort: "none", structured_outputs: { regex: "[a-c]{3}" } },
      },
    );
    rp.start({ service: stack.service });
    const [e1, bad, ok] = await Promise.all(["e1", "bad", "ok"].map((id) => rp.standIn.waitForDone(id)));
    const emb = (e1!.json as { output: { data: { embedding: number[] }[]; model: string } }).output;
    expect(emb.data).toHaveLength(2);
    expect(emb.data[0]!.embedding.length).toBe(emb.data[1]!.embedding.length);
    const envelope = JSON.parse((bad!.json as { error: string }).error);
    expect(envelope.error).toMatchObject({ code: "invalid_request", param: "thinking_effort" });
    expect((ok!.json as { output: { output: string } }).output.output).toMatch(/^[a-c]{3}$/);
  });
});
