/**
 * Every `$ref` of a schema rewritten as a pointer from the root (`#/definitions/lemon/…`), resolved
 * the way the validator resolves it, so that the converter reads each reference without knowing
 * where it stood. Ajv (node_modules/ajv/lib/compile/resolve.ts, compile/index.ts) walks schemas with
 * json-schema-traverse (`allKeys`), lets the draft's id keyword (`id` in draft-04, `$id` later)
 * move the base URI of everything below it, resolves a reference against that base with fast-uri,
 * and then finds the schema whose id is the reference's URI (a JSON pointer fragment read inside
 * it) or whose plain-name id or `$anchor` is the whole reference. Those two libraries are ajv's own,
 * so the resolution here is the validator's. A reference to anything else (another document, an id
 * the schema does not hold, a pointer that names nothing) stays unresolved and is refused by the
 * converter naming it.
 */
import fastUri from "fast-uri";
import traverse from "json-schema-traverse";
import { type Draft, idKeyword } from "../constraints/ajv-drafts.js";
import { valueAtPointer } from "../constraints/json-pointer.js";
import type { Json, Node } from "./json-schema-common.js";

// ajv's normalizeId: an id's empty fragment (`…#`, `…#/`) is no fragment.
const normalizeId = (id: string) => id.replace(/#\/?$/, "");
const resolveUrl = (base: string, id: string) => fastUri.resolve(base, normalizeId(id));
const withoutFragment = (uri: string) => uri.split("#")[0]!;

/** A `~`-escaped JSON pointer (`/a/b~1c`) as a URI fragment: only `%` needs escaping to read back. */
const toFragment = (pointer: string) => `#${pointer.replace(/%/g, "%25")}`;

interface Located {
  node: Node;
  pointer: string;
  /** The base URI the schema is read against (its own id resolved against its parent's base). */
  base: string;
  /**
   * Where ajv registers the schema's id: resolved against the root's id, not the parent's
   * (resolve.ts, getSchemaRefs). Differs from `base` only under nested relative ids.
   */
  registered?: string;
}

/** The schemas below the root as ajv's traversal finds them. */
function locate(root: Node, idKey: string): Located[] {
  const rootBase = typeof root[idKey] === "string" ? normalizeId(root[idKey] as string) : "";
  const bases = new Map<string, string>([["", rootBase]]);
  const found: Located[] = [{ node: root, pointer: "", base: rootBase, registered: rootBase }];
  traverse(root, { allKeys: true }, (node, pointer, _root, parent) => {
    if (parent === undefined) return;
    const id = node[idKey];
    const base = typeof id === "string" ? resolveUrl(bases.get(parent)!, id) : bases.get(parent)!;
    bases.set(pointer, base);
    const registered =
      typeof id === "string" ? normalizeId(rootBase ? fastUri.resolve(rootBase, id) : id) : undefined;
    found.push({ node: node as Node, pointer, base, registered });
  });
  return found;
}

/**
 * A copy of the schema whose `$ref`s the validator can resolve inside it are root pointers; the
 * others are left as written. `draft` decides the id keyword.
 */
export function localizeRefs(schema: Node, draft: Draft): Node {
  const idKey = idKeyword(draft);
  const copy = structuredClone(schema);
  const located = locate(copy, idKey);
  // The pointer of each schema by its full id (plain-name ids and anchors with their fragment).
  // An id that names two schemas, or that ajv would register elsewhere than it reads it, is null:
  // references to it stay unresolved.
  const byId = new Map<string, string | null>();
  const register = (id: string, pointer: string | null) =>
    byId.set(id, byId.has(id) && byId.get(id) !== pointer ? null : pointer);
  for (const { node, pointer, base, registered } of located) {
    if (registered !== undefined) register(base, registered === base ? pointer : null);
    if (typeof node.$anchor === "string" && !draft.startsWith("draft-"))
      register(`${withoutFragment(base)}#${node.$anchor}`, pointer);
  }
  for (const { node, base } of located) {
    if (typeof node.$ref !== "string") continue;
    const target = resolveTarget(resolveUrl(base, node.$ref), byId, copy);
    if (target !== undefined) node.$ref = target;
  }
  return copy;
}

/** The root pointer (as a `#…` reference) a full reference names, if it is inside the schema. */
function resolveTarget(full: string, byId: Map<string, string | null>, root: Json): string | undefined {
  const hash = full.indexOf("#");
  const uri = hash < 0 ? full : full.slice(0, hash);
  const fragment = hash < 0 ? "" : full.slice(hash + 1);
  if (fragment !== "" && !fragment.startsWith("/")) {
    const pointer = byId.get(full);
    return typeof pointer === "string" ? toFragment(pointer) : undefined;
  }
  const document = byId.get(uri);
  if (typeof document !== "string") return undefined;
  const ref = `${toFragment(document)}${fragment}`;
  return valueAtPointer(root, ref) === undefined ? undefined : ref;
}
