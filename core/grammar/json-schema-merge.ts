/**
 * An exact `allOf` of two schemas as one schema, where one exists without reasoning about values:
 * keywords from one side only are independent constraints; shared keywords merge only when the
 * merge means "both" (equal values, the union of `required`, the tighter of two length or count
 * bounds, merges of two `items` schemas, the common types of two `type`s,
 * the common values of two `enum`/`const`s; keywords the validator ignores keep the first side's).
 * Keywords that read each other across a schema (`additionalItems` reads `items`, …) must all come
 * from one side, except the object keywords, merged apart (json-schema-merge-objects.ts: names
 * declared on both sides, merged name by name). A conjunction that provably has no value is
 * `false`. Anything else returns undefined, and the caller rejects it.
 */
import type { Json, Node } from "./json-schema-common.js";
import { isNode, listedValues, setOwn } from "./json-schema-common.js";
import { mergeObjectGroup, OBJECT_GROUP } from "./json-schema-merge-objects.js";
import { conjoinPatterns } from "./string-pattern-text.js";

/** Keywords that describe rather than constrain; on a conflict the first side's is kept. */
const ANNOTATIONS = new Set([
  "title",
  "description",
  "$comment",
  "examples",
  "default",
  "deprecated",
  "readOnly",
  "writeOnly",
  "$schema",
  "definitions",
  "$defs",
]);
/**
 * The keywords that validate in some draft (ajv's vocabularies). Any other keyword is one the
 * validator ignores (`strict: false`): an annotation, whatever its name (`@type`, `help`, …).
 */
const VALIDATING = new Set([
  "type",
  "enum",
  "const",
  "multipleOf",
  "maximum",
  "exclusiveMaximum",
  "minimum",
  "exclusiveMinimum",
  "maxLength",
  "minLength",
  "pattern",
  "format",
  "items",
  "additionalItems",
  "prefixItems",
  "maxItems",
  "minItems",
  "uniqueItems",
  "contains",
  "minContains",
  "maxContains",
  "maxProperties",
  "minProperties",
  "required",
  "properties",
  "patternProperties",
  "additionalProperties",
  "dependencies",
  "dependentRequired",
  "dependentSchemas",
  "propertyNames",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "if",
  "then",
  "else",
  "$ref",
  "$dynamicRef",
  "$recursiveRef",
  "unevaluatedItems",
  "unevaluatedProperties",
  "contentSchema",
  "contentMediaType",
  "contentEncoding",
  "nullable",
  "discriminator",
  "$id",
  "id",
  "$anchor",
  "$dynamicAnchor",
  "$recursiveAnchor",
]);
/** Keywords that constrain together; a group may not take keywords from both sides. */
const GROUPS = [
  ["items", "prefixItems", "additionalItems", "unevaluatedItems"],
  ["contains", "minContains", "maxContains"],
  ["if", "then", "else"],
];
const LOWER = new Set(["minLength", "minItems", "minProperties", "minimum", "exclusiveMinimum"]);
const UPPER = new Set(["maxLength", "maxItems", "maxProperties", "maximum", "exclusiveMaximum"]);
/** Draft-04's boolean exclusive bounds change what `minimum`/`maximum` mean: those are not merged. */
const legacyBounds = (n: Node) =>
  typeof n.exclusiveMinimum === "boolean" || typeof n.exclusiveMaximum === "boolean";

const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a) === JSON.stringify(b);

/** Whether each group's keywords come from one side only (`items` as one schema may come from both). */
function groupsApart(a: Node, b: Node): boolean {
  for (const group of GROUPS) {
    const inA = group.filter((k) => a[k] !== undefined);
    const inB = group.filter((k) => b[k] !== undefined);
    if (!inA.length || !inB.length) continue;
    // `items` as one schema may come from both sides: they merge item by item.
    const both = [...inA, ...inB];
    const mergeable = both.every((k) => k === "items") && isNode(a.items) && isNode(b.items);
    if (!mergeable) return false;
  }
  return true;
}

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

const typeList = (t: Json) => (Array.isArray(t) ? t.map(String) : [String(t)]);

/** The types both lists allow ("integer" is inside "number"). */
function commonTypes(a: Json, b: Json): string[] {
  const [la, lb] = [typeList(a), typeList(b)];
  const out = la.filter((t) => lb.includes(t) || (t === "integer" && lb.includes("number")));
  if (lb.includes("integer") && la.includes("number") && !out.includes("integer")) out.push("integer");
  return out;
}

/** The values both `enum`/`const`s allow (compared as JSON text: a subset where key order differs). */
function commonValues(a: Node, b: Node): Json[] {
  const values = (n: Node): Json[] => listedValues(n) ?? [];
  const other = new Set(values(b).map((v) => JSON.stringify(v)));
  return values(a).filter((v) => other.has(JSON.stringify(v)));
}

