/**
 * The combinators that become a union of alternatives: `anyOf`/`oneOf` branches, `not` (the rest
 * merged with each schema of a complement, json-schema-not.ts) and `if`/`then`/`else`. Each
 * alternative that no value matches, or (where said) that the grammar refuses, is left out: a
 * subset of the union, so every output still validates.
 */
import type { Draft } from "../constraints/ajv-drafts.js";
import { GrammarError } from "./errors.js";
import type { Json, Node, Out } from "./json-schema-common.js";
import { EmptySchema, emptySchema, isNode, unsupported } from "./json-schema-common.js";
import { mergeSchemas } from "./json-schema-merge.js";
import { complementOf, type NotContext } from "./json-schema-not.js";
import { excludes, exclusiveBranches } from "./json-schema-oneof.js";

/** What json-schema.ts's converter lends these functions. */
export interface Lowering {
  readonly draft: Draft;
  /** References whose definitions are being converted inlined (see union). */
  readonly inlining: Set<string>;
  convert(schema: Json, at: string): Out;
  inline(schema: Json, at: string, depth: number): Json;
  notContext(at: string): NotContext;
  /** Whether a schema has no validating keyword (every value matches it). */
  trivial(schema: Json): boolean;
}

/** A schema to generate, where it is, and the definition it was inlined from (if any). */
export type Alternative = readonly [Json, string, string?];

export const refName = (schema: Json): string | undefined =>
  isNode(schema) && typeof schema.$ref === "string" ? schema.$ref : undefined;

/**
 * Alternatives of which any may be generated: those that no value matches are left out (a
 * subset of the union); when every one is empty, so is the union. `skipRefused` leaves out the
 * ones the grammar refuses too; `feature` names the refusal when none is left.
 */
export function union(
  cv: Lowering,
  alternatives: ReadonlyArray<Alternative>,
  at: string,
  skipRefused = false,
  feature?: string,
): Out {
  const out: Out[] = [];
  let first: unknown;
  for (const [schema, where, inlined] of alternatives) {
    // An alternative inlined from a definition that is being inlined already recurses without end.
    if (inlined !== undefined && cv.inlining.has(inlined)) {
      first ??= unsupported(`a recursive \`oneOf\`/\`not\` through ${inlined}`, where);
      continue;
    }
    if (inlined !== undefined) cv.inlining.add(inlined);
    try {
      out.push(cv.convert(schema, where));
    } catch (err) {
      if (!(err instanceof EmptySchema) && !(skipRefused && err instanceof GrammarError)) throw err;
      first ??= err;
    } finally {
      if (inlined !== undefined) cv.inlining.delete(inlined);
    }
  }
  if (out.length === 0) {
    // Named after the keyword, not after whichever alternative failed first; still "no value"
    // when every alternative had none (an optional property may then be left out).
    if (feature) {
      const refusal = unsupported(feature, at);
      if (!(first instanceof EmptySchema)) throw refusal;
      throw new EmptySchema(refusal.code, refusal.message, refusal.param);
    }
    throw first ?? emptySchema("an empty union", at);
  }
  const unique = [...new Map(out.map((o) => [JSON.stringify(o), o])).values()];
  return unique.length === 1 ? unique[0]! : { oneOf: unique };
}

/**
 * The schema without its `not`: the rest generated only where every value provably fails the
 * negated schema — all of the rest (json-schema-oneof.ts's `excludes`), or the rest merged with
 * each schema of json-schema-not.ts's complement (a union; those that cannot be merged or
 * generated are left out, a subset).
 */
export function withoutNot(cv: Lowering, schema: Node, at: string): Out {
  const { not, ...rest } = schema;
  if (not === false) return cv.convert(rest, at);
  const negated = cv.inline(not!, `${at}/not`, 0);
  const resolved = cv.inline(rest, at, 0);
  if (excludes(resolved, negated)) return cv.convert(rest, at);
  const complement = complementOf(negated, cv.notContext(at), `${at}/not`);
  // A `not` left in a merge is only kept where an enum decides it (else it would recurse here).
  const decided = (m: Json) =>
    !isNode(m) || m.not === undefined || m.enum !== undefined || m.const !== undefined;
  const merged = complement
    .map((c) => mergeSchemas(resolved, c))
    .filter((m): m is Json => m !== undefined && m !== false && decided(m));
  if (merged.length === 0) {
    const none =
      (complement.length === 0 && (cv.trivial(negated) || everyType(cv, negated))) ||
      (complement.length > 0 && complement.every((c) => mergeSchemas(resolved, c) === false));
    throw none ? emptySchema("`not` that leaves no value", at) : unsupported("`not`", at);
  }
  return union(
    cv,
    merged.map((m): Alternative => [m, at, refName(rest)]),
    at,
    true,
    "`not`",
  );
}

