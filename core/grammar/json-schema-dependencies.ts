/**
 * A `dependencies` (or `dependentSchemas`) entry `t: S` holds exactly when `t` is absent or the
 * object matches `S` (a list of names is `S = {required: names}`, as in `dependentRequired`):
 * generated as a union of the rest with `properties: {t: false}`
 * and the rest merged with `S` (json-schema-merge.ts). Both alternatives only narrow the schema, so
 * the union stays a subset whichever of the two keywords the draft reads; an alternative that
 * cannot be merged, that no value matches, or that the grammar refuses is left out.
 */
import { type Alternative, type Lowering, union } from "./json-schema-combinators.js";
import type { Json, Node, Out } from "./json-schema-common.js";
import { isNode, setOwn } from "./json-schema-common.js";
import { mergeSchemas } from "./json-schema-merge.js";

const KEYWORDS = ["dependencies", "dependentSchemas", "dependentRequired"] as const;

/** Each entry of an optional trigger doubles the alternatives: past this many, refused as before. */
const MAX_ENTRIES = 3;

/** The entries whose dependency is a schema that constrains something. */
function schemaEntries(schema: Node): Array<[keyword: string, trigger: string, dep: Json]> {
  const out: Array<[string, string, Json]> = [];
  const declared = isNode(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  for (const k of KEYWORDS) {
    const deps = schema[k];
    if (!isNode(deps)) continue;
    for (const [trigger, dep] of Object.entries(deps)) {
      const noOp = dep === true || (isNode(dep) && Object.keys(dep).length === 0);
      // A list of names is left to json-schema-objects.ts where every name is declared or the
      // trigger is neither declared nor required (never generated).
      const listed =
        Array.isArray(dep) &&
        (dep.every((d) => Object.hasOwn(declared, String(d))) ||
          !(Object.hasOwn(declared, trigger) || required.includes(trigger)));
      if (!noOp && !listed) out.push([k, trigger, Array.isArray(dep) ? { required: dep } : dep]);
    }
  }
  return out;
}

/** Whether the schema has a schema-valued dependency that `dependencyUnion` should take apart. */
export function hasSchemaDependency(schema: Node): boolean {
  const entries = schemaEntries(schema);
  const required = Array.isArray(schema.required) ? schema.required.map(String) : [];
  return entries.length > 0 && entries.filter(([, t]) => !required.includes(t)).length <= MAX_ENTRIES;
}

export function dependencyUnion(cv: Lowering, schema: Node, at: string): Out {
  const [keyword, trigger, dep] = schemaEntries(schema)[0]!;
  const { [trigger]: _, ...others } = schema[keyword] as Node;
  const rest: Node = { ...schema };
  if (Object.keys(others).length) rest[keyword] = others;
  else delete rest[keyword];
  const absent: Node = { properties: {} };
  setOwn(absent.properties as Node, trigger, false);
  const where = `${at}/${keyword}/${trigger}`;
  // A required trigger is always present: only the merge is left.
  const required = Array.isArray(schema.required) && schema.required.map(String).includes(trigger);
  const present = mergeSchemas(rest, cv.inline(dep, where, 0));
  const alternatives = (required ? [present] : [present, mergeSchemas(rest, absent)]).filter(
    (m): m is Json => m !== undefined && m !== false,
  );
  return union(
    cv,
    alternatives.map((m): Alternative => [m, at]),
    at,
    true,
    `\`${keyword}\` with a schema for ${trigger}`,
  );
}
