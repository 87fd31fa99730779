/**
 * `enum` and `const` values against the rest of their schema. The grammar writes each value as its
 * JSON text, so the schema's instances at that point are at most those values: keeping exactly the
 * ones the validator accepts against the whole schema (sibling keywords, `not`, `allOf`, `oneOf`,
 * …) is exact. Scalars beside only type, length, pattern, format and bound keywords are checked
 * here directly; anything else is checked by compiling the schema with the validator's own ajv
 * (core/constraints/json-schema.ts) and testing each value.
 */
import { type Draft, META_URI } from "../constraints/ajv-drafts.js";
import { compileSchema } from "../constraints/json-schema.js";
import type { Json, Node, Out } from "./json-schema-common.js";
import { emptySchema, has, isNode, listedValues, safeRegex, unsupported } from "./json-schema-common.js";
import { NUMBER_KEYS, numberFits } from "./json-schema-numbers.js";
import { formatAccepts } from "./json-string-formats.js";

export const SCALAR_KEYS = new Set([
  "type",
  "enum",
  "const",
  "minLength",
  "maxLength",
  "pattern",
  "format",
  ...NUMBER_KEYS,
]);

export type LiteralKind = "null" | "boolean" | "string" | "integer" | "number" | "object" | "array";

export const literalType = (v: Json): LiteralKind =>
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
          : Array.isArray(v)
            ? "array"
            : "object";

