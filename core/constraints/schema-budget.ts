/**
 * The size a JSON Schema would have with every `$ref` written out in place — which is what a
 * grammar compiler or validator that inlines references builds. It is measured on the schema
 * graph, once per schema object (memoised), before any expansion: 40 chained `$defs` whose
 * `anyOf` branches `$ref` the previous level stand for 2^40 nodes and are refused in
 * microseconds. A `$ref` back into a schema being measured (recursion) counts as one node, since
 * engines compile it to a rule reference.
 */
import { pointer } from "./input-check.js";
import { valueAtPointer } from "./json-pointer.js";
import { isSchemaObject, type SchemaObject, subschemas } from "./schema-walk.js";

/** A local `$ref` ("#", "#/$defs/a", percent- and ~-escaped) resolved in `root`, or undefined. */
export function resolveLocalRef(root: SchemaObject, ref: string): SchemaObject | undefined {
  const found = valueAtPointer(root, ref);
  return isSchemaObject(found) ? found : undefined;
}

export interface ExpansionProblem {
  problem: string;
  at: string;
}

/** The first budget the schema breaks, or undefined. */
export function schemaExpansionProblem(
  root: SchemaObject,
  budget: { maxNodes: number; maxRefDepth: number },
): ExpansionProblem | undefined {
  const sizes = new Map<SchemaObject, number>();
  const open = new Set<SchemaObject>();
  let refDepth = 0;
  let deepest: string | undefined;
  const cap = budget.maxNodes + 1;

  const size = (schema: SchemaObject, path: (string | number)[]): number => {
    const known = sizes.get(schema);
    if (known !== undefined) return known;
    if (open.has(schema)) return 1;
    open.add(schema);
    let total = 1;
    for (const child of subschemas(schema)) {
      // Definitions are written out where they are referenced, not where they are declared.
      if (child.path[0] === "$defs" || child.path[0] === "definitions") continue;
      total = Math.min(cap, total + size(child.schema, [...path, ...child.path]));
    }
    const ref = Object.hasOwn(schema, "$ref") ? schema.$ref : undefined;
    const target = typeof ref === "string" ? resolveLocalRef(root, ref) : undefined;
    if (target && total < cap) {
      if (++refDepth > budget.maxRefDepth) deepest ??= pointer(path);
      else total = Math.min(cap, total + size(target, [...path, "$ref"]));
      refDepth--;
    }
    open.delete(schema);
    sizes.set(schema, total);
    return total;
  };

  const total = size(root, []);
  if (deepest !== undefined) {
    return { problem: `$ref chains deeper than ${budget.maxRefDepth} references`, at: deepest };
  }
  if (total > budget.maxNodes) {
    return {
      problem: `with its $ref, anyOf, oneOf and allOf written out it would exceed ${budget.maxNodes} schema nodes`,
      at: "",
    };
  }
  return undefined;
}
