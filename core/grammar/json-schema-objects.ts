/**
 * Objects for the JSON grammar. gbnf-json.ts generates every declared property and, where none is
 * declared, extra keys from `additionalProperties`; the keywords around that are checked here:
 * - a property that no value matches (`false`, an enum none of whose values passes, …) is left
 *   out when it is optional (exact: it may only be absent), else the object has no value either;
 * - a `required` name without a property schema is declared with the schema that applies to it,
 *   and below `minProperties` a shortest match of a `patternProperties` pattern is declared too,
 *   or, without patterns, keys of its own under `additionalProperties`;
 * - above `maxProperties`, optional properties are left out (an optional property may be absent);
 * - `patternProperties` applies to the declared properties whose names match (merged into their
 *   schema) and would apply to extra keys, so none are generated beside it (a subset);
 * - `dependencies` / `dependentRequired` name properties that must then be present: fine when the
 *   trigger is never generated or every named property is declared (so always generated);
 *   `dependencies` / `dependentSchemas` with a schema are rejected unless the trigger never appears.
 */
import type { Json, Node, Out } from "./json-schema-common.js";
import { EmptySchema, emptySchema, isNode, safeRegex, setOwn, unsupported } from "./json-schema-common.js";
import { mergeSchemas } from "./json-schema-merge.js";
import { parseRegex, RegexUnsupported, shortestMatch } from "./regex-ast.js";

export const OBJECT_KEYS = [
  "propertyNames",
  "properties",
  "required",
  "additionalProperties",
  "minProperties",
  "maxProperties",
  "patternProperties",
  "dependencies",
  "dependentRequired",
  "dependentSchemas",
];

type Convert = (schema: Json, at: string) => Out;
/** The names among `names` that `propertyNames` accepts, or undefined where it cannot be checked. */
export type NameFilter = (names: string[]) => string[] | undefined;

/** A declared property's schema with every matching `patternProperties` schema merged in. */
function withPatterns(name: string, schema: Json, patterns: Array<[string, Json]>, at: string): Json {
  let out = schema;
  for (const [pattern, extra] of patterns) {
    if (!safeRegex(pattern, at).test(name)) continue;
    // Both apply to the name: their merge, or both as an allOf (json-schema-allof.ts).
    out = mergeSchemas(out, extra) ?? { allOf: [out, extra] };
  }
  return out;
}

function checkDependencies(schema: Node, names: string[], extraKeys: boolean, at: string): void {
  const entries = ["dependencies", "dependentRequired", "dependentSchemas"].flatMap((k) =>
    isNode(schema[k]) ? Object.entries(schema[k]).map(([trigger, dep]) => [k, trigger, dep] as const) : [],
  );
  for (const [keyword, trigger, dep] of entries) {
    if (!names.includes(trigger) && !extraKeys) continue; // the trigger never appears
    if (Array.isArray(dep)) {
      const missing = dep.map(String).filter((d) => !names.includes(d));
      if (missing.length === 0 && names.includes(trigger)) continue;
      throw unsupported(
        `\`${keyword}\` of ${trigger} on ${missing.join(", ") || "extra keys"} (not declared)`,
        at,
      );
    }
    if (dep === true || (isNode(dep) && Object.keys(dep).length === 0)) continue;
    throw unsupported(`\`${keyword}\` with a schema for ${trigger}, a property that is generated`, at);
  }
}

/**
 * Below `minProperties`, keys are added that match a `patternProperties` pattern (its shortest
 * match), so that their values fall under that pattern's schema.
 */
function addPatternKeys(schema: Node, props: Node, patterns: Array<[string, Json]>, at: string): void {
  const min = typeof schema.minProperties === "number" ? schema.minProperties : 0;
  for (const [pattern] of patterns) {
    if (Object.keys(props).length >= min) return;
    let key: string;
    try {
      key = shortestMatch(parseRegex(pattern));
    } catch (err) {
      if (err instanceof RegexUnsupported) continue;
      throw err;
    }
    if (!Object.hasOwn(props, key) && safeRegex(pattern, at).test(key)) setOwn(props, key, {});
  }
}

/**
 * Below `minProperties`, where no pattern applies to other keys and `additionalProperties` allows
 * them, keys of its own (`key1`, `key2`, … not otherwise named) are declared under the
 * `additionalProperties` schema: exactly what the validator applies to them. Whether any was added.
 */
