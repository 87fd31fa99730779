/** Shared by json-schema.ts and json-schema-numbers.ts. */
import { GrammarError } from "./errors.js";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type Node = Record<string, Json>;
export type Out = Record<string, unknown>;

export const unsupported = (feature: string, at: string) =>
  new GrammarError(
    "schema_unsupported",
    `the embedded engine's JSON grammar cannot enforce ${feature} (at ${at || "the root"}); ` +
      "remove it or use the vLLM engine",
    "structured_outputs.json",
  );

/**
 * A refusal because no value can match (a `false` schema, an enum none of whose values passes, …).
 * Where the value may be left out — an optional property, one branch of an `anyOf` — the caller
 * leaves it out instead, which is exact.
 */
export class EmptySchema extends GrammarError {}

export const emptySchema = (feature: string, at: string) =>
  new EmptySchema(
    "schema_unsupported",
    `the embedded engine's JSON grammar cannot enforce ${feature}, which no value matches (at ${at || "the root"}); ` +
      "remove it or use the vLLM engine",
    "structured_outputs.json",
  );

/** Whether JavaScript compiles the pattern with these flags. */
export function compiles(pattern: string, flags: string): boolean {
  return validatorRegExpWith(pattern, flags) !== undefined;
}

function validatorRegExpWith(pattern: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(pattern, flags);
  } catch {
    return undefined;
  }
}

/** The pattern as the validator compiles it: Unicode mode, else legacy mode (core/constraints/ajv-drafts.ts). */
export function validatorRegExp(pattern: string): RegExp | undefined {
  return validatorRegExpWith(pattern, "u") ?? validatorRegExpWith(pattern, "");
}

/** validatorRegExp, or a refusal naming the pattern. */
export function safeRegex(pattern: string, at: string): RegExp {
  const re = validatorRegExp(pattern);
  if (!re) throw unsupported(`a \`pattern\` JavaScript cannot compile (${pattern})`, at);
  return re;
}

/** Whether the pattern compiles in Unicode mode (the regex route reads only that dialect). */
export const compilesInUnicodeMode = (pattern: string): boolean => compiles(pattern, "u");

export const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

/** The values a schema's `const` or `enum` lists, or undefined when it has neither. */
export const listedValues = (s: Json): Json[] | undefined =>
  !isNode(s) ? undefined : s.const !== undefined ? [s.const] : Array.isArray(s.enum) ? s.enum : undefined;
export const has = (n: Node, k: string) => n[k] !== undefined;

/**
 * Sets an own property whatever its name: plain assignment of `__proto__` would set the prototype
 * instead, and `in` finds `constructor` on every object. Property and definition names go through
 * this and Object.hasOwn, so they are ordinary names.
 */
export function setOwn<T>(target: { [key: string]: T }, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
