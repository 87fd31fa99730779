/**
 * An exact `allOf` of two schemas as one schema, where one exists without reasoning about values:
 * keywords from one side only are independent constraints; shared keywords merge only when the
 * merge means "both" (equal values, the union of `required`, the tighter of two length or count
 * bounds, per-property merges of `properties`, merges of two `items` schemas). Keywords that read
 * each other across a schema
 * (`additionalProperties` reads `properties`, `additionalItems` reads `items`, …) must all come
 * from one side. Anything else returns undefined, and the caller rejects it.
 */
import { isNode, type Json, type Node, setOwn } from "./json-schema-common.js";

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
/** Keywords that constrain together; a group may not take keywords from both sides. */
const GROUPS = [
  ["properties", "patternProperties", "additionalProperties", "unevaluatedProperties"],
  ["items", "prefixItems", "additionalItems", "unevaluatedItems"],
  ["contains", "minContains", "maxContains"],
  ["if", "then", "else"],
  ["const", "enum"],
];
const LOWER = new Set(["minLength", "minItems", "minProperties"]);
const UPPER = new Set(["maxLength", "maxItems", "maxProperties"]);

const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a) === JSON.stringify(b);

/** Whether each group's keywords come from one side only (`properties` alone may come from both). */
function groupsApart(a: Node, b: Node): boolean {
  for (const group of GROUPS) {
    const inA = group.filter((k) => a[k] !== undefined);
    const inB = group.filter((k) => b[k] !== undefined);
    if (!inA.length || !inB.length) continue;
    // `properties`, and `items` as one schema, alone may come from both sides: they merge per name/item.
    const both = [...inA, ...inB];
    const mergeable =
      both.every((k) => k === "properties") ||
      (both.every((k) => k === "items") && isNode(a.items) && isNode(b.items));
    if (!mergeable) return false;
  }
  return true;
}

function mergeProperties(a: Json, b: Json): Json | undefined {
  if (!isNode(a) || !isNode(b)) return undefined;
  const out: Node = { ...a };
  for (const [name, schema] of Object.entries(b)) {
    if (!Object.hasOwn(out, name)) setOwn(out, name, schema);
    else {
      const merged = mergeSchemas(out[name]!, schema);
      if (merged === undefined) return undefined;
      setOwn(out, name, merged);
    }
  }
  return out;
}

/** The exact conjunction of two schemas (without `$ref`s), or undefined when it is not simple. */
export function mergeSchemas(a: Json, b: Json): Json | undefined {
  if (a === true || (isNode(a) && Object.keys(a).length === 0)) return b;
  if (b === true || (isNode(b) && Object.keys(b).length === 0)) return a;
  if (!isNode(a) || !isNode(b) || a.$ref !== undefined || b.$ref !== undefined) return undefined;
  if (!groupsApart(a, b)) return undefined;
  const out: Node = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const mine = out[k];
    if (mine === undefined || same(mine, v) || ANNOTATIONS.has(k)) {
      if (mine === undefined) setOwn(out, k, v);
      continue;
    }
    if (k === "required" && Array.isArray(mine) && Array.isArray(v)) {
      out[k] = [...new Set([...mine, ...v])];
    } else if (LOWER.has(k) && typeof mine === "number" && typeof v === "number") {
      out[k] = Math.max(mine, v);
    } else if (UPPER.has(k) && typeof mine === "number" && typeof v === "number") {
      out[k] = Math.min(mine, v);
    } else if (k === "items") {
      const merged = mergeSchemas(mine, v);
      if (merged === undefined) return undefined;
      out[k] = merged;
    } else if (k === "properties") {
      const merged = mergeProperties(mine, v);
      if (merged === undefined) return undefined;
      out[k] = merged;
    } else return undefined;
  }
  return out;
}
