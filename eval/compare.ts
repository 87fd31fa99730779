/** The comparison rules of a dataset item: does an answer match the expected one? */
import type { CompareRule } from "./dataset.js";

/** `$.a.b[0]["c d"]` → the value there, or undefined. */
export function atPath(value: unknown, path: string): unknown {
  const steps = [...path.slice(1).matchAll(/\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)];
  const consumed = steps.map((m) => m[0]).join("");
  if (consumed !== path.slice(1)) throw new Error(`unsupported JSON path ${path}`);
  let current = value;
  for (const [, name, index, quoted] of steps) {
    if (current === null || typeof current !== "object") return undefined;
    const key = name ?? (index !== undefined ? Number(index) : JSON.parse(`"${quoted}"`));
    if (!Object.hasOwn(current as object, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function normalise(value: unknown, ignoreCase: boolean): unknown {
  if (typeof value === "string") return ignoreCase ? value.trim().toLowerCase() : value;
  if (Array.isArray(value)) return value.map((v) => normalise(v, ignoreCase));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, normalise(v, ignoreCase)]),
    );
  }
  return value;
}

const key = (value: unknown, ignoreCase: boolean) => JSON.stringify(normalise(value, ignoreCase));

export function matches(answer: unknown, expected: unknown, rule: CompareRule): boolean {
  const actual = rule.path ? atPath(answer, rule.path) : answer;
  const ignoreCase = rule.ignore_case ?? false;
  switch (rule.rule) {
    case "numeric": {
      const a = typeof actual === "string" ? Number(actual.trim()) : actual;
      if (typeof a !== "number" || typeof expected !== "number" || !Number.isFinite(a)) return false;
      return Math.abs(a - expected) <= (rule.tolerance ?? 1e-9);
    }
    case "set": {
      if (!Array.isArray(actual) || !Array.isArray(expected)) return false;
      const have = new Set(actual.map((v) => key(v, ignoreCase)));
      const want = new Set(expected.map((v) => key(v, ignoreCase)));
      return have.size === want.size && [...want].every((k) => have.has(k));
    }
    case "exact":
      return key(actual, ignoreCase) === key(expected, ignoreCase);
  }
}
