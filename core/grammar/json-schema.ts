/**
 * JSON Schema → the lowered form gbnf-json.ts writes as GBNF (a small JSON-Schema-shaped form:
 * every property is generated, extra keys only where none is declared, `gbnf` nodes for bounded
 * numbers and patterns). This module maps what the grammar can express exactly or as a safe subset
 * (every output still validates) and rejects the rest up front with schema_unsupported naming the
 * keyword. Nothing is silently dropped. README.md states the supported subset.
 */
import { type Draft, draftOf } from "../constraints/ajv-drafts.js";
import { GrammarError } from "./errors.js";
import { loweredToGbnf } from "./gbnf-json.js";
import { ARRAY_KEYS, arraySchema } from "./json-schema-arrays.js";
import {
  EmptySchema,
  emptySchema,
  has,
  isNode,
  type Json,
  type Node,
  type Out,
  setOwn,
  unsupported,
} from "./json-schema-common.js";
import { SCALAR_KEYS, scalarFits, valuesPassing } from "./json-schema-literals.js";
import { mergeSchemas } from "./json-schema-merge.js";
import { complementOf, type NotContext } from "./json-schema-not.js";
import { integerSchema, NUMBER_KEYS, numberSchema, withNumberFormat } from "./json-schema-numbers.js";
import { excludes, exclusiveBranches } from "./json-schema-oneof.js";
import { OBJECT_KEYS, objectSchema } from "./json-schema-objects.js";
import { stringSchema } from "./json-schema-strings.js";

/** Keywords that constrain instances but that the grammar cannot express (type-aware below). */
const UNSUPPORTED: Record<string, string[]> = {
  any: ["not", "$dynamicRef", "$recursiveRef", "unevaluatedProperties"],
  string: ["contentSchema"],
  number: NUMBER_KEYS,
  object: ["propertyNames", "unevaluatedProperties"],
  array: ["contains", "minContains", "maxContains", "unevaluatedItems"],
};
const STRING_KEYS = ["minLength", "maxLength", "format", "pattern"];
const COMBINATORS = ["$ref", "allOf", "anyOf", "oneOf", "enum", "const", "if", "then", "else"];
/** Every keyword this module reads or rejects; anything else is an annotation and is ignored. */
const VALIDATION = new Set([
  "type",
  ...COMBINATORS,
  ...STRING_KEYS,
  ...OBJECT_KEYS,
  ...ARRAY_KEYS,
  ...Object.values(UNSUPPORTED).flat(),
]);
const TYPES = ["string", "number", "integer", "boolean", "null", "object", "array"] as const;
type TypeName = (typeof TYPES)[number];

/** A schema to generate, where it is, and the definition it was inlined from (if any). */
type Alternative = readonly [Json, string, string?];

const refName = (schema: Json): string | undefined =>
  isNode(schema) && typeof schema.$ref === "string" ? schema.$ref : undefined;

