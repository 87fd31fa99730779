/**
 * `allOf`: the subschemas merged into one where the merge is exact (json-schema-merge.ts); else,
 * where a part (the siblings or a subschema) holds an `anyOf`/`oneOf`, the conjunction distributed
 * over that part's branches — A ∧ (B₁ ∨ B₂) = (A ∧ B₁) ∨ (A ∧ B₂), and A ∧ oneOf(B₁, B₂) =
 * oneOf(A ∧ B₁, A ∧ B₂) (a value of A matches exactly one Bᵢ iff it matches exactly one A ∧ Bᵢ) —
 * each branch an `allOf` of its own, merged or distributed again. Branches the grammar refuses
 * or that no value matches are left out (a subset; json-schema-combinators.ts's `union`).
 */
import { type Alternative, type Lowering, union } from "./json-schema-combinators.js";
import type { Json, Node, Out } from "./json-schema-common.js";
import { isNode, unsupported } from "./json-schema-common.js";
import { mergeSchemas } from "./json-schema-merge.js";

const FEATURE = "`allOf` whose subschemas cannot be merged into one";
/** Distributing several `anyOf`s multiplies branches: past this many in one schema, refused. */
const MAX_BRANCHES = 64;

export function allOfSchema(cv: Lowering, schema: Node, at: string): Out {
  const all = schema.allOf;
  if (!Array.isArray(all)) throw unsupported("an `allOf` that is not an array", at);
  const { allOf: _, ...rest } = schema;
  const parts: Json[] = [rest, ...all.map((sub, i) => cv.inline(sub, `${at}/allOf/${i}`, 0))];
  let merged: Json | undefined = true;
  for (const part of parts) {
    merged = mergeSchemas(merged, part);
    if (merged === undefined) break;
  }
  if (merged !== undefined) return cv.convert(merged, at);
  return distributed(cv, parts, at);
}

/** The conjunction of `parts` as a union over one part's `anyOf`/`oneOf` branches, or refused. */
function distributed(cv: Lowering, parts: Json[], at: string): Out {
  const index = parts.findIndex((p) => isNode(p) && (Array.isArray(p.anyOf) || Array.isArray(p.oneOf)));
  if (index < 0) throw unsupported(FEATURE, at);
  const part = parts[index] as Node;
  const k = Array.isArray(part.anyOf) ? "anyOf" : "oneOf";
  const { [k]: list, ...remainder } = part;
  const branches = (list as Json[]).map(
    (b): Node => ({ allOf: [...parts.filter((_, i) => i !== index), remainder, b] }),
  );
  const count = (p: Json) => {
    const l = isNode(p) ? (p.anyOf ?? p.oneOf) : undefined;
    return Array.isArray(l) ? l.length : 1;
  };
  const width = parts.reduce<number>((n, p) => n * count(p), 1);
  if (width > MAX_BRANCHES) throw unsupported(FEATURE, at);
  if (k === "oneOf") return cv.convert({ oneOf: branches }, at);
  return union(
    cv,
    branches.map((b, j): Alternative => [b, `${at}/anyOf/${j}`]),
    at,
    true,
    FEATURE,
  );
}
