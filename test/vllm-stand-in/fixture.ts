/**
 * A started stand-in plus a vLLM engine pointed at it, for the engine and pipeline tests.
 * Backoff delays are tiny so retry tests stay fast; the start-up checks run unless start is false.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { createVllmEngine, type VllmEngine, type VllmEngineOptions } from "../../core/engines/vllm/index.js";
import { type StandInOptions, startStandIn, type VllmStandIn } from "./server.js";

export interface Fixture {
  standIn: VllmStandIn;
  engine: VllmEngine;
  stop(): Promise<void>;
}

export async function standInWithEngine(
  options: { standIn?: StandInOptions; engine?: Partial<VllmEngineOptions>; start?: boolean } = {},
): Promise<Fixture> {
  const standIn = await startStandIn(options.standIn);
  const engine = createVllmEngine({
    baseUrl: standIn.url,
    model: standIn.options.model,
    retry: { attempts: 4, baseDelayMs: 1, maxDelayMs: 5 },
    ...options.engine,
  });
  if (options.start !== false) {
    await engine.start();
    standIn.clearRecords();
  }
  return { standIn, engine, stop: () => standIn.stop() };
}

/**
 * One stand-in and engine for a whole test file: started before its tests, stopped after them,
 * with no recorded violation. Returns a getter for the fixture.
 */
export function standInForFile(options: Parameters<typeof standInWithEngine>[0] = {}): () => Fixture {
  let f: Fixture | undefined;
  beforeAll(async () => {
    f = await standInWithEngine(options);
  });
  afterAll(async () => {
    expect(f?.standIn.violations).toEqual([]);
    await f?.stop();
  });
  return () => f!;
}
