/**
 * oneOf is generated as an alternation (anyOf): only safe when no generated value can match two
 * branches. A branch is restricted by the complement of each branch it may overlap (see
 * exclusiveBranches). Two branches are already apart when they produce different JSON kinds, when both are
 * enum/const lists without a common value, or, for two object branches, when the object each one
 * generates (exactly its declared properties: see json-schema-objects.ts) fails the other — a
 * `required` name it lacks, or a key the other forbids with `additionalProperties: false`.
 */
import type { Json, Node } from "./json-schema-common.js";
import { isNode } from "./json-schema-common.js";
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

const literals = (s: Node): string[] | undefined =>
  s.const !== undefined
    ? [JSON.stringify(s.const)]
    : Array.isArray(s.enum)
      ? s.enum.map((v) => JSON.stringify(v))
      : undefined;

/** Whether the object generated for `gen` (its declared properties, no extra keys) fails `other`. */
function objectFails(gen: Node, other: Node): boolean {
  // Only a plain branch is known to generate exactly its declared properties.
  if (["allOf", "anyOf", "oneOf", "$ref", "if", "not"].some((k) => gen[k] !== undefined)) return false;
  // Its declared properties and its required names (json-schema-objects.ts generates both).
  const declared = isNode(gen.properties) ? Object.keys(gen.properties) : [];
  const props = [...declared, ...(Array.isArray(gen.required) ? gen.required.map(String) : [])];
  const extraKeys =
    declared.length === 0 && gen.additionalProperties !== undefined && gen.additionalProperties !== false;
  if (extraKeys) return false;
  const required = Array.isArray(other.required) ? other.required.map(String) : [];
  if (required.some((r) => !props.includes(r))) return true;
  const allowed = isNode(other.properties) ? Object.keys(other.properties) : [];
  // Under `maxProperties` optional properties may be left out (json-schema-objects.ts): only the
  // required ones are surely generated.
  const sure = typeof gen.maxProperties === "number" ? ((gen.required as Json[] | undefined) ?? []) : props;
  return (
    other.additionalProperties === false &&
    other.patternProperties === undefined &&
    sure.map(String).some((p) => !allowed.includes(p))
  );
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
  for (const [i, branch] of branches.entries()) {
    let alternatives: Json[] = [branch];
    const apart = branches.map(
      (other, j) => j !== i && (excludes(branch, other) || stringsApart(branch, unmerged[j]!, ctx)),
    );
    for (const [j, written] of unmerged.entries()) {
      if (j === i || apart[j]) continue;
      const complement = complementOf(written, ctx, "");
      alternatives = alternatives
        .flatMap((a) => complement.map((c) => mergeSchemas(a, c)))
        .filter((m): m is Json => m !== undefined && m !== false)
        .slice(0, MAX_ALTERNATIVES);
    }
    // `excludes` reasons about what is generated, which a merge may change (an added property can
    // meet another branch's `required`): those branches are checked again on the merged schema.
    const still = (a: Json) => branches.every((other, j) => !apart[j] || a === branch || excludes(a, other));
    out.push(...alternatives.filter(still).map((a): [Json, number] => [a, i]));
  }
  return out;
}
