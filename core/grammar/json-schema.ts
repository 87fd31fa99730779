/**
 * JSON Schema → the lowered form gbnf-json.ts writes as GBNF (a small JSON-Schema-shaped form:
 * every property is generated, extra keys only where none is declared, `gbnf` nodes for bounded
 * numbers and patterns). This module maps what the grammar can express exactly or as a safe subset
 * (every output still validates) and rejects the rest up front with schema_unsupported naming the
 * keyword. Nothing is silently dropped. README.md states the supported subset.
 */
import { type Draft, draftOf } from "../constraints/ajv-drafts.js";
import { loweredToGbnf } from "./gbnf-json.js";
import {
  has,
  isNode,
  type Json,
  type Node,
  type Out,
  safeRegex,
  setOwn,
  unsupported,
} from "./json-schema-common.js";
import {
  integerSchema,
  NUMBER_KEYS,
  numberFits,
  numberSchema,
  withNumberFormat,
} from "./json-schema-numbers.js";
import { mergeSchemas } from "./json-schema-merge.js";
import { excludes, exclusiveBranches } from "./json-schema-oneof.js";
import { OBJECT_KEYS, objectSchema } from "./json-schema-objects.js";
import { stringSchema } from "./json-schema-strings.js";
import { formatAccepts } from "./json-string-formats.js";

/** Keywords that constrain instances but that the grammar cannot express (type-aware below). */
const UNSUPPORTED: Record<string, string[]> = {
  any: ["not", "$dynamicRef", "$recursiveRef", "unevaluatedProperties"],
  string: ["contentSchema"],
  number: NUMBER_KEYS,
  object: ["propertyNames", "unevaluatedProperties"],
  array: ["contains", "minContains", "maxContains", "unevaluatedItems"],
};
const STRING_KEYS = ["minLength", "maxLength", "format", "pattern"];
const ARRAY_KEYS = ["items", "prefixItems", "additionalItems", "minItems", "maxItems", "uniqueItems"];
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
const MAX_ARRAY_REPEAT = 200;

