import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { Agent, request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { standInWithEngine, type Fixture } from "../../../test/vllm-stand-in/fixture.js";
import type { CompletionCall } from "../../engine.js";
import { readSse } from "./sse.js";

const streamOf = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));

async function collect(...chunks: string[]) {
  const data: string[] = [];
  const end = await readSse(streamOf(...chunks), (d) => data.push(d));
  return { data, end };
}

describe("readSse", () => {
  it("yields each data payload and stops at [DONE]", async () => {
    expect(
      await collect('data: {"a":1}\n\ndata: {"a":2}\n\n', "data: [DONE]\n\n", 'data: {"late":1}\n\n'),
    ).toEqual({
      data: ['{"a":1}', '{"a":2}'],
      end: "done",
    });
  });

  it("reassembles events split across chunks, CRLF line ends included, and skips comments", async () => {
    expect(
      await collect("da", 'ta: {"a"', ":1}\r", "\n\r\n: keep-alive\n\n", "data: [DO", "NE]\r\n\r\n"),
    ).toEqual({
      data: ['{"a":1}'],
      end: "done",
    });
  });

  it("reports a stream that ends without [DONE]", async () => {
    expect(await collect('data: {"a":1}\n\ndata: {"b"')).toEqual({ data: ['{"a":1}', '{"b"'], end: "eof" });
  });

  it("destroys the body when the consumer throws", async () => {
    let cancelled = false;
    const body = new Readable({
      read() {
        this.push(Buffer.from('data: {"x":1}\n\n'));
      },
      destroy(err, callback) {
        cancelled = true;
        callback(err);
      },
    });
    await expect(
      readSse(body, () => {
        throw new Error("stop");
      }),
    ).rejects.toThrow("stop");
    expect(cancelled).toBe(true);
  });
});

describe("readSse and the connection", () => {
  it("reads a body to its end after [DONE] rather than cancelling it, so the connection is reused", async () => {
    let opened = 0;
    // Like vLLM under load: [DONE] is written, and the response ends a little later.
    const server = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.write('data: {"n":1}\n\ndata: [DONE]\n\n');
      setTimeout(() => res.end(), 30);
    });
    server.on("connection", () => opened++);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const dispatcher = new Agent();
    try {
      for (let i = 0; i < 6; i++) {
        const response = await request(url, { dispatcher });
        expect(await readSse(response.body, () => undefined)).toBe("done");
      }
      // Six calls; destroying the body after [DONE] closes each socket (6 opened). Reading to the end
      // lets undici pool it; the second call may still race the pool's release, hence at most 2.
      expect(opened).toBeLessThanOrEqual(2);
    } finally {
      await dispatcher.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("streamed completions", () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await standInWithEngine({ standIn: { promptTokensDetails: true } });
  });
  afterEach(async () => {
    expect(f.standIn.violations).toEqual([]);
    await f.stop();
  });

  const call = (onDelta: (t: string) => void, extra: Partial<CompletionCall> = {}): CompletionCall => ({
    prompt: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n",
    maxTokens: 100,
    stop: ["</think>"],
    sampling: { temperature: 0.6, topP: 0.95, topK: 20, minP: 0 },
    onDelta,
    ...extra,
  });

  it("passes every delta on, and the text, finish reason and usage chunk add up", async () => {
    const deltas: string[] = [];
    const out = await f.engine.completion(call((t) => deltas.push(t)));
    expect(deltas.length).toBeGreaterThan(5);
    expect(deltas.join("")).toBe(out.text);
    expect(out.text).toBe("The user asks a question. I will work it out step by step and then answer.\n");
    expect(out.finishReason).toBe("stop");
    // vLLM counts the `</think>` token that produced the stop string, though the text leaves it out.
    expect(out.completionTokens).toBe(deltas.length + 1);
    expect(out.promptTokens).toBe(12); // as the stand-in counted them
    expect(out.cachedTokens).toBeNull(); // first sight of this prompt
  });

  it("reads cached tokens from the usage chunk when vLLM reports them", async () => {
    const long = `<|im_start|>user\n${"word ".repeat(40)}<|im_end|>\n<|im_start|>assistant\n<think>\n`;
    await f.engine.completion(call(() => undefined, { prompt: long }));
    const out = await f.engine.completion(call(() => undefined, { prompt: long }));
    expect(out.cachedTokens).toBe(48); // whole 16-token blocks of the repeated prompt
  });

  it("maps a length cut and vLLM's repetition stop to length", async () => {
    const cut = await f.engine.completion(call(() => undefined, { maxTokens: 3 }));
    expect(cut).toMatchObject({ text: "The user asks", finishReason: "length", completionTokens: 3 });
    f.standIn.enqueue({ text: "ab ab ab ab", finishReason: "repetition" });
    expect((await f.engine.completion(call(() => undefined))).finishReason).toBe("length");
    f.standIn.enqueue({ text: "partial", finishReason: "abort" });
    expect((await f.engine.completion(call(() => undefined))).finishReason).toBe("abort");
  });

  it("streamAlways streams from vLLM without onDelta and returns the same completion", async () => {
    const plain = await f.engine.completion(call(() => undefined, { onDelta: undefined }));
    const streaming = await standInWithEngine({ engine: { streamAlways: true } });
    try {
      const streamed = await streaming.engine.completion(call(() => undefined, { onDelta: undefined }));
      expect(streaming.standIn.completionBodies()[0]).toMatchObject({
        stream: true,
        stream_options: { include_usage: true },
      });
      expect(streamed).toEqual({ ...plain, cachedTokens: null });
      expect(streaming.standIn.violations).toEqual([]);
    } finally {
      await streaming.stop();
    }
  });
});
