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
import { ARRAY_KEYS } from "./json-schema-arrays.js";
import { isNode } from "./json-schema-common.js";
import { NUMBER_KEYS } from "./json-schema-numbers.js";
import { OBJECT_KEYS } from "./json-schema-objects.js";
import { FORMAT_PATTERNS, formatApplies, formatComplement, formatRegex } from "./json-string-formats.js";
import { complement, intersect, patternsDfa, union, wellFormed, wordsDfa } from "./string-automata.js";
import { unicodeSource } from "./string-pattern-text.js";
import type { DFA } from "refa";
import { RegexUnsupported } from "./regex-ast.js";
import { memoNode } from "./automaton-budget.js";

/** Keywords that do not constrain a string (they apply to other kinds, or only annotate). */
const OTHER_KINDS = new Set([
  ...NUMBER_KEYS,
  ...OBJECT_KEYS,
  ...ARRAY_KEYS,
  "unevaluatedProperties",
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

const ANNOTATIONS = ["title", "description", "default", "examples", "deprecated", "readOnly", "writeOnly"];
/** Annotations and `$`-keywords are read as such; any other keyword as validating (so: not a formula). */
const validatingByName = (k: string) => !k.startsWith("$") && !ANNOTATIONS.includes(k) && k !== "definitions";

/**
 * Whether every string generated for the oneOf branch `gen` fails the branch `other`, proved on
 * automata: what json-schema-strings.ts generates for a plain string schema lies inside its
 * `pattern`s and its format's own regex (FORMAT_PATTERNS), and no such string is in `other`'s
 * language (a string formula). False where either side is not that simple or too large.
 */
/** A superset of the strings a `{format}` (with `type`/`pattern` at most) accepts, for stringsApart. */
function formatLanguage(other: Json): DFA | undefined {
  if (!isNode(other) || typeof other.format !== "string") return undefined;
  if (Object.keys(other).some((k) => !["format", "type", "pattern", ...ANNOTATIONS].includes(k)))
    return undefined;
  const regex = formatRegex(other.format);
  if (!regex) return undefined;
  const patterns = [
    unicodeSource(regex.source, regex.flags),
    ...(typeof other.pattern === "string" ? [other.pattern] : []),
  ];
  return patternsDfa(patterns, "superset");
}

function otherLanguage(other: Json, ctx: Omit<FormulaContext, "validating">): DFA | undefined {
  try {
    return formatLanguage(other) ?? stringFormulaDfa(other, { ...ctx, validating: validatingByName });
  } catch (err) {
    if (err instanceof RegexUnsupported) return undefined;
    throw err;
  }
}

export function stringsApart(gen: Json, other: Json, ctx: Omit<FormulaContext, "validating">): boolean {
  if (!isNode(gen) || gen.type !== "string") return false;
  const plain = ["enum", "const", "$ref", ...COMBINATORS, "if", "then", "else"].every(
    (k) => gen[k] === undefined,
  );
  const format =
    typeof gen.format === "string" && formatApplies(gen.format, "string") ? gen.format : undefined;
  // A uri beside a pattern is generated from a list of schemes of its own (uriWithPrefix).
  if (!plain || (format?.startsWith("uri") && gen.pattern !== undefined)) return false;
  const patterns = [
    ...(typeof gen.pattern === "string" ? [gen.pattern] : []),
    ...(format && Object.hasOwn(FORMAT_PATTERNS, format) ? [FORMAT_PATTERNS[format]!] : []),
  ];
  // `other` is met once for every other branch (and again pinned, and after merges): its language
  // is built once per lowering (automaton-budget.ts).
  const theirs = isNode(other) ? memoNode(other, () => otherLanguage(other, ctx)) : otherLanguage(other, ctx);
  if (!theirs) return false;
  try {
    return intersect(patternsDfa(patterns), theirs).isEmpty;
  } catch (err) {
    if (err instanceof RegexUnsupported) return false;
    throw err;
  }
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
      // A format checked by a RegExp alone is that RegExp's language (the complement of its
      // complement); one checked by a function has no exact automaton; any other checks nothing.
      if (!formatApplies(v, "string")) continue;
      const none = formatComplement(v);
      if (!none) return undefined;
      part = complement(patternsDfa([none]));
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
