/**
 * The value a local JSON pointer (`#`, `#/$defs/a`, `#/items/0`) names in a document: tokens
 * percent-decoded, then `~1` → `/` and `~0` → `~` (RFC 6901 in a URI fragment). Own properties only,
 * so `__proto__` and friends are ordinary names; array tokens must be digits. Undefined when the
 * pointer is not local or names nothing.
 */
export function valueAtPointer(root: unknown, ref: string): unknown {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let here: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    let token: string;
    try {
      token = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    } catch {
      return undefined;
    }
    if (Array.isArray(here)) {
      if (!/^\d+$/.test(token)) return undefined;
      here = here[Number(token)];
    } else if (typeof here === "object" && here !== null && Object.hasOwn(here, token)) {
      here = (here as Record<string, unknown>)[token];
    } else return undefined;
  }
  return here;
}