/** The definition names a lowered schema refers to. */
function refsOf(out: unknown, found: string[] = []): string[] {
  if (Array.isArray(out)) for (const v of out) refsOf(v, found);
  else if (typeof out === "object" && out !== null) {
    for (const [k, v] of Object.entries(out)) {
      if (k === "$ref" && typeof v === "string") found.push(v.replace(/^#\/\$defs\//, ""));
      else refsOf(v, found);
    }
  }
  return found;
}

class Converter {
  private readonly defsIn: Record<string, Json>;
  readonly defsOut: Record<string, Out> = {};

  constructor(
    private readonly root: Node,
    private readonly draft: Draft,
  ) {
    this.defsIn = {
      ...(isNode(root.definitions) ? root.definitions : {}),
      ...(isNode(root.$defs) ? root.$defs : {}),
    };
  }

  private depth = 0;
  /** Definitions in the order they were registered (see convert). */
  private readonly added: string[] = [];
  /** References whose definitions are being converted inlined (see union). */
  private readonly inlining = new Set<string>();
  /** Definitions whose conversion finished. */
  private readonly complete = new Set<string>();
  /** Definitions whose conversion was refused, with the refusal. */
  private readonly failed = new Map<string, GrammarError>();

  convert(schema: Json, at: string): Out {
    if (this.depth > 100)
      throw unsupported("a schema nested more than 100 levels deep (or recursive in place)", at);
    this.depth++;
    const mark = this.added.length;
    try {
      return this.convertNode(schema, at);
    } catch (err) {
      // A refusal may be caught (an optional property, a union branch left out): the definitions
      // registered meanwhile may be unfinished or refer to unfinished ones, so none may stay.
      this.rollback(mark);
      throw err;
    } finally {
      this.depth--;
    }
  }

  private convertNode(schema: Json, at: string): Out {
    if (schema === true) return this.anyScalar();
    if (schema === false) throw emptySchema("a `false` schema", at);
    if (!isNode(schema)) throw unsupported(`a schema that is not an object (${JSON.stringify(schema)})`, at);
    const validating = Object.keys(schema).filter((k) => VALIDATION.has(k) && has(schema, k));
    const siblingsOf = (k: string) => validating.filter((v) => v !== k);
    const finite = this.literals(schema, at);
    if (finite) return finite;
    if (has(schema, "not")) return this.withoutNot(schema, at);
    for (const k of UNSUPPORTED.any!) if (has(schema, k)) throw unsupported(`\`${k}\``, at);

    if (has(schema, "$ref")) {
      // Up to draft-07 the validator ignores a $ref's siblings, later drafts apply both: generating
      // the merge of the two satisfies either reading.
      if (siblingsOf("$ref").length) return this.convert(this.inline(schema, at, 0), at);
      return { $ref: `#/$defs/${this.ref(String(schema.$ref), at)}` };
    }
    if (has(schema, "if") || has(schema, "then") || has(schema, "else")) return this.conditional(schema, at);
    if (has(schema, "allOf")) {
      const all = schema.allOf;
      if (!Array.isArray(all)) throw unsupported("an `allOf` that is not an array", at);
      const { allOf: _, ...rest } = schema;
      let merged: Json | undefined = rest;
      for (const [i, sub] of all.entries()) {
        merged = mergeSchemas(merged!, this.inline(sub, `${at}/allOf/${i}`, 0));
        if (merged === undefined) throw unsupported("`allOf` whose subschemas cannot be merged into one", at);
      }
      return this.convert(merged!, at);
    }
    for (const k of ["anyOf", "oneOf"] as const) {
      if (!has(schema, k)) continue;
      const list = schema[k];
      if (!Array.isArray(list) || list.length === 0) throw unsupported(`an empty \`${k}\``, at);
      // Siblings apply to every branch: A ∧ (B₁ ∨ B₂) = (A ∧ B₁) ∨ (A ∧ B₂), and the same for oneOf.
      const { [k]: _, ...rest } = schema;
      const merge = (b: Json, i: number) => {
        const merged = mergeSchemas(rest, this.inline(b, `${at}/${k}/${i}`, 0));
        if (merged === undefined)
          throw unsupported(`\`${k}\` with sibling keywords that cannot be merged into it`, at);
        return merged;
      };
      const branches = siblingsOf(k).length ? list.map(merge) : list;
      if (k === "anyOf")
        return this.union(
          branches.map((b, i): Alternative => [b, `${at}/${k}/${i}`]),
          at,
        );
      const resolved = branches.map((b, i) => this.inline(b, `${at}/${k}/${i}`, 0));
      const alternatives = exclusiveBranches(resolved, this.notContext(at));
      if (alternatives.length === 0) throw unsupported("`oneOf` whose branches may overlap", at);
      // A branch kept whole is converted as written (a $ref stays a reference to its definition).
      const written = ([b, i]: [Json, number]): Alternative =>
        b === resolved[i] ? [branches[i]!, `${at}/${k}/${i}`] : [b, `${at}/${k}/${i}`, refName(branches[i]!)];
      return this.union(alternatives.map(written), at, true);
    }
    const types = this.typesOf(schema, at);
    if (types.length === 1) return this.single(schema, types[0]!, at);
    return { oneOf: types.map((t) => this.single(schema, t, at)) };
  }

  /**
   * Drops the definitions registered since `mark` that are unfinished or refer (transitively) to
   * one that is dropped; finished ones stay, so that a union trying its branches in turn does not
   * convert them again (which grows exponentially with nesting).
   */
  private rollback(mark: number): void {
    const since = this.added.splice(mark);
    const gone = new Set(since.filter((name) => !this.complete.has(name)));
    for (let changed = true; changed; ) {
      changed = false;
      for (const name of since) {
        if (gone.has(name) || !refsOf(this.defsOut[name]).some((r) => gone.has(r))) continue;
        gone.add(name);
        changed = true;
      }
    }
    for (const name of gone) {
      delete this.defsOut[name];
      this.complete.delete(name);
    }
    this.added.push(...since.filter((name) => !gone.has(name)));
  }

  /**
   * Alternatives of which any may be generated: those that no value matches are left out (a
   * subset of the union); when every one is empty, so is the union.
   */
  private union(alternatives: ReadonlyArray<Alternative>, at: string, skipRefused = false): Out {
    const out: Out[] = [];
    let first: unknown;
    for (const [schema, where, inlined] of alternatives) {
      // An alternative inlined from a definition that is being inlined already recurses without end.
      if (inlined !== undefined && this.inlining.has(inlined)) {
        first ??= unsupported(`a recursive \`oneOf\`/\`not\` through ${inlined}`, where);
        continue;
      }
      if (inlined !== undefined) this.inlining.add(inlined);
      try {
        out.push(this.convert(schema, where));
      } catch (err) {
        if (!(err instanceof EmptySchema) && !(skipRefused && err instanceof GrammarError)) throw err;
        first ??= err;
      } finally {
        if (inlined !== undefined) this.inlining.delete(inlined);
      }
    }
    if (out.length === 0) throw first ?? emptySchema("an empty union", at);
    const unique = [...new Map(out.map((o) => [JSON.stringify(o), o])).values()];
    return unique.length === 1 ? unique[0]! : { oneOf: unique };
  }

  /**
   * A schema with an `enum` or `const` (its own, or an `allOf` branch's, or every `oneOf`
   * branch's) generates at most those values: the ones that pass the whole schema
   * (json-schema-literals.ts), or undefined when the values are not known that way.
   */
  private literals(schema: Node, at: string): Out | undefined {
    let values: Json[] | undefined;
    if (has(schema, "const")) values = [schema.const!];
    else if (has(schema, "enum")) {
      if (!Array.isArray(schema.enum)) throw unsupported("an `enum` that is not an array", at);
      values = schema.enum;
    } else {
      const branches = (k: string) => (Array.isArray(schema[k]) ? (schema[k] as Json[]) : []);
      const literalsOf = (b: Json): Json[] | undefined => {
        const s = isNode(b) && typeof b.$ref === "string" ? this.lookup(b.$ref) : b;
        if (!isNode(s)) return undefined;
        return s.const !== undefined ? [s.const] : Array.isArray(s.enum) ? s.enum : undefined;
      };
      values = branches("allOf")
        .map(literalsOf)
        .find((v) => v !== undefined);
      const oneOf = branches("oneOf").map(literalsOf);
      if (!values && oneOf.length && oneOf.every((v) => v !== undefined)) values = oneOf.flat() as Json[];
      if (!values) return undefined;
    }
    const scalarOnly = Object.keys(schema).every((k) => !VALIDATION.has(k) || SCALAR_KEYS.has(k));
    const compound = values.some((v) => typeof v === "object" && v !== null);
    const types = this.typesOf(schema, at);
    let kept = scalarOnly && !compound ? values.filter((v) => scalarFits(v, types, schema, at)) : undefined;
    if (!kept?.length) kept = valuesPassing(values, schema, this.root, this.draft) ?? kept;
    if (kept === undefined) {
      if (!has(schema, "enum") && !has(schema, "const")) return undefined;
      throw unsupported("an `enum`/`const` beside keywords that cannot be checked on their own", at);
    }
    if (kept.length === 0) throw emptySchema("an `enum`/`const` none of whose values passes the schema", at);
    const unique = [...new Map(kept.map((v) => [JSON.stringify(v), v])).values()];
    return { enum: unique };
  }

  /**
   * The schema without its `not`: the rest generated only where every value provably fails the
   * negated schema — all of the rest (json-schema-oneof.ts's `excludes`), or the rest merged with
   * each schema of json-schema-not.ts's complement (a union; those that cannot be merged or
   * generated are left out, a subset).
   */
  private withoutNot(schema: Node, at: string): Out {
    const { not, ...rest } = schema;
    if (not === false) return this.convert(rest, at);
    const negated = this.inline(not!, `${at}/not`, 0);
    const resolved = this.inline(rest, at, 0);
    if (excludes(resolved, negated)) return this.convert(rest, at);
    const complement = complementOf(negated, this.notContext(at), `${at}/not`);
    // A `not` left in a merge is only kept where an enum decides it (else it would recurse here).
    const decided = (m: Json) =>
      !isNode(m) || m.not === undefined || m.enum !== undefined || m.const !== undefined;
    const merged = complement
      .map((c) => mergeSchemas(resolved, c))
      .filter((m): m is Json => m !== undefined && m !== false && decided(m));
    if (merged.length === 0) {
      const none =
        (complement.length === 0 && this.trivial(negated)) ||
        (complement.length > 0 && complement.every((c) => mergeSchemas(resolved, c) === false));
      throw none ? emptySchema("`not` of a schema every value matches", at) : unsupported("`not`", at);
    }
    return this.union(
      merged.map((m): Alternative => [m, at, refName(rest)]),
      at,
      true,
    );
  }

  private notContext(at: string): NotContext {
    return { draft: this.draft, resolve: (s) => this.resolveAsDraft(s, at), budget: { left: 400 } };
  }

  /**
   * `if`/`then`/`else` as a union: the schema with `if` and `then` merged in, and the schema with
   * `else` and each schema of the complement of `if` (json-schema-not.ts) merged in; those that
   * cannot be merged or generated are left out (a subset). Drafts without the keywords, and
   * `then`/`else` without `if`, are read as the validator reads them: as nothing.
   */
  private conditional(schema: Node, at: string): Out {
    const { if: cond, then, else: otherwise, ...rest } = schema;
    if (cond === undefined || this.draft === "draft-04" || this.draft === "draft-06") {
      return this.convert(rest, at);
    }
    const merge = (...parts: Json[]) =>
      parts.reduce<Json | undefined>((a, b) => (a === undefined ? undefined : mergeSchemas(a, b)), rest);
    const inlined = (s: Json | undefined) => this.inline(s ?? {}, at, 0);
    const alternatives = [
      merge(inlined(cond), inlined(then)),
      ...complementOf(inlined(cond), this.notContext(at), `${at}/if`).map((c) =>
        merge(c, inlined(otherwise)),
      ),
    ].filter((m): m is Json => m !== undefined && m !== false);
    if (alternatives.length === 0)
      throw unsupported("`if`/`then`/`else` that cannot be merged with the schema", at);
    return this.union(
      alternatives.map((m): Alternative => [m, at]),
      at,
      true,
    );
  }

  /** Whether a schema has no validating keyword (every value matches it). */
  private trivial(schema: Json): boolean {
    return schema === true || (isNode(schema) && !Object.keys(schema).some((k) => VALIDATION.has(k)));
  }

  /**
   * A schema with its top-level `$ref` resolved as the validator reads it: up to draft-07 the
   * target alone (siblings ignored), later the exact merge; undefined where that is not simple.
   */
  private resolveAsDraft(schema: Json, at: string): Json | undefined {
    if (!isNode(schema) || typeof schema.$ref !== "string") return schema;
    const legacy = ["draft-04", "draft-06", "draft-07"].includes(this.draft);
    try {
      if (legacy) return this.inline({ $ref: schema.$ref }, at, 0);
      return this.inline(schema, at, 0);
    } catch {
      return undefined;
    }
  }

  /** A schema with its top-level local `$ref` replaced by the definition merged with its siblings. */
  private inline(schema: Json, at: string, depth: number): Json {
    if (!isNode(schema) || typeof schema.$ref !== "string") return schema;
    const { $ref, ...siblings } = schema;
    const target = $ref === "#" ? this.root : this.lookup($ref as string);
    if (target === undefined || depth > 16) throw unsupported(`the reference "${$ref}" here`, at);
    const merged = mergeSchemas(this.inline(target, at, depth + 1), siblings);
    if (merged === undefined)
      throw unsupported("`$ref` with sibling keywords that cannot be merged into it", at);
    return merged;
  }

  /** Registers a local definition and returns its name; other references are rejected. */
  private ref(ref: string, at: string): string {
    if (ref === "#") {
      // "#" is not a definition name (those come from #/definitions/<name>), so it cannot collide.
      if (!Object.hasOwn(this.defsOut, "#")) {
        setOwn(this.defsOut, "#", {});
        this.added.push("#");
        Object.assign(this.defsOut["#"]!, this.convert(this.root, "#"));
      }
      return "#";
    }
    const match = /^#\/(definitions|\$defs)\/([^/]+)$/.exec(ref);
    if (!match)
      throw unsupported(`the reference "${ref}" (only #/definitions/<name> and #/$defs/<name>)`, at);
    const name = match[2]!.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!Object.hasOwn(this.defsIn, name))
      throw unsupported(`the reference "${ref}" to a missing definition`, at);
    const failed = this.failed.get(name);
    if (failed) throw failed;
    if (!Object.hasOwn(this.defsOut, name)) {
      setOwn(this.defsOut, name, {}); // placeholder first, so a recursive definition terminates
      this.added.push(name);
      try {
        Object.assign(this.defsOut[name]!, this.convert(this.defsIn[name]!, ref));
        this.complete.add(name);
      } catch (err) {
        // Remembered: a union that leaves this out would otherwise convert it again at every use.
        if (err instanceof GrammarError) this.failed.set(name, err);
        throw err;
      }
    }
    return name;
  }

  private typesOf(schema: Node, at: string): TypeName[] {
    const declared = schema.type;
    if (declared !== undefined) {
      const list = Array.isArray(declared) ? declared : [declared];
      for (const t of list) {
        if (!TYPES.includes(t as TypeName)) throw unsupported(`the type ${JSON.stringify(t)}`, at);
      }
      // "integer" is a subset of "number": generating integers only when both are listed is still valid.
      const set = list as TypeName[];
      return set.includes("number") ? set.filter((t) => t !== "integer") : set;
    }
    if (has(schema, "const") || has(schema, "enum")) return [...TYPES];
    const present = (keys: string[]) => keys.some((k) => has(schema, k));
    const inferred: TypeName[] = [];
    if (present(OBJECT_KEYS) || present(UNSUPPORTED.object!)) inferred.push("object");
    if (present(ARRAY_KEYS) || present(UNSUPPORTED.array!)) inferred.push("array");
    if (present(STRING_KEYS)) inferred.push("string");
    if (present(NUMBER_KEYS)) inferred.push("number");
    // An untyped schema accepts anything: scalars are the useful subset to generate.
    return inferred.length ? inferred : ["string", "number", "boolean", "null"];
  }

  private anyScalar(): Out {
    return { type: ["string", "number", "boolean", "null"] };
  }

  private lookup(ref: string): Json | undefined {
    const match = /^#\/(definitions|\$defs)\/([^/]+)$/.exec(ref);
    const name = match?.[2]?.replace(/~1/g, "/").replace(/~0/g, "~");
    return name !== undefined && Object.hasOwn(this.defsIn, name) ? this.defsIn[name] : undefined;
  }

  private single(schema: Node, type: TypeName, at: string): Out {
    for (const k of UNSUPPORTED[type === "integer" ? "number" : type] ?? []) {
      if (has(schema, k) && !NUMBER_KEYS.includes(k)) throw unsupported(`\`${k}\``, at);
    }
    switch (type) {
      case "number": {
        const { integer, bounded } = withNumberFormat(schema);
        return integer ? integerSchema(bounded, at) : numberSchema(schema, at);
      }
      case "string":
        return stringSchema(schema, at);
      case "integer":
        return integerSchema(withNumberFormat(schema).bounded, at);
      case "object":
        return this.object(schema, at);
      case "array":
        return this.array(schema, at);
      default:
        return { type };
    }
  }

  private object(schema: Node, at: string): Out {
    return objectSchema(schema, at, (s, where) => this.convert(s, where));
  }

  private array(schema: Node, at: string): Out {
    return arraySchema(schema, at, this.draft, (s, where) => this.convert(s, where));
  }
}

/**
 * Lowers a JSON Schema for gbnf-json.ts (definitions under `$defs`), or throws schema_unsupported
 * naming the first keyword the grammar cannot enforce.
 */
export function lowerJsonSchema(schema: Record<string, unknown>): Out {
  // A `$schema` the validator does not know is its to refuse; the grammar reads it as draft-07.
  const draft = draftOf(typeof schema.$schema === "string" ? schema.$schema : undefined) ?? "draft-07";
  const converter = new Converter(schema as Node, draft);
  const root = converter.convert(schema as Node, "");
  const defs = converter.defsOut;
  return Object.keys(defs).length === 0 ? root : { ...root, $defs: defs };
}

/** GBNF (root rule `root`) for a JSON Schema, or schema_unsupported naming what it cannot enforce. */
export function jsonSchemaToGbnf(schema: Record<string, unknown>): string {
  const { $defs, ...root } = lowerJsonSchema(schema);
  return loweredToGbnf(root, ($defs ?? {}) as Record<string, Out>);
}
