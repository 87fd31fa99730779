/**
 * oneOf is generated as an alternation (anyOf): only safe when no generated value can match two
 * branches. A branch is restricted by the complement of each branch it may overlap (see
 * exclusiveBranches). Two branches are already apart when they produce different JSON kinds, when both are
 * enum/const lists without a common value, or, for two object branches, when the object each one
 * generates (exactly its declared properties: see json-schema-objects.ts) fails the other — a
 * `required` name it lacks, or a key the other forbids with `additionalProperties: false`.
 */
import type { Json, Node } from "./json-schema-common.js";
import { canonicalJson } from "../constraints/canonical-json.js";
import { isNode, listedValues } from "./json-schema-common.js";
import { mergeSchemas } from "./json-schema-merge.js";
import { complementOf, type NotContext } from "./json-schema-not.js";
import { stringsApart } from "./string-formula.js";

/** Restricting one branch against several others multiplies alternatives; past this many, a subset. */
const MAX_ALTERNATIVES = 16;

const kindOf = (v: Json): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "object" ? "object" : typeof v;

/** The JSON kinds a branch can produce (integer counted as number), or undefined when unknown. */
function kinds(schema: Node): string[] | undefined {
  const norm = (t: string) => (t === "integer" ? "number" : t);
  if (schema.const !== undefined) return [kindOf(schema.const)];
  if (Array.isArray(schema.enum)) return [...new Set(schema.enum.map(kindOf))];
  if (schema.type === undefined) return undefined;
  const list = Array.isArray(schema.type) ? schema.type : [schema.type];
  return [...new Set(list.map((t) => norm(String(t))))];
}

// Canonical text, so that objects equal to the validator (whatever their key order) compare equal.
const literals = (s: Node): string[] | undefined => listedValues(s)?.map((v) => canonicalJson(v));

/** Whether the object generated for `gen` (its declared properties, no extra keys) fails `other`. */
function objectFails(gen: Node, other: Node): boolean {
  // Only a plain branch is known to generate exactly its declared properties.
  const combined = ["allOf", "anyOf", "oneOf", "$ref", "if", "not", "dependencies", "dependentSchemas"];
  if (combined.some((k) => gen[k] !== undefined)) return false;
  // Its declared properties and its required names (json-schema-objects.ts generates both) — and,
  // below `minProperties`, keys of its own (`key1`, a pattern's shortest match), which may be anything.
  const declared = isNode(gen.properties) ? Object.keys(gen.properties) : [];
  const props = [...new Set([...declared, ...(Array.isArray(gen.required) ? gen.required.map(String) : [])])];
  if (typeof gen.minProperties === "number" && gen.minProperties > props.length) return false;
  const extraKeys =
    declared.length === 0 && gen.additionalProperties !== undefined && gen.additionalProperties !== false;
  if (extraKeys) return false;
  const required = Array.isArray(other.required) ? other.required.map(String) : [];
  if (required.some((r) => !props.includes(r))) return true;
  const allowed = isNode(other.properties) ? Object.keys(other.properties) : [];
  // Only the required names are surely generated (an optional property no value matches, or one
  // past `maxProperties`, is left out: json-schema-objects.ts); `pinned` makes the others required.
  const sure = Array.isArray(gen.required) ? gen.required.map(String) : [];
  if (
    other.additionalProperties === false &&
    other.patternProperties === undefined &&
    sure.some((p) => !allowed.includes(p))
  )
    return true;
  // A discriminator: a surely generated property whose values all fail the other's schema for it.
  const mine = isNode(gen.properties) ? gen.properties : {};
  const theirs = isNode(other.properties) ? other.properties : {};
  return sure.some(
    (p) => Object.hasOwn(mine, p) && Object.hasOwn(theirs, p) && excludes(mine[p]!, theirs[p]!),
  );
}

/**
 * An object branch with every declared property required: json-schema-objects.ts generates them
 * all anyway, except one no value matches (or past `maxProperties`), which now empties the branch
 * instead of being left out — a subset, on which `excludes` may count each property as present.
 * Not where they are more than `maxProperties` allows.
 */
