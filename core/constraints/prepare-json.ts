/**
 * The JSON Schema door, in order of cost: size, `$ref`/anyOf expansion (measured, never
 * performed), pattern bounds, then the meta-schema and Ajv's compile. Unknown keywords become
 * warnings. The value has already passed checkConstraintInput (depth, numbers, surrogates).
 */
import { DeliberateError } from "../errors.js";
import { kib, LIMITS, utf8Bytes } from "./bounds.js";
import { canonicalJson } from "./canonical-json.js";
import { pointer } from "./input-check.js";
import { compileSchema, type CompiledSchema } from "./json-schema.js";
import { regexBoundsProblem } from "./regex-bounds.js";
import { schemaExpansionProblem } from "./schema-budget.js";
import { unknownKeywordWarnings } from "./schema-keywords.js";
import { eachSchema, isSchemaObject, type SchemaObject } from "./schema-walk.js";

const PARAM = "structured_outputs.json";

const unsupported = (message: string) =>
  new DeliberateError("schema_unsupported", `the JSON schema cannot be used: ${message}`, { param: PARAM });

/** Every `pattern` and `patternProperties` key must be within the regex bounds. */
function checkPatterns(schema: SchemaObject): void {
  eachSchema(schema, (node, path) => {
    const patterns: Array<{ source: string; at: string }> = [];
    if (typeof node.pattern === "string" && Object.hasOwn(node, "pattern")) {
      patterns.push({ source: node.pattern, at: pointer([...path, "pattern"]) });
    }
    const props = Object.hasOwn(node, "patternProperties") ? node.patternProperties : undefined;
    if (isSchemaObject(props)) {
      for (const key of Object.keys(props))
        patterns.push({ source: key, at: pointer([...path, "patternProperties", key]) });
    }
    for (const { source, at } of patterns) {
      const found = regexBoundsProblem(source);
      if (found) throw unsupported(`the pattern at ${at} is too complex: ${found.problem}`);
    }
  });
}

export interface PreparedJson {
  compiled: CompiledSchema;
  canonical: string;
  warnings: string[];
}

export function prepareJsonSchema(schema: SchemaObject): PreparedJson {
  const canonical = canonicalJson(schema);
  if (utf8Bytes(canonical) > LIMITS.schemaBytes) {
    throw new DeliberateError("invalid_request", `${PARAM} is larger than ${kib(LIMITS.schemaBytes)}`, {
      param: PARAM,
    });
  }
  const expansion = schemaExpansionProblem(schema, {
    maxNodes: LIMITS.schemaExpansion,
    maxRefDepth: LIMITS.schemaRefDepth,
  });
  if (expansion) throw unsupported(`${expansion.problem}${expansion.at ? ` (at ${expansion.at})` : ""}`);
  checkPatterns(schema);
  const compiled = compileSchema(schema, canonical);
  return { compiled, canonical, warnings: unknownKeywordWarnings(schema) };
}
