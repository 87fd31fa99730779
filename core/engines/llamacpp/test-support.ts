/**
 * Shared by this folder's tests: the real engine on the generated demo model, in a temporary cache
 * folder, with one thread. Not a double: every test runs real llama.cpp inference.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect } from "vitest";
import { prepareConstraint } from "../../constraints/index.js";
import type { Sampling } from "../../engine.js";
import { createLlamaCppEngine, type LlamaCppEngine, type LlamaCppEngineOptions } from "./index.js";

export interface DemoEngine {
  engine: LlamaCppEngine;
  logs: Array<[string, string]>;
  cacheDir: string;
  dispose(): Promise<void>;
}

export async function startDemoEngine(options: LlamaCppEngineOptions = {}): Promise<DemoEngine> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), "llamacpp-test-"));
  const logs: Array<[string, string]> = [];
  const engine = await createLlamaCppEngine({
    model: "demo",
    cacheDir,
    onLog: (level, message) => logs.push([level, message]),
    ...options,
  });
  return {
    engine,
    logs,
    cacheDir,
    async dispose() {
      await engine.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/**
 * A demo engine for the whole test file: loaded before its tests, disposed after them. The object is
 * filled in by beforeAll, so tests read it as they would the engine itself.
 */
export function useDemoEngine(options: LlamaCppEngineOptions = {}, loadTimeoutMs = 300_000): DemoEngine {
  const demo = {} as DemoEngine;
  beforeAll(async () => {
    Object.assign(demo, await startDemoEngine(options));
  }, loadTimeoutMs);
  afterAll(() => demo.dispose?.());
  return demo;
}

export const sampling = (seed: number, temperature = 0.8): Sampling => ({
  temperature,
  topP: 0.95,
  topK: 40,
  minP: 0,
  seed,
});

export const CHAT_PROMPT = "<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n";

/**
 * Samples a JSON-schema constraint once per seed and checks every finished output with the
 * post-hoc validator. Outputs cut by the token cap are skipped, but at least one must finish, so
 * the check can never pass on zero samples.
 */
export async function expectValidOverSeeds(
  engine: LlamaCppEngine,
  schema: Record<string, unknown>,
  options: { prompt: string; maxTokens: number; seeds?: number[] },
): Promise<void> {
  const { validate } = prepareConstraint({ json: schema })!;
  let produced = 0;
  for (const seed of options.seeds ?? [1, 2, 3, 4, 5, 6]) {
    const out = await engine.completion({
      prompt: options.prompt,
      maxTokens: options.maxTokens,
      constraint: { kind: "json", schema },
      sampling: sampling(seed),
    });
    if (out.finishReason === "length") continue;
    expect(() => validate(out.text), out.text).not.toThrow();
    produced++;
  }
  expect(produced).toBeGreaterThan(0);
}
