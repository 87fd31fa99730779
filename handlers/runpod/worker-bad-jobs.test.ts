import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import type { RecordedRequest } from "../../test/support/runpod/job-api-stand-in.js";
import { completionJob, useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

const rp = useWorkerHarness();

/** The envelope inside RunPod's `{"error": "<string>"}` body. */
function envelopeOf(request: RecordedRequest): { error: Record<string, string> } {
  const body = request.json as Record<string, unknown>;
  expect(Object.keys(body)).toEqual(["error"]);
  expect(typeof body.error).toBe("string");
  return JSON.parse(body.error as string);
}

describe("bad jobs do not stop the worker", () => {
  it("answers each bad job with RunPod's error body carrying our envelope, and takes the next", async () => {
    rp.standIn.enqueue(
      { id: "bad-type", input: { prompt: 5 } },
      { id: "bad-shape", input: { question: "what?" } },
      { id: "bad-input", input: "just text" },
      { id: "no-input" },
      { input: { prompt: "no id" } },
      "not even an object",
      { id: "both", input: { prompt: "a", messages: [{ role: "user", content: "b" }] } },
      { id: "bad-route", input: { openai_route: "/v1/responses", openai_input: { input: "hi" } } },
      completionJob("good"),
    );
    rp.start({ engine: new ScriptedEngine({ fallback: { text: "fine" } }) });
    const good = await rp.standIn.waitForDone("good");
    expect((good.json as { output: { output: string } }).output.output).toBe("fine");

    const failed = (id: string) => envelopeOf(rp.standIn.of("job-done").find((r) => r.jobId === id)!).error;
    expect(failed("bad-type")).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_request",
      param: "prompt",
    });
    expect(failed("bad-shape")).toMatchObject({ code: "invalid_request" });
    expect(failed("bad-input")).toMatchObject({ code: "invalid_request", param: "input" });
    expect(failed("no-input")).toMatchObject({ code: "invalid_request", param: "input" });
    expect(failed("both")).toMatchObject({ code: "invalid_request", param: "messages" });
    expect(failed("bad-route")).toMatchObject({ code: "invalid_request", param: "openai_route" });
    // Jobs without an id cannot be answered: they are dropped, not reported.
    expect(rp.standIn.of("job-done").map((r) => r.jobId)).toEqual([
      "bad-type",
      "bad-shape",
      "bad-input",
      "no-input",
      "both",
      "bad-route",
      "good",
    ]);
  });

  it("reports pipeline errors (a truncated answer) with the failing step", async () => {
    rp.standIn.enqueue(completionJob("cut"), completionJob("ok"));
    const engine = new ScriptedEngine({
      replies: [{ text: "{", finishReason: "length" }],
      fallback: { text: "y" },
    });
    rp.start({ engine });
    await rp.standIn.waitForDone("ok");
    const cut = rp.standIn.of("job-done").find((r) => r.jobId === "cut")!;
    expect(cut.url).toBe("/v2/ep1/job-done/pod-7/cut?isStream=false");
    expect(envelopeOf(cut).error).toMatchObject({ code: "answer_truncated", step: "final" });
  });

  it("serves embeddings jobs: {embeddings: {...}} and worker-vllm's openai_route /v1/embeddings", async () => {
    rp.standIn.enqueue(
      { id: "e1", input: { embeddings: { input: "hello" } } },
      {
        id: "e2",
        input: { openai_route: "/v1/embeddings", openai_input: { model: "m", input: ["ab", "cde"] } },
      },
      { id: "e3", input: { embeddings: { input: "x" }, prompt: "extra" } },
    );
    rp.start({ engine: new ScriptedEngine() });
    const [e1, e2, e3] = await Promise.all(["e1", "e2", "e3"].map((id) => rp.standIn.waitForDone(id)));
    expect((e1!.json as { output: unknown }).output).toEqual({
      object: "list",
      model: "scripted-model",
      data: [{ object: "embedding", index: 0, embedding: [5, 1, 0] }],
      usage: { prompt_tokens: 2, total_tokens: 2 },
    });
    const out2 = (e2!.json as { output: { data: { index: number; embedding: number[] }[] } }).output;
    expect(out2.data.map((d) => d.embedding)).toEqual([
      [2, 1, 0],
      [3, 1, 0],
    ]);
    expect(envelopeOf(e3!).error).toMatchObject({ code: "invalid_request", param: "prompt" });
  });
});
