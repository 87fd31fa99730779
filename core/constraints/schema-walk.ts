/**
 * Where a JSON Schema holds other schemas, for every draft Deliberate reads (04 to 2020-12).
 * Walks see keywords in schema positions only, so a `const` or `enum` value that happens to hold
 * a key named "pattern" is data, not a pattern.
 */
type Path = (string | number)[];

const SINGLE = [
  "additionalItems",
  "additionalProperties",
  "contains",
  "contentSchema",
  "else",
  "if",
  "items",
  "not",
  "propertyNames",
  "then",
  "unevaluatedItems",
  "unevaluatedProperties",
];
const LISTS = ["allOf", "anyOf", "oneOf", "prefixItems", "items"];
const MAPS = ["$defs", "definitions", "dependentSchemas", "patternProperties", "properties", "dependencies"];

export type SchemaObject = Record<string, unknown>;

export function isSchemaObject(value: unknown): value is SchemaObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** The schema objects directly inside `schema`, with the path from it. */
export function subschemas(schema: SchemaObject): Array<{ path: Path; schema: SchemaObject }> {
  const out: Array<{ path: Path; schema: SchemaObject }> = [];
  for (const key of SINGLE) {
    const v = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (isSchemaObject(v)) out.push({ path: [key], schema: v });
  }
  for (const key of LISTS) {
    const v = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (!Array.isArray(v)) continue;
    for (let i = 0; i < v.length; i++) {
      const s: unknown = v[i];
      if (isSchemaObject(s)) out.push({ path: [key, i], schema: s });
    }
  }
  for (const key of MAPS) {
    const v = Object.hasOwn(schema, key) ? schema[key] : undefined;
    if (!isSchemaObject(v)) continue;
    for (const name of Object.keys(v)) {
      const s = v[name];
      if (isSchemaObject(s)) out.push({ path: [key, name], schema: s });
    }
  }
  return out;
}

/** Calls `visit` on every schema object, root first; iterative (depth is bounded elsewhere). */
export function eachSchema(root: SchemaObject, visit: (schema: SchemaObject, path: Path) => void): void {
  const stack: Array<{ schema: SchemaObject; path: Path }> = [{ schema: root, path: [] }];
  while (stack.length > 0) {
    const { schema, path } = stack.pop()!;
    visit(schema, path);
    for (const child of subschemas(schema))
      stack.push({ schema: child.schema, path: [...path, ...child.path] });
  }
}
