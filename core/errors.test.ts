/** The error taxonomy: codes, statuses, the envelope, and turning anything thrown into one. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DeliberateError,
  ERROR_STATUS,
  type ErrorCode,
  errorEnvelope,
  isAbortError,
  throwIfAborted,
  toDeliberateError,
} from "./errors.js";
import { ErrorEnvelope } from "./protocol.js";

describe("codes and statuses", () => {
  it("match the README's error list, code for code", () => {
    const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
    const section = readme.slice(
      readme.indexOf("- **Errors**"),
      readme.indexOf("A malformed\n  WebSocket frame"),
    );
    const listed = Object.fromEntries(
      [...section.matchAll(/`([a-z_]+)` (\d{3})/g)].map(([, code, status]) => [code, Number(status)]),
    );
    expect(listed).toEqual(ERROR_STATUS);
  });

  it("every code builds an error whose envelope passes the wire schema", () => {
    for (const code of Object.keys(ERROR_STATUS) as ErrorCode[]) {
      const err = new DeliberateError(code, `about ${code}`);
      expect(err.status).toBe(ERROR_STATUS[code]);
      expect(err.code).toBe(code);
      expect(err.type).toMatch(/_error$/);
      expect(ErrorEnvelope.parse(err.toEnvelope())).toEqual(err.toEnvelope());
    }
  });
});

describe("the envelope", () => {
  it("has type, code and message, and param and step only when set", () => {
    expect(new DeliberateError("queue_full", "busy").toEnvelope()).toEqual({
      error: { type: "rate_limit_error", code: "queue_full", message: "busy" },
    });
    const err = new DeliberateError("invalid_request", "bad regex", { param: "structured_outputs.regex" });
    expect(err.toEnvelope()).toEqual({
      error: {
        type: "invalid_request_error",
        code: "invalid_request",
        message: "bad regex",
        param: "structured_outputs.regex",
      },
    });
    expect(new DeliberateError("engine_error", "x", { step: "draft" }).toEnvelope().error.step).toBe("draft");
  });

  it("keeps the cause and the retry hint off the wire", () => {
    const err = new DeliberateError("engine_unavailable", "down", {
      cause: new Error("ECONNREFUSED"),
      retryable: true,
    });
    expect(err.retryable).toBe(true);
    expect(err.cause).toBeInstanceOf(Error);
    expect(JSON.stringify(err.toEnvelope())).not.toMatch(/ECONNREFUSED|retryable/);
  });

  it("is an Error with a name, so logs and stack traces show it", () => {
    const err = new DeliberateError("timeout", "slow");
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("DeliberateError");
    expect(err.retryable).toBe(false);
  });
});

describe("toDeliberateError", () => {
  it("passes a DeliberateError through unchanged", () => {
    const err = new DeliberateError("not_found", "nope");
    expect(toDeliberateError(err)).toBe(err);
  });

  it("turns an abort into the signal's DeliberateError reason, or cancelled", () => {
    const controller = new AbortController();
    const reason = new DeliberateError("timeout", "deadline");
    controller.abort(reason);
    expect(toDeliberateError(new DOMException("aborted", "AbortError"), controller.signal)).toBe(reason);

    const plain = new AbortController();
    plain.abort();
    const cancelled = toDeliberateError(plain.signal.reason, plain.signal);
    expect(cancelled.code).toBe("cancelled");
    expect(toDeliberateError(new DOMException("x", "AbortError")).code).toBe("cancelled");
    expect(toDeliberateError(new DOMException("x", "TimeoutError")).code).toBe("cancelled");
  });

  it("hides anything else behind internal, keeping it as the cause", () => {
    const original = new Error("password=hunter2");
    const err = toDeliberateError(original);
    expect(err.code).toBe("internal");
    expect(err.message).toBe("internal error");
    expect(err.cause).toBe(original);
    expect(errorEnvelope("a string").error.code).toBe("internal");
  });

  it("recognises abort errors by name", () => {
    expect(isAbortError(new DOMException("x", "AbortError"))).toBe(true);
    expect(isAbortError(new Error("AbortError"))).toBe(false);
    expect(isAbortError("AbortError")).toBe(false);
  });
});

describe("throwIfAborted", () => {
  it("does nothing without a signal or before an abort", () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
  });

  it("throws the reason as a DeliberateError once aborted", () => {
    const controller = new AbortController();
    controller.abort(new DeliberateError("shutting_down", "draining"));
    expect(() => throwIfAborted(controller.signal)).toThrow(
      expect.objectContaining({ code: "shutting_down" }) as Error,
    );
    expect(() => throwIfAborted(AbortSignal.abort())).toThrow(
      expect.objectContaining({ code: "cancelled" }) as Error,
    );
  });
});
