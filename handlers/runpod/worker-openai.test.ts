/**
 * worker-vllm's OpenAI routes as jobs: what RunPod sends for `/openai/v1/...` URLs. The worker
 * answers with worker-vllm's output shape: every item is posted to job-stream and the output is
 * the list of them (SSE event strings when streamed, else the one response object).
 */
import { createParser } from "eventsource-parser";
import { describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { useWorkerHarness } from "../../test/support/runpod/worker-harness.js";

const rp = useWorkerHarness();

const engine = () =>
  new ScriptedEngine({
    fallback: (call) => ({ text: call.stop ? "hmm" : call.constraint ? '{"ok":true}' : "plain" }),
  });
const chat = (extra: Record<string, unknown> = {}) => ({
  openai_route: "/v1/chat/completions",
  openai_input: {
    model: "deliberate",
    messages: [{ role: "user", content: "ok?" }],
    response_format: { type: "json_object" },
    ...extra,
  },
});
const outputOf = (done: { json: unknown }) => (done.json as { output: unknown[] }).output;
const streamed = () => rp.standIn.of("job-stream").map((p) => (p.json as { output: unknown }).output);

describe("openai_route jobs", () => {
  it("/v1/chat/completions without stream: output [chat.completion], also posted as a stream item", async () => {
    rp.standIn.enqueue({ id: "c1", input: chat() });
    rp.start({ engine: engine() });
    const done = await rp.standIn.waitForDone("c1");
    expect(done.url).toBe("/v2/ep1/job-done/pod-7/c1?isStream=true");
    const output = outputOf(done);
    expect(output).toHaveLength(1);
    expect(output[0]).toMatchObject({
      id: "chatcmpl-c1",
      object: "chat.completion",
      model: "deliberate",
      choices: [{ message: { content: '{"ok":true}', reasoning_content: 'hmm\n\n{"ok":true}\n\nhmm' } }],
    });
    expect(streamed()).toEqual(output);
  });

  it("/v1/chat/completions with stream: SSE event strings ending in [DONE], output the same list", async () => {
    rp.standIn.enqueue({ id: "s1", input: chat({ stream: true, stream_options: { include_usage: true } }) });
    rp.start({ engine: engine() });
    const output = outputOf(await rp.standIn.waitForDone("s1")) as string[];
    expect(output.at(-1)).toBe("data: [DONE]\n\n");
    const data: string[] = [];
    const parser = createParser({ onEvent: (e) => data.push(e.data) });
    for (const text of output) parser.feed(text);
    expect(data).toHaveLength(output.length);
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    const reasoning = chunks.map((c) => c.choices[0]?.delta.reasoning_content ?? "").join("");
    expect(content).toBe('{"ok":true}');
    expect(reasoning).toBe('hmm\n\n{"ok":true}\n\nhmm');
    expect(chunks.at(-1).usage.completion_tokens).toBeGreaterThan(0);
    // Stream posts may merge nothing here: each SSE event is its own item, in order.
    expect(streamed().join("")).toBe(output.join(""));
  });

  it("/v1/completions and /v1/models (a bare route, as worker-vllm proxies it as GET)", async () => {
    rp.standIn.enqueue(
      {
        id: "t1",
        input: { openai_route: "/v1/completions", openai_input: { model: "deliberate", prompt: "say" } },
      },
      { id: "m1", input: { openai_route: "/v1/models" } },
    );
    rp.start({ engine: engine() });
    expect(outputOf(await rp.standIn.waitForDone("t1"))[0]).toMatchObject({
      object: "text_completion",
      choices: [{ text: "plain", finish_reason: "stop" }],
    });
    expect(outputOf(await rp.standIn.waitForDone("m1"))[0]).toMatchObject({
      object: "list",
      data: [{ id: "scripted-model" }, { id: "deliberate" }],
    });
  });

  it("a refused parameter fails the job with OpenAI's error object as RunPod's error string", async () => {
    rp.standIn.enqueue(
      { id: "empty", input: chat({ messages: [] }) },
      { id: "bad", input: chat({ tools: [{ type: "function", function: { name: "f" } }] }) },
    );
    rp.start({ engine: engine() });
    const empty = JSON.parse(((await rp.standIn.waitForDone("empty")).json as { error: string }).error);
    expect(empty.error).toMatchObject({ code: "invalid_request", param: "openai_input.messages" });
    const done = await rp.standIn.waitForDone("bad");
    const body = done.json as { error: string };
    expect(JSON.parse(body.error)).toEqual({
      error: {
        message: expect.stringContaining("tools"),
        type: "invalid_request_error",
        param: "tools",
        code: "invalid_request",
      },
    });
  });
});
