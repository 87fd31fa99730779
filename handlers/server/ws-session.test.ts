/** WsSession's order of frames: progress of a request without `stream` is held, never reordered. */
import { afterEach, describe, expect, it, vi } from "vitest";
import { CompletionService } from "../../core/completion-service.js";
import { DEFAULT_BUDGETS } from "../../core/effort.js";
import { generateKey } from "../../core/seal.js";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { FULL_RUN_STEP_EVENTS } from "../../test/support/step-events.js";
import { PROGRESS_HOLD_MS, WsSession } from "./ws-session.js";

/** Waits on setImmediate, which the fake timers below leave real (vi.waitFor would advance them). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  expect(condition()).toBe(true);
}

interface Frame {
  type: string;
  id?: string;
  step?: string;
  status?: string;
}

/** A session over a scripted engine whose calls each wait for the test to release them. */
function session() {
  const gates: (() => void)[] = [];
  const engine = new ScriptedEngine({
    fallback: () => new Promise((resolve) => gates.push(() => resolve({ text: "yes" }))),
  });
  const service = new CompletionService({
    engine,
    budgets: DEFAULT_BUDGETS,
    answerCap: 64,
    maxConcurrency: 4,
    maxQueue: 4,
    requestTimeoutMs: 60_000,
    cache: { ttlMs: 0, maxEntries: 0 },
    sealKey: generateKey(),
  });
  const sent: Frame[] = [];
  const ws = new WsSession({
    service,
    maxInflight: 4,
    maxFrameBytes: 64 * 1024,
    send: (text) => sent.push(JSON.parse(text) as Frame),
  });
  const create = (id: string, stream: boolean) =>
    ws.handleFrame(
      JSON.stringify({
        type: "completion.create",
        id,
        request: { prompt: "Q", thinking_effort: "low", stream },
      }),
      false,
    );
  /** Releases the engine's next call once it has been made. */
  const release = async () => {
    await until(() => gates.length > 0);
    gates.shift()!();
  };
  const label = (f: Frame) => (f.type === "completion.step" ? `${f.step}:${f.status}` : f.type);
  return {
    ws,
    sent,
    create,
    release,
    engine,
    of: (id: string) => sent.filter((f) => f.id === id).map(label),
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("WsSession progress frames", () => {
  it("without stream: held until the next frame, which they precede", async () => {
    const s = session();
    s.create("a", false);
    await until(() => s.engine.calls.length === 1);
    expect(s.sent).toEqual([]); // queued and think:started are held
    s.ws.handleFrame('{"type":"ping"}', false);
    expect(s.sent.map((f) => f.type)).toEqual(["completion.queued", "completion.step", "pong"]);
    for (let i = 0; i < 4; i++) await s.release();
    await until(() => s.of("a").at(-1) === "completion.result");
    expect(s.of("a")).toEqual(["completion.queued", ...FULL_RUN_STEP_EVENTS, "completion.result"]);
  });

  it(`without stream: sent by the hold timer (${PROGRESS_HOLD_MS} ms) when no other frame comes`, async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const s = session();
    s.create("a", false);
    await until(() => s.engine.calls.length === 1);
    vi.advanceTimersByTime(PROGRESS_HOLD_MS - 1);
    expect(s.sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(s.of("a")).toEqual(["completion.queued", "think:started"]);
  });

  it("with stream: every frame leaves at once, and flushes what another request held before it", async () => {
    const s = session();
    s.create("quiet", false);
    await until(() => s.engine.calls.length === 1);
    s.create("live", true);
    await until(() => s.engine.calls.length === 2);
    expect(s.sent.map((f) => `${f.id} ${f.type}`)).toEqual([
      "quiet completion.queued",
      "quiet completion.step",
      "live completion.queued",
      "live completion.step",
    ]);
  });

  it("a closed session drops what it held", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const s = session();
    s.create("a", false);
    await until(() => s.engine.calls.length === 1);
    s.ws.close();
    vi.advanceTimersByTime(PROGRESS_HOLD_MS);
    expect(s.sent).toEqual([]);
  });
});
