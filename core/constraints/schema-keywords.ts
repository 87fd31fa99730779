/**
 * Unknown keywords: kept (real schemas carry extensions, and JSON Schema says to ignore what a
 * validator does not know) but reported as warnings, so a misspelt `"requried"` that silently
 * checks nothing is visible in the result. `x-` extensions are taken as deliberate and not reported.
 */
import { pointer } from "./input-check.js";
import { eachSchema, type SchemaObject } from "./schema-walk.js";

const KNOWN = new Set(
  [
    "$schema $id id $ref $defs definitions $anchor $dynamicRef $dynamicAnchor $recursiveRef",
    "$recursiveAnchor $vocabulary $comment type enum const multipleOf maximum exclusiveMaximum minimum",
    "exclusiveMinimum maxLength minLength pattern format contentEncoding contentMediaType contentSchema",
    "items additionalItems prefixItems maxItems minItems uniqueItems contains maxContains minContains",
    "unevaluatedItems maxProperties minProperties required properties patternProperties",
    "additionalProperties dependencies dependentRequired dependentSchemas propertyNames",
    "unevaluatedProperties allOf anyOf oneOf not if then else title description default examples",
    "readOnly writeOnly deprecated nullable",
  ]
    .join(" ")
    .split(" "),
);

/** At most this many warnings; the last one says how many more there were. */
const MAX_WARNINGS = 20;

/** Levenshtein distance, stopping early once it is beyond 2 (only near misses are suggested). */
function near(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 2) return false;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]! <= 2;
}

function suggestion(key: string): string {
  const lower = key.toLowerCase();
  const match = [...KNOWN].find((known) => near(lower, known.toLowerCase()));
  return match ? ` (did you mean "${match}"?)` : "";
}

export function unknownKeywordWarnings(schema: SchemaObject): string[] {
  const found: string[] = [];
  eachSchema(schema, (node, path) => {
    for (const key of Object.keys(node)) {
      if (KNOWN.has(key) || key.startsWith("x-")) continue;
      const at = path.length === 0 ? "the schema's top level" : pointer(path);
      found.push(
        `unknown JSON Schema keyword "${key}" at ${at} is kept but checks nothing${suggestion(key)}`,
      );
    }
  });
  if (found.length <= MAX_WARNINGS) return found;
  return [
    ...found.slice(0, MAX_WARNINGS - 1),
    `and ${found.length - MAX_WARNINGS + 1} more unknown keywords`,
  ];
}
