/**
 * The first check of every constraint, before it is measured, hashed or compiled: nesting depth,
 * node count, non-finite numbers (`1e999` parses to Infinity, which JSON cannot carry back) and
 * lone UTF-16 surrogates (no engine can generate them, and UTF-8 cannot encode them). One
 * iterative walk, so a document nested thousands deep costs no more than the limit to refuse.
 */
import { DeliberateError } from "../errors.js";

export interface InputBounds {
  /** Nesting of objects and arrays (a scalar is 0, `{}` is 1). */
  maxDepth: number;
  /** Objects, arrays and scalars together. */
  maxNodes: number;
}

/** "/a/0/b" for error messages, the JSON Pointer of RFC 6901. */
export function pointer(path: readonly (string | number)[]): string {
  return path.map((p) => `/${String(p).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}

function isWellFormed(text: string): boolean {
  // A high surrogate not followed by a low one, or a low one not preceded by a high one.
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

/** Throws invalid_request (with `param`) for the first problem found. */
export function checkConstraintInput(value: unknown, param: string, bounds: InputBounds): void {
  const invalid = (message: string) => new DeliberateError("invalid_request", message, { param });
  const where = (path: (string | number)[]) => (path.length === 0 ? param : `${param} at ${pointer(path)}`);
  let nodes = 0;
  const stack: Array<{ value: unknown; path: (string | number)[] }> = [{ value, path: [] }];
  while (stack.length > 0) {
    const { value: current, path } = stack.pop()!;
    if (++nodes > bounds.maxNodes) throw invalid(`${param} has more than ${bounds.maxNodes} values`);
    if (typeof current === "number" && !Number.isFinite(current)) {
      throw invalid(`${where(path)} holds a number JSON cannot represent (it overflows to ${current})`);
    }
    if (typeof current === "string" && !isWellFormed(current)) {
      throw invalid(
        `${where(path)} contains a lone UTF-16 surrogate, which is not text any engine can produce`,
      );
    }
    if (current === null || typeof current !== "object") continue;
    if (path.length + 1 > bounds.maxDepth) {
      throw invalid(`${param} is nested deeper than ${bounds.maxDepth} levels`);
    }
    if (Array.isArray(current)) {
      for (let i = 0; i < current.length; i++) stack.push({ value: current[i], path: [...path, i] });
      continue;
    }
    for (const key of Object.keys(current)) {
      if (!isWellFormed(key)) {
        throw invalid(`${where(path)} has a key with a lone UTF-16 surrogate`);
      }
      stack.push({ value: (current as Record<string, unknown>)[key], path: [...path, key] });
    }
  }
}