/** Whether a scalar passes `type` (given as the list of allowed kinds) and the scalar keywords. */
export function scalarFits(value: Json, types: string[], schema: Node, at: string): boolean {
  const t = literalType(value);
  if (!(types.includes(t) || (t === "integer" && types.includes("number")))) return false;
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

/**
 * Whether every `$ref` inside resolves against the root's definitions and no `$id` (draft-04: `id`)
 * moves the base.
 */
/** Keywords whose value is a value (or values), not a schema. */
const VALUES = new Set(["enum", "const", "default", "examples"]);
/** Keywords whose value maps names (of properties, patterns, definitions) to schemas. */
const NAMED_SCHEMAS = new Set([
  "properties",
  "patternProperties",
  "definitions",
  "$defs",
  "dependentSchemas",
  "dependencies",
]);

function standalone(schema: Json, draft04: boolean, named = false): boolean {
  if (Array.isArray(schema)) return schema.every((s) => standalone(s, draft04));
  if (!isNode(schema)) return true;
  // A map of names: a property named `$ref` or `$id` is no keyword.
  if (named) return Object.values(schema).every((s) => standalone(s, draft04));
  for (const [k, v] of Object.entries(schema)) {
    if (NAMED_SCHEMAS.has(k)) {
      if (!standalone(v, draft04, true)) return false;
      continue;
    }
    // Values, not schemas (a property named enum has a schema).
    if (VALUES.has(k)) continue;
    if (k === "$ref" && (typeof v !== "string" || !/^#\/(definitions|\$defs)\/[^/]+$/.test(v))) return false;
    if (
      k === "$id" ||
      k === "$anchor" ||
      k === "$dynamicAnchor" ||
      (draft04 && k === "id" && typeof v === "string")
    )
      return false;
    if (!standalone(v, draft04)) return false;
  }
  return true;
}

/**
 * A schema with its boolean subschemas (which the translator writes, e.g. `properties: {a: false}`)
 * spelled as draft-04 can read them: `true` → `{}`, `false` → `{not: {}}`; values left alone.
 */
function withoutBooleans(schema: Json, named = false): Json {
  if (schema === true) return {};
  if (schema === false) return { not: {} };
  if (Array.isArray(schema)) return schema.map((s) => withoutBooleans(s));
  if (!isNode(schema)) return schema;
  const out: Node = {};
  for (const [k, v] of Object.entries(schema)) {
    const value =
      !named && VALUES.has(k)
        ? v
        : named || typeof v === "object" || typeof v === "boolean"
          ? withoutBooleans(v, !named && NAMED_SCHEMAS.has(k))
          : v;
    Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The values the validator accepts against `schema` (read with the root's definitions, under the
 * root's draft), or undefined when the schema cannot be compiled on its own.
 */
export function valuesPassing(values: Json[], schema: Node, root: Node, draft: Draft): Json[] | undefined {
  // The root itself is compiled as the validator compiles it (the same cache entry), whatever its
  // references point to.
  const wrapper: Record<string, unknown> = schema === root ? root : { ...schema, $schema: META_URI[draft] };
  if (schema !== root) {
    // The root's own base, copied in by a merge with its keywords: the definitions come along, so
    // the local references it bases resolve the same without it.
    for (const k of ["$id", "id"]) if (schema[k] !== undefined && schema[k] === root[k]) delete wrapper[k];
    // A definition may point anywhere in the root too (`#`, `#/properties/…`): then not on its own.
    const own = (s: Json) => standalone(s, draft === "draft-04");
    if (!own(wrapper as Node) || !own(root.definitions ?? null) || !own(root.$defs ?? null)) return undefined;
    for (const k of ["definitions", "$defs"]) {
      if (isNode(root[k])) wrapper[k] = root[k];
      else delete wrapper[k];
    }
  }
  let validate: (value: unknown) => boolean;
  try {
    const compiled = draft === "draft-04" && schema !== root ? withoutBooleans(wrapper as Node) : wrapper;
    validate = compileSchema(compiled as Record<string, unknown>).validate as (value: unknown) => boolean;
  } catch {
    return undefined;
  }
  return values.filter((v) => validate(v));
}

/** What json-schema.ts's converter lends literalValues. */
export interface LiteralContext {
  readonly root: Node;
  readonly draft: Draft;
  typesOf(schema: Node, at: string): string[];
  lookup(ref: string): Json | undefined;
  /** Whether a keyword constrains instances (else it is an annotation). */
  validating(keyword: string): boolean;
}

/**
 * A schema with an `enum` or `const` (its own, or an `allOf` branch's, or every `oneOf`
 * branch's) generates at most those values: the ones that pass the whole schema
 * (json-schema-literals.ts), or undefined when the values are not known that way.
 */
export function literalValues(cv: LiteralContext, schema: Node, at: string): Out | undefined {
  let values: Json[] | undefined;
  if (has(schema, "const")) values = [schema.const!];
  else if (has(schema, "enum")) {
    if (!Array.isArray(schema.enum)) throw unsupported("an `enum` that is not an array", at);
    values = schema.enum;
  } else {
    const branches = (k: string) => (Array.isArray(schema[k]) ? (schema[k] as Json[]) : []);
    const literalsOf = (b: Json): Json[] | undefined => {
      const s = isNode(b) && typeof b.$ref === "string" ? cv.lookup(b.$ref) : b;
      return s === undefined ? undefined : listedValues(s);
    };
    values = branches("allOf")
      .map(literalsOf)
      .find((v) => v !== undefined);
    const oneOf = branches("oneOf").map(literalsOf);
    if (!values && oneOf.length && oneOf.every((v) => v !== undefined)) values = oneOf.flat() as Json[];
    if (!values) return undefined;
  }
  const scalarOnly = Object.keys(schema).every((k) => !cv.validating(k) || SCALAR_KEYS.has(k));
  const compound = values.some((v) => typeof v === "object" && v !== null);
  const types = cv.typesOf(schema, at);
  let kept = scalarOnly && !compound ? values.filter((v) => scalarFits(v, types, schema, at)) : undefined;
  if (!kept?.length) kept = valuesPassing(values, schema, cv.root, cv.draft) ?? kept;
  if (kept === undefined) {
    if (!has(schema, "enum") && !has(schema, "const")) return undefined;
    throw unsupported("an `enum`/`const` beside keywords that cannot be checked on their own", at);
  }
  if (kept.length === 0) throw emptySchema("an `enum`/`const` none of whose values passes the schema", at);
  const unique = [...new Map(kept.map((v) => [JSON.stringify(v), v])).values()];
  return { enum: unique };
}
