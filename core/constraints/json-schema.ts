/**
 * JSON Schema compilation (once per distinct schema, cached) and answer validation with Ajv.
 */
import type { ErrorObject, ValidateFunction } from "ajv";
import { DeliberateError } from "../errors.js";
import { ajvFor, draftOf, META_URI, type Draft } from "./ajv-drafts.js";

export interface CompiledSchema {
  draft: Draft;
  validate: ValidateFunction;
}

/** Key order does not change what a schema means, so keys are sorted before hashing into the cache. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/** A small LRU: a Map iterates in insertion order, so the first key is the least recently used. */
export class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(readonly capacity: number) {}
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) {
      this.map.delete(key);
      this.map.set(key, value);
    }
    return value;
  }
  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }
  get size(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
}

/** Compiled validators by canonical schema text; a failed compile is cached too (as its error). */
export const compiledSchemas = new Lru<CompiledSchema | DeliberateError>(256);

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
  const copy = declared === undefined ? schema : { ...schema, $schema: META_URI[draft] };
  const ajv = ajvFor(draft);
  // Ajv registers a compiled schema and its nested $ids by URI; two requests may use one $id for
  // different schemas, so every compile leaves the shared instance as it found it.
  const refs = { ...ajv.refs };
  const schemas = { ...ajv.schemas };
  try {
    return { draft, validate: ajv.compile(copy) };
  } catch (err) {
    throw unsupported((err as Error).message, err);
  } finally {
    // Ajv also keeps every compiled schema object in an unbounded Map; our LRU is the cache instead.
    ajv.removeSchema(copy);
    restore(ajv.refs, refs);
    restore(ajv.schemas, schemas);
  }
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
    throw unsupported(entry.message.replace(/^the JSON schema cannot be used: /, ""), entry.cause);
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
    throw new DeliberateError(
      "constraint_violation",
      `the answer is not valid JSON (${(err as Error).message})`,
      { step: "final", cause: err },
    );
  }
  if (!compiled.validate(value)) {
    const first = compiled.validate.errors?.[0];
    throw new DeliberateError(
      "constraint_violation",
      `the answer does not match the JSON schema: ${first ? describeAjvError(first) : "invalid"}`,
      { step: "final" },
    );
  }
  return value;
}
