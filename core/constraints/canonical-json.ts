/**
 * The one canonical JSON text of a value: keys sorted, no whitespace, `undefined` members left
 * out. Every cache key (results, compiled validators) is built from it, so two constraints share
 * a key only when they are the same JSON. Unlike `JSON.stringify` it never maps two distinct
 * values to one text: a non-finite number (which `JSON.stringify` writes as `null`) throws, and
 * keys are written from the value's own properties, so `__proto__` is an ordinary key. Strings go
 * through `JSON.stringify`, which escapes a lone surrogate instead of replacing it.
 */
import { DeliberateError } from "../errors.js";

/** Deeper than any value that passed the constraint checks; a guard, not the limit users meet. */
const MAX_DEPTH = 256;

export function canonicalJson(value: unknown, depth = 0): string {
  if (depth > MAX_DEPTH) {
    throw new DeliberateError("invalid_request", `the request is nested deeper than ${MAX_DEPTH} levels`);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) {
      throw new DeliberateError("invalid_request", `the request contains a non-finite number (${value})`);
    }
    return JSON.stringify(value);
  }
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? "null" : canonicalJson(item, depth + 1))).join(",")}]`;
  }
  const keys = Object.keys(value).sort();
  const parts: string[] = [];
  for (const key of keys) {
    const member = (value as Record<string, unknown>)[key];
    if (member === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(member, depth + 1)}`);
  }
  return `{${parts.join(",")}}`;
}
