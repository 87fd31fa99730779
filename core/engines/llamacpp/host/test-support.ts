/**
 * Shared by the host tests: a HostEngine on the generated demo model in a temporary cache folder,
 * with test faults enabled and every log record kept. Real child processes, real llama.cpp.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DeliberateError } from "../../../errors.js";
import { HostEngine, type HostEngineConfig } from "./host-engine.js";

export interface TestHost {
  engine: HostEngine;
  logs: Array<{ level: string; msg: string; fields: Record<string, unknown> | undefined }>;
  dispose(): Promise<void>;
}

export async function startTestHost(config: Partial<HostEngineConfig> = {}): Promise<TestHost> {
  const cacheDir = await mkdtemp(path.join(tmpdir(), "engine-host-test-"));
  const logs: TestHost["logs"] = [];
  const engine = await HostEngine.start({
    faults: true,
    log: (level, msg, fields) => logs.push({ level, msg, fields }),
    ...config,
    engine: { model: "demo", cacheDir, ...config.engine },
  });
  return {
    engine,
    logs,
    async dispose() {
      await engine.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the next `name` event of the engine. */
export function nextEvent<T>(engine: HostEngine, name: "up" | "exit" | "cancel"): Promise<T> {
  return new Promise((resolve) => engine.events.once(name, resolve));
}

/** A promise's outcome as a value, so that several can be awaited and compared. */
export async function outcome<T>(
  promise: Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: DeliberateError }> {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, error: error as DeliberateError };
  }
}
