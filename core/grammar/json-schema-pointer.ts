/**
 * Local JSON pointers (`#/properties/a/items`) into the root schema, for `$ref`s that do not name a
 * definition. A nested `$id` changes the base a pointer is read against, so callers only resolve
 * pointers in roots without one (nestedId).
 */
import { isNode, type Json } from "./json-schema-common.js";

/** Whether a schema holds an `$id` (or draft-04 `id`) below its root. */
export function nestedId(schema: Json, root: boolean): boolean {
  if (Array.isArray(schema)) return schema.some((s) => nestedId(s, false));
  if (!isNode(schema)) return false;
  return Object.entries(schema).some(
    ([k, v]) => (!root && (k === "$id" || k === "id") && typeof v === "string") || nestedId(v, false),
  );
}

/** The value at a `#/…` pointer (tokens percent-decoded, then `~1` → `/`, `~0` → `~`), if any. */
export function atPointer(root: Json, ref: string): Json | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let here: Json | undefined = root;
  for (const raw of ref.slice(2).split("/")) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    } catch {
      return undefined;
    }
    if (Array.isArray(here) && /^\d+$/.test(token)) here = here[Number(token)];
    else if (isNode(here) && Object.hasOwn(here, token)) here = here[token];
    else return undefined;
  }
  return here;
}
