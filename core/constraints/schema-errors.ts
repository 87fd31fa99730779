/**
 * A schema that is not a valid JSON Schema (checked against its draft's meta-schema) is the
 * caller's mistake: `invalid_request`, told in words rather than in Ajv's meta-schema paths.
 */
import type { Ajv, ErrorObject } from "ajv";
import { DeliberateError } from "../errors.js";

function valueAt(root: unknown, path: string): unknown {
  let current = root;
  for (const raw of path.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const an = (type: string) => (/^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`);

function describe(error: ErrorObject, schema: unknown): string {
  const params = error.params as Record<string, unknown>;
  const value = valueAt(schema, error.instancePath);
  const shown = JSON.stringify(value)?.slice(0, 60) ?? "undefined";
  const keyword = error.instancePath.split("/").pop() ?? "";
  switch (error.keyword) {
    case "enum": {
      const allowed = (params.allowedValues as unknown[]).map(String).join(", ");
      return keyword === "type"
        ? `${shown} is not a JSON Schema type (use one of ${allowed})`
        : `${shown} is not one of ${allowed}`;
    }
    case "type": {
      const types = ([] as string[]).concat(params.type as string | string[]).map(an);
      return `"${keyword}" must be ${types.join(" or ")}, not ${shown}`;
    }
    case "minimum":
    case "exclusiveMinimum":
      return `"${keyword}" must be ${error.keyword === "minimum" ? "at least" : "more than"} ${params.limit}, not ${shown}`;
    case "minItems":
      return `"${keyword}" must list at least ${params.limit} item${params.limit === 1 ? "" : "s"}`;
    case "uniqueItems":
      return `"${keyword}" lists the same value twice (items ${params.j} and ${params.i})`;
    case "format":
      return `"${keyword}" must be a valid ${params.format}, not ${shown}`;
    default:
      return `"${keyword}" ${error.message ?? "is invalid"}`;
  }
}

/** The most telling error: the deepest one that is not an anyOf/oneOf summary, enum first. */
function pick(errors: ErrorObject[]): ErrorObject {
  const concrete = errors.filter((e) => e.keyword !== "anyOf" && e.keyword !== "oneOf");
  const pool = concrete.length > 0 ? concrete : errors;
  const depth = (e: ErrorObject) => e.instancePath.split("/").length;
  const deepest = Math.max(...pool.map(depth));
  const candidates = pool.filter((e) => depth(e) === deepest);
  return candidates.find((e) => e.keyword === "enum") ?? candidates[0]!;
}

/** Throws invalid_request when `schema` fails its draft's meta-schema. */
export function assertValidSchema(ajv: Ajv, schema: Record<string, unknown>): void {
  if (ajv.validateSchema(schema) === true) return;
  const errors = ajv.errors ?? [];
  if (errors.length === 0) return;
  const error = pick(errors);
  const where = error.instancePath === "" ? "" : ` at ${error.instancePath}`;
  throw new DeliberateError(
    "invalid_request",
    `structured_outputs.json is not a valid JSON Schema${where}: ${describe(error, schema)}`,
    { param: "structured_outputs.json" },
  );
}
