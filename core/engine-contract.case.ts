/**
 * The Engine contract as one suite of cases (like Hono's src/router/common.case.test.ts): every
 * Engine implementation runs it from its own small test file, so the pipeline can rely on the same
 * behaviour from vLLM, the embedded llama.cpp engine and the test double.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompletionCall, CompletionOutput, Engine } from "./engine.js";
import { DeliberateError } from "./errors.js";

export interface EngineSubject {
  engine: Engine;
  dispose?(): Promise<void>;
}

/** A free-text prompt in the pipeline's shape (ChatML, an open think block). */
export const CONTRACT_PROMPT =
  "<|im_start|>user\nName a colour and say why.<|im_end|>\n<|im_start|>assistant\n<think>\n";

const call = (extra: Partial<CompletionCall> = {}): CompletionCall => ({
  prompt: CONTRACT_PROMPT,
  maxTokens: 40,
  sampling: { temperature: 0.8, topP: 0.95, topK: 40, minP: 0, seed: 3 },
  ...extra,
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error("the call resolved; it should have been refused");
}

export function runEngineContract(name: string, makeEngine: () => Promise<EngineSubject>): void {
  describe(`Engine contract: ${name}`, () => {
    let subject: EngineSubject;
    let engine: Engine;
    beforeAll(async () => {
      subject = await makeEngine();
      engine = subject.engine;
    });
    afterAll(async () => {
      await subject?.dispose?.();
    });

    it("refuses a call whose signal has already fired, with the signal's reason", async () => {
      const reason = new DeliberateError("cancelled", "cancelled before the call");
      const err = await rejection(engine.completion(call({ signal: AbortSignal.abort(reason) })));
      expect(err).toBeInstanceOf(DeliberateError);
      expect(err).toMatchObject({ code: "cancelled", message: reason.message });
    });

    it("rejects with the signal's reason when aborted during a call, and no delta follows at once", async () => {
      const controller = new AbortController();
      const reason = new DeliberateError("timeout", "the deadline passed during the call");
      let afterAbort = 0;
      const started = performance.now();
      const err = await rejection(
        engine.completion(
          call({
            maxTokens: 200,
            signal: controller.signal,
            onDelta: () => {
              if (controller.signal.aborted) afterAbort++;
              else controller.abort(reason);
            },
          }),
        ),
      );
      expect(controller.signal.aborted).toBe(true);
      expect(err).toBeInstanceOf(DeliberateError);
      expect(err).toMatchObject({ code: "timeout", message: reason.message });
      expect(afterAbort).toBeLessThanOrEqual(1);
      expect(performance.now() - started).toBeLessThan(5_000); // liveness, not speed
    });

    it("streams deltas that concatenate to the text", async () => {
      const deltas: string[] = [];
      const out = await engine.completion(call({ onDelta: (text) => deltas.push(text) }));
      expect(out.text.length).toBeGreaterThan(0);
      expect(deltas.length).toBeGreaterThan(0);
      expect(deltas.join("")).toBe(out.text);
    });

    it("ends at a stop string, finish reason stop, with the stop string left out of the text", async () => {
      const free = await engine.completion(call());
      // A stop string taken from the middle of what the same seeded call writes without one.
      const at = Math.floor(free.text.length / 2);
      const stop = free.text.slice(at, at + 2);
      expect(stop.trim().length, `no stop string to take from ${JSON.stringify(free.text)}`).toBe(2);
      const out = await engine.completion(call({ stop: [stop] }));
      expect(out.finishReason).toBe("stop");
      expect(out.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
      expect(out.text).not.toContain(stop);
    });

    it("ends at max tokens with finish reason length and exactly that many tokens", async () => {
      const out = await engine.completion(call({ maxTokens: 3 }));
      expect(out.finishReason).toBe("length");
      expect(out.completionTokens).toBe(3);
    });

    it("counts prompt tokens as countTokens does, and completion tokens within max tokens", async () => {
      const outputs: CompletionOutput[] = [];
      for (const maxTokens of [5, 40]) outputs.push(await engine.completion(call({ maxTokens })));
      const promptTokens = await engine.countTokens(CONTRACT_PROMPT);
      expect(promptTokens).toBeGreaterThan(0);
      for (const [i, out] of outputs.entries()) {
        expect(out.promptTokens).toBe(promptTokens);
        expect(out.completionTokens).toBeGreaterThan(0);
        expect(out.completionTokens).toBeLessThanOrEqual([5, 40][i]!);
        if (out.cachedTokens !== null) expect(out.cachedTokens).toBeLessThanOrEqual(out.promptTokens);
      }
    });

    it("answers a choice constraint with exactly one of the choices", async () => {
      const choices = ["red", "green", "blue"];
      for (const seed of [1, 2, 3]) {
        const out = await engine.completion(
          call({
            constraint: { kind: "choice", choices },
            sampling: { ...call().sampling, seed },
          }),
        );
        expect(choices).toContain(out.text);
        expect(out.finishReason).toBe("stop");
      }
    });

    it("answers a regex constraint with text the whole pattern matches", async () => {
      const out = await engine.completion(
        call({ maxTokens: 20, constraint: { kind: "regex", pattern: "[0-9]{3}-[a-z]{2}" } }),
      );
      expect(out.text).toMatch(/^[0-9]{3}-[a-z]{2}$/);
      expect(out.finishReason).toBe("stop");
    });

    it("continues from its own ids: a prompt given as pieces answers as the same prompt in text", async () => {
      const greedy = { temperature: 0, topP: 1, topK: 1, minP: 0, seed: 1 };
      const first = await engine.completion(call({ maxTokens: 8, sampling: greedy, returnTokens: true }));
      // An engine that reports ids reports the prompt's and at most the tokens it counted.
      if (first.tokens) {
        expect(first.tokens.prompt).toHaveLength(first.promptTokens);
        expect(first.tokens.generated.length).toBeLessThanOrEqual(first.completionTokens);
      }
      const sequence = CONTRACT_PROMPT + first.text;
      const suffix = "\n</think>\n\n";
      const tokens = first.tokens && [...first.tokens.prompt, ...first.tokens.generated];
      const next = (pieces?: CompletionCall["pieces"]) =>
        engine.completion(
          call({
            prompt: sequence + suffix,
            ...(pieces ? { pieces } : {}),
            maxTokens: 8,
            sampling: greedy,
            constraint: { kind: "choice", choices: ["red", "green", "blue"] },
          }),
        );
      const viaText = await next();
      const viaPieces = await next([{ text: sequence, ...(tokens ? { tokens } : {}) }, { text: suffix }]);
      expect(viaPieces.text).toBe(viaText.text);
      expect(viaPieces.finishReason).toBe("stop");
    });

    it("refuses a call that cannot fit the context with a DeliberateError (context_overflow)", async () => {
      const tooMany = engine.modelInfo().maxModelLen + 1;
      const err = await rejection(engine.completion(call({ maxTokens: tooMany })));
      expect(err).toBeInstanceOf(DeliberateError);
      expect(err).toMatchObject({ code: "context_overflow" });
    });
  });
}
