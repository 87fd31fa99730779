/**
 * Local JSON pointers (`#/properties/a/items`) into the root schema, for `$ref`s that do not name a
 * definition. A nested `$id` changes the base a pointer is read against, so callers only resolve
 * pointers in roots without one (nestedId).
 */
import { valueAtPointer } from "../constraints/json-pointer.js";
import type { Json } from "./json-schema-common.js";
import { isNode } from "./json-schema-common.js";

/** Whether a schema holds an `$id` (or draft-04 `id`) below its root. */
export function nestedId(schema: Json, root: boolean): boolean {
  if (Array.isArray(schema)) return schema.some((s) => nestedId(s, false));
  if (!isNode(schema)) return false;
  return Object.entries(schema).some(
    ([k, v]) => (!root && (k === "$id" || k === "id") && typeof v === "string") || nestedId(v, false),
  );
}

/** The value at a local pointer (core/constraints/json-pointer.ts), if any. */
export function atPointer(root: Json, ref: string): Json | undefined {
  return valueAtPointer(root, ref) as Json | undefined;
}