const literalType = (v: Json): TypeName | "compound" =>
  v === null
    ? "null"
    : typeof v === "boolean"
      ? "boolean"
      : typeof v === "string"
        ? "string"
        : typeof v === "number"
          ? Number.isInteger(v)
            ? "integer"
            : "number"
          : "compound";

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

  convert(schema: Json, at: string): Out {
    if (this.depth > 100)
      throw unsupported("a schema nested more than 100 levels deep (or recursive in place)", at);
    this.depth++;
    try {
      return this.convertNode(schema, at);
    } finally {
      this.depth--;
    }
  }

  private convertNode(schema: Json, at: string): Out {
    if (schema === true) return this.anyScalar();
    if (schema === false) throw unsupported("a `false` schema", at);
    if (!isNode(schema)) throw unsupported(`a schema that is not an object (${JSON.stringify(schema)})`, at);
    const validating = Object.keys(schema).filter((k) => VALIDATION.has(k) && has(schema, k));
    const siblingsOf = (k: string) => validating.filter((v) => v !== k);
    if (has(schema, "not")) return this.convert(this.withoutNot(schema, at), at);
    for (const k of UNSUPPORTED.any!) if (has(schema, k)) throw unsupported(`\`${k}\``, at);

    if (has(schema, "$ref")) {
      // Up to draft-07 the validator ignores a $ref's siblings, later drafts apply both: generating
      // the merge of the two satisfies either reading.
      if (siblingsOf("$ref").length) return this.convert(this.inline(schema, at, 0), at);
      return { $ref: `#/$defs/${this.ref(String(schema.$ref), at)}` };
    }
    if (has(schema, "if") || has(schema, "then") || has(schema, "else")) {
      // Values that satisfy `if` and `then` pass whatever `else` says (and drafts without if/then).
      const { if: cond, then, else: _, ...rest } = schema;
      const merged = mergeSchemas(rest, this.inline(cond ?? {}, at, 0));
      const full = merged === undefined ? undefined : mergeSchemas(merged, this.inline(then ?? {}, at, 0));
      if (full === undefined) throw unsupported("`if`/`then` that cannot be merged with the schema", at);
      return this.convert(full, at);
    }
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
      const kept =
        k === "oneOf"
          ? exclusiveBranches(
              branches.map((b, i) => this.inline(b, `${at}/${k}/${i}`, 0)),
              at,
            )
          : branches.map((_, i) => i);
      return { oneOf: kept.map((i) => this.convert(branches[i]!, `${at}/${k}/${i}`)) };
    }
    const types = this.typesOf(schema, at);
    if (has(schema, "const")) return { const: this.literal(schema.const!, types, schema, at, "const") };
    if (has(schema, "enum")) {
      if (!Array.isArray(schema.enum)) throw unsupported("an `enum` that is not an array", at);
      const values = schema.enum.filter((v) => this.literalFits(v, types, schema, at));
      if (values.length === 0) throw unsupported("an `enum` with no value of the declared type", at);
      return { enum: values };
    }
    if (types.length === 1) return this.single(schema, types[0]!, at);
    return { oneOf: types.map((t) => this.single(schema, t, at)) };
  }

  /**
   * The schema without its `not`, where that changes nothing the grammar generates: `not: false`
   * forbids nothing; `not: {type}` alone takes those types out of the schema's own; otherwise the
   * rest must generate only values the `not` schema refuses (json-schema-oneof.ts's `excludes`).
   */
  private withoutNot(schema: Node, at: string): Json {
    const { not, ...rest } = schema;
    if (not === false) return rest;
    const negated = this.inline(not!, `${at}/not`, 0);
    const keys = isNode(negated) ? Object.keys(negated).filter((k) => VALIDATION.has(k)) : [];
    if (isNode(negated) && keys.length === 1 && keys[0] === "type") {
      const out = (t: string) => (Array.isArray(negated.type) ? negated.type : [negated.type]).includes(t);
      const own = this.typesOf(rest, at).flatMap((t) => (t === "number" ? ["number", "integer"] : [t]));
      // Removing "number" leaves no integer either; removing "integer" leaves only non-integers,
      // which the grammar cannot single out, so numbers go too.
      const left = own.filter(
        (t) => !out(t) && !((t === "number" || t === "integer") && (out("number") || out("integer"))),
      );
      if (left.length === 0) throw unsupported("`not` that leaves no type", at);
      return { ...rest, type: [...new Set(left)] };
    }
    if (excludes(this.inline(rest, at, 0), negated)) return rest;
    throw unsupported("`not`", at);
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
    if (!Object.hasOwn(this.defsOut, name)) {
      setOwn(this.defsOut, name, {}); // placeholder first, so a recursive definition terminates
      Object.assign(this.defsOut[name]!, this.convert(this.defsIn[name]!, ref));
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

  private literal(value: Json, types: TypeName[], schema: Node, at: string, keyword: string): Json {
    if (!this.literalFits(value, types, schema, at)) {
      throw unsupported(`a \`${keyword}\` whose value does not match the declared type`, at);
    }
    return value;
  }

  private literalFits(value: Json, types: TypeName[], schema: Node, at: string): boolean {
    const t = literalType(value);
    if (t === "compound") {
      // Written as its JSON text, which the validator compares structurally; only the type may sit
      // beside it (other keywords would have to be checked against the value here).
      const others = Object.keys(schema).filter(
        (k) => VALIDATION.has(k) && !["type", "enum", "const"].includes(k),
      );
      if (others.length)
        throw unsupported("an `enum`/`const` with an object or array value beside other keywords", at);
      return types.includes(Array.isArray(value) ? "array" : "object");
    }
    const typeOk = types.includes(t) || (t === "integer" && types.includes("number"));
    if (!typeOk) return false;
    // Sibling keywords still apply to enum and const values: keep only the values that pass them.
    if (t === "string") {
      const text = value as string;
      const length = [...text].length;
      if (typeof schema.minLength === "number" && length < schema.minLength) return false;
      if (typeof schema.maxLength === "number" && length > schema.maxLength) return false;
      if (typeof schema.format === "string" && !formatAccepts(schema.format, text)) return false;
      if (typeof schema.pattern === "string" && !safeRegex(schema.pattern, at).test(text)) return false;
    }
    if (t === "integer" || t === "number") {
      if (typeof schema.format === "string" && !formatAccepts(schema.format, value as number)) return false;
      return numberFits(value as number, schema, at);
    }
    return true;
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
    const out: Out = { type: "array" };
    // 2020-12 reads a tuple from `prefixItems` (then `items`) and ignores `additionalItems`; earlier
    // drafts read it from an array `items` (then `additionalItems`) and ignore `prefixItems`.
    const modern = this.draft === "2020-12";
    const tupleKey = modern ? "prefixItems" : "items";
    const tuple = Array.isArray(schema[tupleKey]) ? (schema[tupleKey] as Json[]) : null;
    if (modern && Array.isArray(schema.items)) throw unsupported("an array `items` in a 2020-12 schema", at);
    const rest = tuple && !modern ? schema.additionalItems : schema.items;
    if (tuple) out.prefixItems = tuple.map((s, i) => this.convert(s, `${at}/items/${i}`));
    let maxItems = typeof schema.maxItems === "number" ? schema.maxItems : undefined;
    if (rest === false && tuple) maxItems = Math.min(maxItems ?? tuple.length, tuple.length);
    else if (rest !== undefined && rest !== true) out.items = this.convert(rest as Json, `${at}/items`);
    const minItems = typeof schema.minItems === "number" ? schema.minItems : undefined;
    if (tuple && maxItems !== undefined && maxItems < tuple.length) {
      throw unsupported("`maxItems` below the number of tuple items (all are generated)", at);
    }
    if (schema.uniqueItems === true && (maxItems === undefined || maxItems > 1)) {
      throw unsupported("`uniqueItems`", at);
    }
    if (minItems !== undefined && maxItems !== undefined && maxItems < minItems) {
      throw unsupported("`maxItems` below `minItems` (no array can match)", at);
    }
    if (minItems !== undefined && minItems > MAX_ARRAY_REPEAT) {
      throw unsupported(`\`minItems\` above ${MAX_ARRAY_REPEAT}`, at);
    }
    if (minItems !== undefined) out.minItems = minItems;
    if (maxItems !== undefined) out.maxItems = Math.min(maxItems, MAX_ARRAY_REPEAT);
    return out;
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
