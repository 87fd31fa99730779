/**
 * A `type: "string"` schema whose combinators (`allOf`, `anyOf`, `oneOf`, `not`, `$ref`) nest only
 * string keywords — `pattern`, `minLength`, `maxLength`, `enum`, `const`, `type` — as one DFA
 * (string-automata.ts): a Boolean formula over regular languages is regular, so intersection,
 * union, complement and "exactly one" are exact, where the schema-level unions of
 * json-schema-not.ts / json-schema-oneof.ts would multiply out or give up. Keywords that apply only
 * to other kinds (numbers, objects, arrays) hold for every string and are skipped; a nested `type`
 * without "string" matches no string. A `format` the validator checks, `if`/`then`/`else` or any
 * keyword not listed leaves the formula to the other routes (undefined).
 */
import type { Draft } from "../constraints/ajv-drafts.js";
import type { Json, Node } from "./json-schema-common.js";
import { isNode } from "./json-schema-common.js";
import { formatApplies } from "./json-string-formats.js";
import { complement, intersect, patternsDfa, union, wellFormed, wordsDfa } from "./string-automata.js";
import type { DFA } from "refa";

/** Keywords that do not constrain a string (they apply to other kinds, or only annotate). */
const OTHER_KINDS = new Set([
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "properties",
  "patternProperties",
  "additionalProperties",
  "required",
  "minProperties",
  "maxProperties",
  "dependencies",
  "dependentRequired",
  "dependentSchemas",
  "propertyNames",
  "unevaluatedProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "minItems",
  "maxItems",
  "uniqueItems",
  "contains",
  "minContains",
  "maxContains",
  "unevaluatedItems",
]);
const COMBINATORS = ["allOf", "anyOf", "oneOf", "not"];

export interface FormulaContext {
  draft: Draft;
  /** A top-level `$ref` resolved as the validator reads it (undefined where that is not simple). */
  resolve(schema: Json): Json | undefined;
  /** Whether the validator reads the keyword at all (the rest are annotations). */
  validating(keyword: string): boolean;
}

/** Whether the schema is for this route: `type: "string"` with a combinator (else undefined is quicker). */
export const isStringFormula = (schema: Node) =>
  schema.type === "string" && COMBINATORS.some((k) => schema[k] !== undefined);

/** The DFA of the strings the schema accepts, or undefined where it is not a pure string formula. */
export function stringFormulaDfa(schema: Json, ctx: FormulaContext, depth = 0): DFA | undefined {
  if (schema === true) return wellFormed();
  if (schema === false) return complement(wellFormed());
  if (depth > 32) return undefined;
  let n = ctx.resolve(schema);
  for (let i = 0; isNode(n) && n.$ref !== undefined && i < 8; i++) n = ctx.resolve(n);
  if (n === undefined || (isNode(n) && n.$ref !== undefined)) return undefined;
  if (!isNode(n)) return stringFormulaDfa(n, ctx, depth + 1);
  const sub = (s: Json) => stringFormulaDfa(s, ctx, depth + 1);
  let dfa = wellFormed();
  const patterns: string[] = [];
  for (const [k, v] of Object.entries(n)) {
    if (!ctx.validating(k) || OTHER_KINDS.has(k)) continue;
    let part: DFA | undefined;
    if (k === "pattern" && typeof v === "string") patterns.push(v);
    else if (k === "type") {
      const types = (Array.isArray(v) ? v : [v]).map(String);
      if (!types.includes("string")) return complement(wellFormed());
    } else if ((k === "minLength" || k === "maxLength") && typeof v === "number") {
      const bound = k === "minLength" ? `{${Math.ceil(v)},}` : `{0,${Math.floor(v)}}`;
      patterns.push(`^[^]${bound}$`);
    } else if (k === "enum" || (k === "const" && ctx.draft !== "draft-04")) {
      const values = k === "enum" && Array.isArray(v) ? v : [v];
      part = wordsDfa(values.filter((x): x is string => typeof x === "string"));
    } else if (k === "format" && typeof v === "string") {
      // A format the validator checks has no exact automaton here; any other one checks nothing.
      if (formatApplies(v, "string")) return undefined;
      continue;
    } else if (k === "allOf" || k === "anyOf" || k === "oneOf") {
      if (!Array.isArray(v) || v.length === 0) return undefined;
      const parts = v.map(sub);
      if (parts.some((p) => p === undefined)) return undefined;
      part = combine(k, parts as DFA[]);
    } else if (k === "not") {
      const inner = sub(v);
      if (!inner) return undefined;
      part = complement(inner);
    } else return undefined;
    if (part) dfa = intersect(dfa, part);
  }
  return patterns.length ? intersect(dfa, patternsDfa(patterns)) : dfa;
}

function combine(k: "allOf" | "anyOf" | "oneOf", parts: DFA[]): DFA {
  if (k === "allOf") return parts.reduce(intersect);
  if (k === "anyOf") return parts.reduce(union);
  // Exactly one: each part without every other one.
  return parts
    .map((p, i) => parts.reduce((acc, q, j) => (i === j ? acc : intersect(acc, complement(q))), p))
    .reduce(union);
}