function pinned(branch: Json): Node | undefined {
  if (!isNode(branch) || !isNode(branch.properties)) return undefined;
  const required = Array.isArray(branch.required) ? branch.required.map(String) : [];
  const names = Object.entries(branch.properties)
    .filter(([name, s]) => s !== false && !required.includes(name))
    .map(([name]) => name);
  // Past `maxProperties` the pinned branch would be empty: the restriction below is left to it.
  const all = [...required, ...names];
  const fits = typeof branch.maxProperties !== "number" || all.length <= branch.maxProperties;
  return names.length && fits ? { ...branch, required: all } : undefined;
}

/** Whether every value generated for `gen` fails `other` (known from kinds, literals, or objects). */
export function excludes(gen: Json, other: Json): boolean {
  if (!isNode(gen) || !isNode(other)) return false;
  const ka = kinds(gen);
  // A schema without a type may take any kind: only its other keywords can refuse a value.
  const kb = kinds(other) ?? ka;
  if (!ka || !kb) return false;
  const shared = ka.filter((k) => kb.includes(k));
  if (shared.length === 0) return true;
  const la = literals(gen);
  const lb = literals(other);
  if (la && lb) return !la.some((v) => lb.includes(v));
  if (la || lb) return false;
  return shared.every((k) => k === "object") && objectFails(gen, other);
}

/**
 * What to generate for a oneOf (top-level $refs resolved): each branch restricted to values that
 * fail every other branch — as it is where its values already fail them all (`excludes`), else
 * merged with the complement of each branch it may overlap (json-schema-not.ts), so that every
 * value matches exactly that one branch. Pairs of (schema, branch index); a branch with no such
 * restriction is left out (a subset), and none at all means the caller refuses. `unmerged` are the
 * branches as written, before the oneOf's sibling keywords were merged into each: every generated
 * value already matches those siblings, so failing branch j as written fails it merged too, and
 * its complement need not repeat the siblings' (which only contradict the branch being restricted).
 */
export function exclusiveBranches(
  branches: Json[],
  ctx: NotContext,
  unmerged: Json[] = branches,
): Array<[Json, number]> {
  const out: Array<[Json, number]> = [];
  // Literals settle it by the validator too: a branch whose values all fail the other, or the
  // other's values all failing the branch (every generated value passes the branch, so none of
  // them is one of those).
  const none = (list: Json[] | undefined, schema: Json) =>
    list !== undefined && ctx.passing?.(list, schema)?.length === 0;
  const disjoint = (a: Json, b: Json) =>
    excludes(a, b) || none(listedValues(a), b) || none(listedValues(b), a);
  // Apart from branch j: by what is generated, by literals, or (strings) on automata (string-formula.ts).
  const separate = (a: Json, j: number) => disjoint(a, branches[j]!) || stringsApart(a, unmerged[j]!, ctx);
  for (const [i, written] of branches.entries()) {
    let branch: Json = written;
    let apart = branches.map((_, j) => j !== i && separate(branch, j));
    const pin = apart.filter(Boolean).length < branches.length - 1 ? pinned(branch) : undefined;
    if (pin) {
      const pinnedApart = branches.map((_, j) => j !== i && separate(pin, j));
      if (pinnedApart.filter(Boolean).length > apart.filter(Boolean).length) {
        branch = pin;
        apart = pinnedApart;
      }
    }
    let alternatives: Json[] = [branch];
    for (const [j, other] of unmerged.entries()) {
      if (j === i || apart[j]) continue;
      const complement = complementOf(other, ctx, "");
      alternatives = alternatives
        .flatMap((a) => complement.map((c) => mergeSchemas(a, c)))
        .filter((m): m is Json => m !== undefined && m !== false)
        .slice(0, MAX_ALTERNATIVES);
    }
    // `excludes` reasons about what is generated, which a merge may change (an added property can
    // meet another branch's `required`): those branches are checked again on the merged schema.
    const still = (a: Json) => branches.every((_, j) => !apart[j] || a === branch || separate(a, j));
    out.push(...alternatives.filter(still).map((a): [Json, number] => [a, i]));
  }
  return out;
}
