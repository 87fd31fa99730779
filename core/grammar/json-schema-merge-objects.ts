/**
 * The object keywords of two schemas (`properties`, `patternProperties`, `additionalProperties`)
 * merged into one exact conjunction, for json-schema-merge.ts. Each side first declares every name
 * the other side declares, with the schema it already applies to that name (its
 * `additionalProperties`, or nothing, where none of its patterns matches; nothing where one does,
 * the pattern still applying): the same schema, rewritten. Then both sides declare the same names,
 * which merge name by name, and the rest of the keys are read alike by both sides when:
 * - both have `additionalProperties` and neither has patterns: the two merged;
 * - one has `additionalProperties` and the other no patterns: that side's keywords;
 * - neither has `additionalProperties`: the patterns of both (a key matches each side's patterns).
 * Anything else (a pattern beside the other side's `additionalProperties`, `unevaluatedProperties`,
 * a pattern JavaScript cannot compile) is undefined: no exact merge.
 */
import type { Json, Node } from "./json-schema-common.js";
import { isNode, setOwn, validatorRegExp } from "./json-schema-common.js";

export const OBJECT_GROUP = [
  "properties",
  "patternProperties",
  "additionalProperties",
  "unevaluatedProperties",
];

type Merge = (a: Json, b: Json) => Json | undefined;

/** `side`'s properties with `names` declared as the schema `side` already applies to each. */
function declaring(side: Node, names: string[]): Node | undefined {
  const declared = isNode(side.properties) ? side.properties : {};
  const patterns = isNode(side.patternProperties)
    ? Object.keys(side.patternProperties).map(validatorRegExp)
    : [];
  if (patterns.some((p) => p === undefined)) return undefined;
  const out: Node = { ...declared };
  for (const name of names) {
    if (Object.hasOwn(out, name)) continue;
    const governed = patterns.some((p) => p!.test(name));
    setOwn(out, name, governed ? {} : (side.additionalProperties ?? {}));
  }
  return out;
}

/** Two schemas' object keywords as one set of keywords meaning both, or undefined (see above). */
export function mergeObjectGroup(a: Node, b: Node, merge: Merge): Node | undefined {
  if (a.unevaluatedProperties !== undefined || b.unevaluatedProperties !== undefined) return undefined;
  const names = (n: Node) => (isNode(n.properties) ? Object.keys(n.properties) : []);
  const all = [...new Set([...names(a), ...names(b)])];
  const pa = declaring(a, all);
  const pb = declaring(b, all);
  if (!pa || !pb) return undefined;
  const properties: Node = {};
  for (const name of all) {
    const merged = merge(pa[name]!, pb[name]!);
    if (merged === undefined) return undefined;
    setOwn(properties, name, merged);
  }
  const out: Node = all.length ? { properties } : {};
  const [addA, addB] = [a.additionalProperties, b.additionalProperties];
  const [ppA, ppB] = [a.patternProperties, b.patternProperties];
  if (addA !== undefined && addB !== undefined) {
    if (ppA !== undefined || ppB !== undefined) return undefined;
    const merged = merge(addA, addB);
    if (merged === undefined) return undefined;
    out.additionalProperties = merged;
  } else if (addA !== undefined || addB !== undefined) {
    const [add, mine, theirs] = addA !== undefined ? [addA, ppA, ppB] : [addB!, ppB, ppA];
    if (theirs !== undefined) return undefined;
    out.additionalProperties = add;
    if (mine !== undefined) out.patternProperties = mine;
  } else if (ppA !== undefined || ppB !== undefined) {
    if ((ppA !== undefined && !isNode(ppA)) || (ppB !== undefined && !isNode(ppB))) return undefined;
    const patterns: Node = { ...(ppA ?? {}) };
    for (const [p, s] of Object.entries(ppB ?? {})) {
      const merged = Object.hasOwn(patterns, p) ? merge(patterns[p]!, s) : s;
      if (merged === undefined) return undefined;
      setOwn(patterns, p, merged);
    }
    out.patternProperties = patterns;
  }
  return out;
}