/** Whether a schema is `type` listing every JSON kind and nothing else that validates. */
function everyType(cv: Lowering, schema: Json): boolean {
  if (!isNode(schema) || schema.type === undefined) return false;
  const { type, ...rest } = schema;
  const listed = (Array.isArray(type) ? type : [type]).map(String);
  const kinds = ["string", "number", "boolean", "null", "object", "array"];
  return cv.trivial(rest) && kinds.every((k) => listed.includes(k));
}

/**
 * `if`/`then`/`else` as a union: the schema with `if` and `then` merged in, and the schema with
 * `else` and each schema of the complement of `if` (json-schema-not.ts) merged in; those that
 * cannot be merged or generated are left out (a subset). Drafts without the keywords, and
 * `then`/`else` without `if`, are read as the validator reads them: as nothing.
 */
export function conditional(cv: Lowering, schema: Node, at: string): Out {
  const { if: cond, then, else: otherwise, ...rest } = schema;
  if (cond === undefined || cv.draft === "draft-04" || cv.draft === "draft-06") {
    return cv.convert(rest, at);
  }
  const merge = (...parts: Json[]) =>
    parts.reduce<Json | undefined>((a, b) => (a === undefined ? undefined : mergeSchemas(a, b)), rest);
  const inlined = (s: Json | undefined) => cv.inline(s ?? {}, at, 0);
  const alternatives = [
    merge(inlined(cond), inlined(then)),
    ...complementOf(inlined(cond), cv.notContext(at), `${at}/if`).map((c) => merge(c, inlined(otherwise))),
  ].filter((m): m is Json => m !== undefined && m !== false);
  if (alternatives.length === 0)
    throw unsupported("`if`/`then`/`else` that cannot be merged with the schema", at);
  return union(
    cv,
    alternatives.map((m): Alternative => [m, at]),
    at,
    true,
    "`if`/`then`/`else`",
  );
}

/**
 * `anyOf`/`oneOf`: sibling keywords apply to every branch — A ∧ (B₁ ∨ B₂) = (A ∧ B₁) ∨ (A ∧ B₂),
 * and the same for oneOf — so they are merged into each; a oneOf's branches are then kept apart
 * (json-schema-oneof.ts).
 */
export function branchesSchema(
  cv: Lowering,
  schema: Node,
  k: "anyOf" | "oneOf",
  siblings: boolean,
  at: string,
): Out {
  const list = schema[k];
  if (!Array.isArray(list) || list.length === 0) throw unsupported(`an empty \`${k}\``, at);
  const { [k]: _, ...rest } = schema;
  // A branch the siblings cannot be merged into stays their `allOf` (json-schema-allof.ts may
  // still distribute it, or refuses it).
  const merge = (b: Json, i: number): Json => {
    const inlined = cv.inline(b, `${at}/${k}/${i}`, 0);
    return mergeSchemas(rest, inlined) ?? { allOf: [rest, inlined] };
  };
  const branches = siblings ? list.map(merge) : list;
  if (k === "anyOf")
    return union(
      cv,
      branches.map((b, i): Alternative => [b, `${at}/${k}/${i}`]),
      at,
    );
  const resolved = branches.map((b, i) => cv.inline(b, `${at}/${k}/${i}`, 0));
  const alternatives = exclusiveBranches(resolved, cv.notContext(at), list);
  if (alternatives.length === 0) throw unsupported("`oneOf` whose branches may overlap", at);
  // A branch kept whole is converted as written (a $ref stays a reference to its definition).
  const written = ([b, i]: [Json, number]): Alternative =>
    b === resolved[i] ? [branches[i]!, `${at}/${k}/${i}`] : [b, `${at}/${k}/${i}`, refName(branches[i]!)];
  return union(cv, alternatives.map(written), at, true, "`oneOf` whose branches may overlap");
}
