/**
 * `not`: the grammar generates the schema's other keywords restricted to values the negated schema
 * refuses. `complementOf(n)` lists schemas each of whose values fails `n` — a union that is a
 * subset of "not n", never more: n is a conjunction of keywords, so a value failing any one keyword
 * fails n, and each keyword's failures are written as a schema where that is simple (a bound
 * flipped, a type left out, a name made absent, a property or item that fails its own schema, …).
 * Keywords without a known complement add nothing (a smaller subset, still sound); keywords the
 * draft does not have are skipped, as the validator ignores them.
 */
import type { Draft } from "../constraints/ajv-drafts.js";
import type { Json, Node } from "./json-schema-common.js";
import { formatComplement } from "./json-string-formats.js";
import { negatePattern } from "./string-pattern-text.js";
import { isNode, listedValues, safeRegex, setOwn } from "./json-schema-common.js";
import { literalType } from "./json-schema-literals.js";
import { mergeSchemas } from "./json-schema-merge.js";
import { parseRegex, shortestMatch } from "./regex-ast.js";

export interface NotContext {
  draft: Draft;
  /** The schema with its top-level `$ref` resolved exactly as the draft reads it, or undefined. */
  resolve: (schema: Json) => Json | undefined;
  /** Schemas left to visit: recursive definitions would otherwise make the search exponential. */
  budget: { left: number };
  /** The values the validator accepts against a schema, or undefined where it cannot say. */
  passing?: (values: Json[], schema: Json) => Json[] | undefined;
}

/** A product of two unions grows fast; alternatives past this many are dropped (a subset). */
const MAX_ALTERNATIVES = 32;
const KINDS = ["string", "number", "boolean", "null", "object", "array"];

const obj = (name: string, schema: Json, required = true): Node => {
  const properties: Node = {};
  setOwn(properties, name, schema);
  return required ? { type: "object", required: [name], properties } : { type: "object", properties };
};

/** Bounds in the draft's own spelling (draft-04 marks exclusive bounds with a boolean). */
function bounds(draft: Draft) {
  const legacy = draft === "draft-04";
  return {
    below: (m: number): Node =>
      legacy
        ? { type: "number", maximum: m, exclusiveMaximum: true }
        : { type: "number", exclusiveMaximum: m },
    above: (m: number): Node =>
      legacy
        ? { type: "number", minimum: m, exclusiveMinimum: true }
        : { type: "number", exclusiveMinimum: m },
    atMost: (m: number): Node => ({ type: "number", maximum: m }),
    atLeast: (m: number): Node => ({ type: "number", minimum: m }),
  };
}

/**
 * Failures of `enum`/`const`: the negation itself (useful merged into a schema with an enum of its
 * own, whose values are then checked one by one), other kinds, longer strings and arrays, numbers
 * outside the range, the other boolean.
 */
function outsideValues(values: Json[], draft: Draft): Node[] {
  const kinds = new Set<string>(
    values.map((v) => literalType(v)).map((t) => (t === "integer" ? "number" : t)),
  );
  // Beside an enum of its own the negation is checked value by value (json-schema-literals.ts).
  const out: Node[] = [{ not: { enum: values } }];
  const others = KINDS.filter((k) => !kinds.has(k));
  if (others.length) out.push({ type: others });
  const strings = values.filter((v): v is string => typeof v === "string");
  if (strings.length)
    out.push({ type: "string", minLength: Math.max(...strings.map((s) => [...s].length)) + 1 });
  const numbers = values.filter((v): v is number => typeof v === "number");
  if (numbers.length) {
    const b = bounds(draft);
    out.push(b.above(Math.max(...numbers)), b.below(Math.min(...numbers)));
  }
  const booleans = values.filter((v) => typeof v === "boolean");
  if (booleans.length === 1) out.push({ enum: [!booleans[0]] });
  const arrays = values.filter(Array.isArray);
  if (arrays.length) out.push({ type: "array", minItems: Math.max(...arrays.map((a) => a.length)) + 1 });
  return out;
}

