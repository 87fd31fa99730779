/**
 * oneOf is generated as an alternation (anyOf): only safe when no generated value can match two
 * branches. Two branches are kept apart when they produce different JSON kinds, when both are
 * enum/const lists without a common value, or, for two object branches, when the object each one
 * generates (exactly its declared properties: see json-schema-objects.ts) fails the other — a
 * `required` name it lacks, or a key the other forbids with `additionalProperties: false`.
 */
import { isNode, type Json, type Node, unsupported } from "./json-schema-common.js";

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
  return (
    other.additionalProperties === false &&
    other.patternProperties === undefined &&
    props.some((p) => !allowed.includes(p))
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
 * The branches of a oneOf (top-level $refs resolved) whose every generated value fails all the
 * other branches: generating only those keeps "exactly one" true (a subset when some are left
 * out). schema_unsupported when there is none.
 */
export function exclusiveBranches(branches: Json[], at: string): number[] {
  const keep = branches
    .map((_, i) => i)
    .filter((i) => branches.every((other, j) => j === i || excludes(branches[i]!, other)));
  if (keep.length === 0) throw unsupported("`oneOf` whose branches may overlap", at);
  return keep;
}