function addFreshKeys(
  schema: Node,
  properties: Record<string, Out>,
  named: string[],
  patterns: boolean,
  at: string,
  convert: Convert,
  fits?: NameFilter,
): boolean {
  const min = typeof schema.minProperties === "number" ? schema.minProperties : 0;
  const extra = schema.additionalProperties;
  if (min <= Object.keys(properties).length || patterns || extra === false || min > 64) return false;
  const triggers = ["dependencies", "dependentRequired", "dependentSchemas"].flatMap((k) =>
    isNode(schema[k]) ? Object.keys(schema[k]) : [],
  );
  const taken = new Set([...named, ...triggers]);
  const value = convert(extra === undefined || extra === true ? {} : extra, `${at}/additionalProperties`);
  const candidates = Array.from({ length: 2 * min + 1 }, (_, i) => `key${i + 1}`).filter(
    (k) => !taken.has(k),
  );
  const keys = fits ? (fits(candidates) ?? []) : candidates;
  for (const key of keys) {
    if (Object.keys(properties).length >= min) break;
    setOwn(properties, key, value);
  }
  return true;
}

/**
 * Above `maxProperties`, optional properties are left out, the last declared first, until the
 * count fits (a subset: an optional property may be absent). A trigger of `dependencies` whose
 * dependants are left out with it is still fine: it is absent then too.
 */
function dropOptional(schema: Node, properties: Record<string, Out>, required: string[]): void {
  const max = schema.maxProperties;
  if (typeof max !== "number") return;
  const optional = Object.keys(properties).filter((n) => !required.includes(n));
  while (Object.keys(properties).length > max && optional.length) delete properties[optional.pop()!];
}

/**
 * `propertyNames`: the declared and required names it refuses may only be absent (an optional one
 * is left out, a required one leaves no value), keys added below `minProperties` are kept to the
 * ones it accepts, and no other extra key is generated (a subset).
 */
function namesKept(props: Node, required: string[], fits: NameFilter, at: string): void {
  const names = Object.keys(props);
  const passing = fits(names);
  if (passing === undefined) throw unsupported("`propertyNames` that cannot be checked on its own", at);
  for (const name of names.filter((n) => !passing.includes(n))) {
    if (required.includes(name)) throw emptySchema(`a required name \`propertyNames\` refuses (${name})`, at);
    delete props[name];
  }
}

export function objectSchema(schema: Node, at: string, convert: Convert, fits?: NameFilter): Out {
  const declared = isNode(schema.properties) ? schema.properties : {};
  const patterns = isNode(schema.patternProperties) ? Object.entries(schema.patternProperties) : [];
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  // A required name without a property schema is generated too, under the schema the validator
  // applies to it: its matching patternProperties, else additionalProperties.
  const props: Node = { ...declared };
  for (const name of required.filter((r) => !Object.hasOwn(declared, r))) {
    const matched = patterns.some(([p]) => safeRegex(p, at).test(name));
    const extra = schema.additionalProperties;
    if (!matched && extra === false) {
      throw unsupported(`\`required\` naming ${name}, which \`additionalProperties: false\` forbids`, at);
    }
    setOwn(props, name, matched || extra === undefined ? {} : extra);
  }
  addPatternKeys(schema, props, patterns, at);
  if (fits) namesKept(props, required, fits, at);
  const properties: Record<string, Out> = {};
  for (const name of Object.keys(props)) {
    const where = `${at}/properties/${name}`;
    try {
      setOwn(properties, name, convert(withPatterns(name, props[name]!, patterns, where), where));
    } catch (err) {
      // No value matches: the property may only be absent, which is exact when it is optional.
      if (!(err instanceof EmptySchema) || required.includes(name)) throw err;
    }
  }
  const fresh = addFreshKeys(schema, properties, Object.keys(props), patterns.length > 0, at, convert, fits);
  dropOptional(schema, properties, required);
  const names = Object.keys(properties);
  if (typeof schema.maxProperties === "number" && schema.maxProperties < names.length) {
    throw unsupported("`maxProperties` below the number of required properties", at);
  }
  if (typeof schema.minProperties === "number" && schema.minProperties > names.length) {
    throw unsupported("`minProperties` above the number of properties", at);
  }
  const out: Out = { type: "object", properties };
  // Extra keys only where no property is declared (an extra key could repeat a declared one) and no
  // pattern could apply to them.
  const extra = schema.additionalProperties;
  const extraKeys =
    !fresh &&
    !fits &&
    Object.keys(props).length === 0 &&
    patterns.length === 0 &&
    extra !== undefined &&
    extra !== false;
  checkDependencies(schema, names, extraKeys, at);
  if (extraKeys) {
    out.additionalProperties = extra === true ? true : convert(extra!, `${at}/additionalProperties`);
    if (typeof schema.maxProperties === "number") out.maxProperties = schema.maxProperties;
  }
  return out;
}
