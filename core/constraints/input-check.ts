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

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}

function pathOf(frame: Frame): (string | number)[] {
  const path: (string | number)[] = [];
  for (let f: Frame | undefined = frame; f?.key !== undefined; f = f.parent) path.unshift(f.key);
  return path;
}

/** Throws invalid_request (with `param`) for the first problem found. */
export function checkConstraintInput(value: unknown, param: string, bounds: InputBounds): void {
  const invalid = (message: string) => new DeliberateError("invalid_request", message, { param });
  const where = (frame: Frame) =>
    frame.parent === undefined ? param : `${param} at ${pointer(pathOf(frame))}`;
  const tooMany = () => invalid(`${param} has more than ${bounds.maxNodes} values`);
  // Values seen or waiting: checked before children are queued, so a huge array costs nothing.
  let counted = 1;
  const stack: Frame[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    const current = frame.value;
    if (typeof current === "number" && !Number.isFinite(current)) {
      throw invalid(`${where(frame)} holds a number JSON cannot represent (it overflows to ${current})`);
    }
    if (typeof current === "string" && !isWellFormed(current)) {
      throw invalid(
        `${where(frame)} contains a lone UTF-16 surrogate, which is not text any engine can produce`,
      );
    }
    if (current === null || typeof current !== "object") continue;
    const depth = frame.depth + 1;
    if (depth > bounds.maxDepth) throw invalid(`${param} is nested deeper than ${bounds.maxDepth} levels`);
    if (Array.isArray(current)) {
      counted += current.length;
      if (counted > bounds.maxNodes) throw tooMany();
      for (let i = 0; i < current.length; i++)
        stack.push({ value: current[i], depth, parent: frame, key: i });
      continue;
    }
    const keys = Object.keys(current);
    counted += keys.length;
    if (counted > bounds.maxNodes) throw tooMany();
    for (const key of keys) {
      if (!isWellFormed(key)) throw invalid(`${where(frame)} has a key with a lone UTF-16 surrogate`);
      stack.push({ value: (current as Record<string, unknown>)[key], depth, parent: frame, key });
    }
  }
}
