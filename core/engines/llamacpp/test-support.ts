/**
 * Shared by this folder's tests: the real engine on the generated demo model, in a temporary cache
 * folder, with one thread. Not a double: every test runs real llama.cpp inference.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
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

export const sampling = (seed: number, temperature = 0.8): Sampling => ({
  temperature,
  topP: 0.95,
  topK: 40,
  minP: 0,
  seed,
});

export const CHAT_PROMPT = "<|im_start|>user\nName a colour.<|im_end|>\n<|im_start|>assistant\n";
