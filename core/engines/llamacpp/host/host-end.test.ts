import { describe, expect, it } from "vitest";
import { afterHostEnd, type HeldRequest } from "./host-end.js";

const held = (over: Partial<HeldRequest> = {}): HeldRequest => ({
  id: 2,
  op: "completion",
  deltas: 0,
  retried: false,
  cancelled: false,
  ...over,
});
const crash = { reason: "crashed (SIGSEGV)", attributed: false };
const stall = { reason: "exceeded the time bound", culprit: 1, attributed: true };

describe("afterHostEnd", () => {
  it("fails the culprit naming what it exceeded", () => {
    const fate = afterHostEnd(held({ id: 1 }), stall);
    expect(fate).toMatchObject({
      code: "engine_error",
      message: "the request exceeded the time bound; the engine host was restarted",
    });
  });

  it("after a crash of unknown cause: re-sends read-only calls, fails completions and grammar compiles", () => {
    expect(afterHostEnd(held({ op: "countTokens" }), crash)).toBe("retry");
    expect(afterHostEnd(held({ op: "embeddings" }), crash)).toBe("retry");
    for (const op of ["completion", "prepareConstraint"] as const) {
      expect(afterHostEnd(held({ op }), crash)).toMatchObject({
        code: "engine_error",
        message: "the engine host crashed (SIGSEGV) while this request ran; it is being restarted",
      });
    }
  });

  it("with a known culprit: re-sends an innocent completion that streamed nothing, fails one that did", () => {
    expect(afterHostEnd(held(), stall)).toBe("retry");
    expect(afterHostEnd(held({ deltas: 3 }), stall)).toMatchObject({
      message: "the engine host was restarted: another request exceeded the time bound",
    });
  });

  it("re-sends at most once, and never a cancelled request", () => {
    expect(afterHostEnd(held({ op: "countTokens", retried: true }), crash)).not.toBe("retry");
    expect(afterHostEnd(held({ cancelled: true }), stall)).not.toBe("retry");
  });
});