/** A key that matches none of `patterns` and is not among `names`. */
function freshKey(names: string[], patterns: string[], at: string): string | undefined {
  for (const key of ["x", "extra", "_", "zz_extra_key"]) {
    if (!names.includes(key) && !patterns.some((p) => safeRegex(p, at).test(key))) return key;
  }
  return undefined;
}

/** The shortest key a pattern matches, when the regex subset can say. */
function keyFor(pattern: string, at: string): string | undefined {
  try {
    const key = shortestMatch(parseRegex(pattern));
    return safeRegex(pattern, at).test(key) ? key : undefined;
  } catch {
    return undefined;
  }
}

/** Schemas each of whose values fails `negated` (see the file comment); [] when none is known. */
export function complementOf(negated: Json, ctx: NotContext, at: string, depth = 0): Json[] {
  if (negated === false) return [true];
  if (!isNode(negated) || depth > 4 || --ctx.budget.left < 0) return [];
  const n = ctx.resolve(negated);
  if (!isNode(n)) return n === false ? [true] : [];
  const { draft } = ctx;
  const modern = draft === "2019-09" || draft === "2020-12";
  const b = bounds(draft);
  const legacy = draft === "draft-04";
  const sub = (s: Json) => complementOf(s, ctx, at, depth + 1);
  const out: Json[] = [];
  if (n.type !== undefined) {
    const listed = (Array.isArray(n.type) ? n.type : [n.type]).map(String);
    // Without "number", only "integer": the non-integers are left out (the grammar cannot single them out).
    const rest = KINDS.filter((k) => !listed.includes(k) && !(k === "number" && listed.includes("integer")));
    if (rest.length) out.push({ type: rest });
  }
  if (n.const !== undefined && !legacy) out.push(...outsideValues([n.const], draft));
  else if (Array.isArray(n.enum)) out.push(...outsideValues(n.enum, draft));
  const num = (k: string) => (typeof n[k] === "number" ? (n[k] as number) : undefined);
  const minimum = num("minimum");
  const maximum = num("maximum");
  if (minimum !== undefined) out.push(n.exclusiveMinimum === true ? b.atMost(minimum) : b.below(minimum));
  if (maximum !== undefined) out.push(n.exclusiveMaximum === true ? b.atLeast(maximum) : b.above(maximum));
  if (num("exclusiveMinimum") !== undefined) out.push(b.atMost(num("exclusiveMinimum")!));
  if (num("exclusiveMaximum") !== undefined) out.push(b.atLeast(num("exclusiveMaximum")!));
  const flip = (k: string, type: string, opposite: string, lower: boolean) => {
    const v = num(k);
    if (v === undefined || (lower && v <= 0)) return;
    out.push({ type, [opposite]: lower ? Math.ceil(v) - 1 : Math.floor(v) + 1 });
  };
  flip("minLength", "string", "maxLength", true);
  flip("maxLength", "string", "minLength", false);
  flip("minItems", "array", "maxItems", true);
  flip("maxItems", "array", "minItems", false);
  flip("minProperties", "object", "maxProperties", true);
  flip("maxProperties", "object", "minProperties", false);
  if (typeof n.pattern === "string") {
    if (!safeRegex(n.pattern, at).test("")) out.push({ type: "string", maxLength: 0 });
    // The strings without a match, as a pattern string-automata.ts turns into an automaton.
    const none = negatePattern(n.pattern);
    if (none) out.push({ type: "string", pattern: none });
  }
  const failsFormat = typeof n.format === "string" ? formatComplement(n.format) : undefined;
  if (failsFormat) out.push({ type: "string", pattern: failsFormat });
  if (Array.isArray(n.required)) out.push(...n.required.map((r) => obj(String(r), false, false)));
  const declared = isNode(n.properties) ? n.properties : {};
  for (const [name, schema] of Object.entries(declared)) out.push(...sub(schema).map((c) => obj(name, c)));
  const patterns = isNode(n.patternProperties) ? Object.entries(n.patternProperties) : [];
  for (const [pattern, schema] of patterns) {
    const key = keyFor(pattern, at);
    if (key === undefined) continue;
    // The shortest match, then longer ones (other keywords, e.g. propertyNames, may want a length).
    const regex = safeRegex(pattern, at);
    const keys = [key, `${key}x`, `${key}xy`, `${key}xyz`].filter((k) => regex.test(k));
    const failures = sub(schema);
    out.push(...keys.flatMap((k) => failures.map((c) => obj(k, c))));
  }
  if (n.additionalProperties !== undefined) {
    const key = freshKey(
      Object.keys(declared),
      patterns.map(([p]) => p),
      at,
    );
    if (key !== undefined) out.push(...sub(n.additionalProperties).map((c) => obj(key, c)));
  }
  const tupleKey = draft === "2020-12" ? "prefixItems" : "items";
  const tuple = Array.isArray(n[tupleKey]) ? (n[tupleKey] as Json[]) : undefined;
  const restItems = tuple ? (draft === "2020-12" ? n.items : n.additionalItems) : n.items;
  if (tuple?.length) {
    const first = (c: Json): Node => ({ type: "array", minItems: 1, [tupleKey]: [c] });
    out.push(...sub(tuple[0]!).map(first));
  }
  if (restItems !== undefined && !Array.isArray(restItems)) {
    const skip = tuple?.length ?? 0;
    if (restItems === false) out.push({ type: "array", minItems: skip + 1 });
    else if (skip === 0) out.push(...sub(restItems).map((c) => ({ type: "array", minItems: 1, items: c })));
  }
  // With `minContains: 0` every array passes `contains`.
  if (n.contains !== undefined && !legacy && n.minContains === undefined) {
    out.push({ type: "array", maxItems: 0 }, ...sub(n.contains).map((c) => ({ type: "array", items: c })));
  }
  const deps = modern ? n.dependentRequired : n.dependencies;
  if (isNode(deps)) {
    for (const [trigger, names] of Object.entries(deps)) {
      if (!Array.isArray(names)) continue;
      for (const name of names) out.push(mergeSchemas(obj(trigger, {}), obj(String(name), false, false))!);
    }
  }
  if (Array.isArray(n.allOf)) for (const s of n.allOf) out.push(...sub(s));
  for (const k of ["anyOf", "oneOf"]) {
    // None of the branches matches: each branch's failures, merged (a subset of "not oneOf" too).
    if (!Array.isArray(n[k])) continue;
    let product: Json[] = [true];
    for (const branch of n[k] as Json[]) {
      const alts = sub(branch);
      product = product
        .flatMap((p) => alts.map((c) => mergeSchemas(p, c)))
        .filter((m): m is Json => m !== undefined && m !== false)
        .slice(0, MAX_ALTERNATIVES);
    }
    out.push(...product);
  }
  if (n.not !== undefined) out.push(n.not);
  if (n.propertyNames !== undefined && !legacy) out.push(...refusedNames(n.propertyNames, ctx, at, depth));
  return out.slice(0, MAX_ALTERNATIVES * 2);
}

/**
 * Failures of `propertyNames: P`: objects with a key P refuses — keys taken from P's complement
 * (its literals, the shortest match of its patterns) and a few plain ones, each checked against P
 * by the validator (`ctx.passing`), so that only refused ones are used.
 */
function refusedNames(names: Json, ctx: NotContext, at: string, depth: number): Node[] {
  const candidates = new Set(["", "x", "a", "0", "key1"]);
  for (const c of complementOf(names, ctx, at, depth + 1)) {
    if (!isNode(c)) continue;
    for (const v of listedValues(c) ?? []) if (typeof v === "string") candidates.add(v);
    const key = typeof c.pattern === "string" ? keyFor(c.pattern, at) : undefined;
    if (key !== undefined) candidates.add(key);
  }
  const list = [...candidates];
  const accepted = ctx.passing?.(list, names);
  if (accepted === undefined) return [];
  return list
    .filter((k) => !accepted.includes(k))
    .slice(0, 4)
    .map((k) => obj(k, {}));
}
