/**
 * Ajv skips a property named `__proto__` in `properties` (its allSchemaProperties filters the
 * name out), so `{"properties": {"__proto__": {"type": "string"}}}` would check nothing — and
 * `additionalProperties: false` would then refuse the very property the schema declares. The
 * copy handed to Ajv states that property as `patternProperties` of exactly that name, which Ajv
 * does apply to own properties and which `additionalProperties` respects. The caller's schema is
 * never modified; copies are made only along the paths that change.
 */
import { isSchemaObject, type SchemaObject, subschemas } from "./schema-walk.js";

const PROTO = "__proto__";

function set(container: unknown, key: string | number, value: unknown): unknown {
  if (Array.isArray(container)) return container.map((v, i) => (i === key ? value : v));
  return Object.fromEntries(
    Object.entries(container as SchemaObject).map(([k, v]) => [k, k === key ? value : v]),
  );
}

function protoPattern(existing: SchemaObject): string {
  let pattern = "^__proto__$";
  while (Object.hasOwn(existing, pattern)) pattern = `(?:${pattern})`;
  return pattern;
}

export function protoSafeSchema(schema: SchemaObject): SchemaObject {
  let out = schema;
  for (const child of subschemas(schema)) {
    const rewritten = protoSafeSchema(child.schema);
    if (rewritten === child.schema) continue;
    const [key, inner] = child.path as [string, string | number | undefined];
    out = Object.fromEntries(
      Object.entries(out).map(([k, v]) => [
        k,
        k === key ? (inner === undefined ? rewritten : set(v, inner, rewritten)) : v,
      ]),
    );
  }
  const props = Object.hasOwn(out, "properties") ? out.properties : undefined;
  if (!isSchemaObject(props) || !Object.hasOwn(props, PROTO)) return out;
  const patterns =
    Object.hasOwn(out, "patternProperties") && isSchemaObject(out.patternProperties)
      ? out.patternProperties
      : {};
  const rest = Object.fromEntries(Object.entries(props).filter(([k]) => k !== PROTO));
  return Object.fromEntries([
    ...Object.entries(out).filter(([k]) => k !== "properties" && k !== "patternProperties"),
    ["properties", rest],
    [
      "patternProperties",
      Object.fromEntries([...Object.entries(patterns), [protoPattern(patterns), props[PROTO]]]),
    ],
  ]);
}
