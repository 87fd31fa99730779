/**
 * JSON Schema compilation (once per distinct schema, cached) and answer validation with Ajv.
 */
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import traverse from "json-schema-traverse";
import { LRUCache } from "lru-cache";
import { DeliberateError } from "../errors.js";
import { ajvFor, draftOf, idKeyword, META_URI, type Draft } from "./ajv-drafts.js";
import { canonicalJson } from "./canonical-json.js";
import { protoSafeSchema } from "./proto-safe.js";
import { assertValidSchema } from "./schema-errors.js";
import { constraintViolation } from "./violation.js";

export interface CompiledSchema {
  draft: Draft;
  validate: ValidateFunction;
}

/** Compiled validators by canonical schema text; a failed compile is cached too (as its error). */
export const compiledSchemas = new LRUCache<string, CompiledSchema | DeliberateError>({ max: 256 });

const unsupported = (reason: string, cause?: unknown) =>
  new DeliberateError("schema_unsupported", `the JSON schema cannot be used: ${reason}`, {
    param: "structured_outputs.json",
    cause,
  });

function compileUncached(schema: Record<string, unknown>): CompiledSchema {
  const declared = schema["$schema"];
  if (declared !== undefined && typeof declared !== "string") throw unsupported("$schema must be a string");
  const draft = draftOf(declared);
  if (draft === undefined) {
    throw unsupported(
      `unsupported $schema "${declared}" (supported: draft-04, draft-06, draft-07, 2019-09, 2020-12)`,
    );
  }
  // Ajv finds the meta-schema by its exact URI; "https://…/draft-07/schema" and friends are
  // rewritten to the spelling Ajv registered. The caller's object is never modified.
  const copy = withoutMetaSchemaId(
    protoSafeSchema(declared === undefined ? schema : { ...schema, $schema: META_URI[draft] }),
    draft,
  );
  const ajv = ajvFor(draft);
  assertValidSchema(ajv, copy);
  try {
    return { draft, validate: compileAndForget(ajv, copy) };
  } catch (err) {
    const retry = withoutNestedIds(copy, draft, err);
    if (!retry) throw unsupported((err as Error).message, err);
    try {
      return { draft, validate: compileAndForget(ajv, retry) };
    } catch (again) {
      throw unsupported((again as Error).message, again);
    }
  }
}

/**
 * Ajv registers a compiled schema and its nested ids by URI; two requests may use one id for
 * different schemas, so every compile (a failed one too) leaves the shared instance as it found it.
 */
function compileAndForget(ajv: Ajv, schema: Record<string, unknown>): ValidateFunction {
  const refs = { ...ajv.refs };
  const schemas = { ...ajv.schemas };
  try {
    return ajv.compile(schema);
  } finally {
    // Ajv also keeps every compiled schema object in an unbounded Map; our LRU is the cache instead.
    ajv.removeSchema(schema);
    restore(ajv.refs, refs);
    restore(ajv.schemas, schemas);
  }
}

/**
 * Ajv refuses a schema in which two subschemas carry one id ("resolves to more than one schema"),
 * as generators that give every node an `id` of its path produce. Ids only serve references: a
 * schema without any validates the same without its nested ids. Undefined where that does not apply.
 */
function withoutNestedIds(schema: Record<string, unknown>, draft: Draft, err: unknown) {
  if (!/resolves to more than one schema/.test((err as Error).message)) return undefined;
  if (/"\$(ref|dynamicRef|recursiveRef)"/.test(JSON.stringify(schema))) return undefined;
  const idKey = idKeyword(draft);
  const copy = structuredClone(schema);
  traverse(copy, { allKeys: true }, (node, pointer) => {
    if (pointer !== "" && typeof node[idKey] === "string") delete node[idKey];
  });
  return copy;
}

/**
 * A schema that names itself by a meta-schema's URI (`"$id": "http://json-schema.org/draft-07/schema#"`,
 * seen in test fixtures) collides with the meta-schema Ajv has registered under it. Without that
 * root id the schema validates the same, unless one of its references names the id: then it stays
 * (and Ajv refuses it).
 */
function withoutMetaSchemaId(schema: Record<string, unknown>, draft: Draft): Record<string, unknown> {
  const idKey = idKeyword(draft);
  const id = schema[idKey];
  if (typeof id !== "string") return schema;
  const bare = (uri: string) => uri.replace(/#$/, "");
  if (!Object.values(META_URI).some((uri) => bare(uri) === bare(id))) return schema;
  if (JSON.stringify(schema).includes(`"$ref":"${bare(id)}`)) return schema;
  const { [idKey]: _, ...rest } = schema;
  return rest;
}

function restore<T>(target: Record<string, T | undefined>, saved: Record<string, T | undefined>): void {
  for (const key of Object.keys(target)) if (!(key in saved)) delete target[key];
  Object.assign(target, saved);
}

/** Compiles a schema (or returns the cached result); throws schema_unsupported when Ajv cannot. */
export function compileSchema(schema: Record<string, unknown>, key = canonicalJson(schema)): CompiledSchema {
  let entry = compiledSchemas.get(key);
  if (entry === undefined) {
    try {
      entry = compileUncached(schema);
    } catch (err) {
      if (!(err instanceof DeliberateError)) throw err;
      entry = err;
    }
    compiledSchemas.set(key, entry);
  }
  if (entry instanceof DeliberateError) {
    // A fresh error each time, so that setting `step` on one request's error touches no other.
    throw new DeliberateError(entry.code, entry.message, {
      param: "structured_outputs.json",
      cause: entry.cause,
    });
  }
  return entry;
}

/** "/items/0/age must be integer" from Ajv's first error, with the detail Ajv keeps in params. */
export function describeAjvError(error: ErrorObject): string {
  const where = error.instancePath === "" ? "the answer" : error.instancePath;
  const params = error.params as Record<string, unknown>;
  let detail = "";
  if (error.keyword === "additionalProperties") detail = ` ("${params.additionalProperty}")`;
  else if (error.keyword === "enum") detail = `: ${JSON.stringify(params.allowedValues)}`;
  else if (error.keyword === "const") detail = `: ${JSON.stringify(params.allowedValue)}`;
  return `${where} ${error.message ?? `fails "${error.keyword}"`}${detail}`;
}

/** Parses and validates a final answer; constraint_violation (step "final") when it fails. */
export function validateJsonAnswer(compiled: CompiledSchema, text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw constraintViolation(`the answer is not valid JSON (${(err as Error).message})`, text, err);
  }
  if (!compiled.validate(value)) {
    const first = compiled.validate.errors?.[0];
    throw constraintViolation(
      `the answer does not match the JSON schema: ${first ? describeAjvError(first) : "invalid"}`,
      text,
    );
  }
  return value;
}