const literalKeys = (n: Node) => n.const !== undefined || n.enum !== undefined;

/** Keywords whose value `true` or `{}` constrains nothing. */
const NO_OP_SCHEMAS = [
  "additionalProperties",
  "additionalItems",
  "items",
  "unevaluatedProperties",
  "unevaluatedItems",
];

/** A schema without keywords that constrain nothing (so that they do not block a merge). */
function withoutNoOps(n: Node): Node {
  const empty = (v: Json | undefined) => v === true || (isNode(v) && Object.keys(v).length === 0);
  const noOp = (k: string) =>
    (NO_OP_SCHEMAS.includes(k) && empty(n[k])) ||
    ((k === "properties" || k === "patternProperties") && isNode(n[k]) && Object.keys(n[k]).length === 0);
  if (!Object.keys(n).some(noOp)) return n;
  return Object.fromEntries(Object.entries(n).filter(([k]) => !noOp(k)));
}

/** The exact conjunction of two schemas (without `$ref`s), or undefined when it is not simple. */
export function mergeSchemas(a: Json, b: Json): Json | undefined {
  if (a === false || b === false) return false;
  if (isNode(a) && isNode(b)) return mergeNodes(withoutNoOps(a), withoutNoOps(b));
  return mergeNodes(a, b);
}

function mergeNodes(a: Json, b: Json): Json | undefined {
  if (a === true || (isNode(a) && Object.keys(a).length === 0)) return b;
  if (b === true || (isNode(b) && Object.keys(b).length === 0)) return a;
  if (!isNode(a) || !isNode(b) || a.$ref !== undefined || b.$ref !== undefined) return undefined;
  const objectKeys = (n: Node) => OBJECT_GROUP.some((k) => n[k] !== undefined);
  if (objectKeys(a) && objectKeys(b)) {
    // Object keywords on both sides: merged apart (json-schema-merge-objects.ts).
    const group = mergeObjectGroup(a, b, mergeSchemas);
    if (group === undefined) return undefined;
    const strip = (n: Node) =>
      Object.fromEntries(Object.entries(n).filter(([k]) => !OBJECT_GROUP.includes(k)));
    return mergeNodes({ ...strip(a), ...group }, strip(b));
  }
  if (!groupsApart(a, b)) return undefined;
  const out: Node = { ...a };
  if (literalKeys(a) && literalKeys(b)) {
    const common = commonValues(a, b);
    if (common.length === 0) return false;
    delete out.const;
    out.enum = common;
    const { const: _c, enum: _e, ...restB } = b;
    return mergeSchemas(out, restB);
  }
  for (const [k, v] of Object.entries(b)) {
    const mine = out[k];
    if (mine === undefined || same(mine, v) || ANNOTATIONS.has(k) || !VALIDATING.has(k)) {
      if (mine === undefined) setOwn(out, k, v);
      continue;
    }
    if (k === "required" && Array.isArray(mine) && Array.isArray(v)) {
      out[k] = [...new Set([...mine, ...v])];
    } else if (k === "propertyNames") {
      // Every name passes both.
      out[k] = { allOf: [mine, v] };
    } else if (k === "not") {
      // not A ∧ not B = not (A ∨ B).
      out[k] = { anyOf: [mine, v] };
    } else if (k === "pattern" && typeof mine === "string" && typeof v === "string") {
      // Both searches, as one pattern of lookaheads (string-automata.ts reads it as an automaton).
      const both = conjoinPatterns([mine, v]);
      if (both === undefined) return undefined;
      out[k] = both;
    } else if (k === "multipleOf" && Number.isSafeInteger(mine) && Number.isSafeInteger(v)) {
      // Multiples of two integers are the multiples of their least common multiple.
      const lcm = ((mine as number) / gcd(mine as number, v as number)) * (v as number);
      if (!Number.isSafeInteger(lcm)) return undefined;
      out[k] = lcm;
    } else if (k === "type") {
      const common = commonTypes(mine, v);
      if (common.length === 0) return false;
      out[k] = common.length === 1 ? common[0]! : common;
    } else if ((LOWER.has(k) || UPPER.has(k)) && (legacyBounds(a) || legacyBounds(b))) {
      return undefined;
    } else if (LOWER.has(k) && typeof mine === "number" && typeof v === "number") {
      out[k] = Math.max(mine, v);
    } else if (UPPER.has(k) && typeof mine === "number" && typeof v === "number") {
      out[k] = Math.min(mine, v);
    } else if (k === "items") {
      const merged = mergeSchemas(mine, v);
      if (merged === undefined) return undefined;
      out[k] = merged;
    } else return undefined;
  }
  return out;
}
