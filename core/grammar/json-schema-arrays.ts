/**
 * Arrays for the JSON grammar: tuples from `prefixItems` + `items` in 2020-12, from an array
 * `items` + `additionalItems` in earlier drafts (the keyword a draft does not have is ignored, as
 * the validator ignores it); `minItems`/`maxItems` exactly up to 200. Items that no value matches
 * (`false`, or a schema that is provably empty) leave only the empty array. `contains` (draft-06
 * on): the first `minContains` (1 unless 2019-09 on says otherwise) items are generated as the
 * item schema and the contained one both (a subset: the matches come first); `maxContains` is
 * refused (json-schema.ts).
 */
import type { Draft } from "../constraints/ajv-drafts.js";
import type { Json, Node, Out } from "./json-schema-common.js";
import { EmptySchema, emptySchema, unsupported } from "./json-schema-common.js";
import { mergeSchemas } from "./json-schema-merge.js";

export const ARRAY_KEYS = [
  "items",
  "prefixItems",
  "additionalItems",
  "minItems",
  "maxItems",
  "uniqueItems",
  "contains",
  "minContains",
];
const MAX_ARRAY_REPEAT = 200;

type Convert = (schema: Json, at: string) => Out;

export function arraySchema(schema: Node, at: string, draft: Draft, convert: Convert): Out {
  const out: Out = { type: "array" };
  // 2020-12 reads a tuple from `prefixItems` (then `items`) and ignores `additionalItems`; earlier
  // drafts read it from an array `items` (then `additionalItems`) and ignore `prefixItems`.
  const modern = draft === "2020-12";
  const tupleKey = modern ? "prefixItems" : "items";
  const tuple = Array.isArray(schema[tupleKey]) ? (schema[tupleKey] as Json[]) : null;
  if (modern && Array.isArray(schema.items)) throw unsupported("an array `items` in a 2020-12 schema", at);
  const rest = tuple && !modern ? schema.additionalItems : schema.items;
  const matches = containsCount(schema, draft);
  // Refused before the items that match are built, one by one (a hostile count would take minutes).
  if (matches > MAX_ARRAY_REPEAT) throw unsupported(`\`minContains\` above ${MAX_ARRAY_REPEAT}`, at);
  // The first `matches` items are the contained schema too: within the tuple, or before the rest.
  const both = (item: Json, i: number): Json => {
    if (i >= matches) return item;
    return mergeSchemas(item, schema.contains!) ?? { allOf: [item, schema.contains!] };
  };
  const restItem: Json = rest === undefined ? true : (rest as Json);
  const prefix = tuple ? tuple.map(both) : Array.from({ length: matches }, (_, i) => both(restItem, i));
  if (tuple && matches > tuple.length) throw unsupported("`contains` beyond the tuple items", at);
  if (prefix.length) out.prefixItems = prefix.map((s, i) => convert(s, `${at}/items/${i}`));
  let maxItems = typeof schema.maxItems === "number" ? schema.maxItems : undefined;
  const noMore = prefix.length;
  if (rest === false) maxItems = Math.min(maxItems ?? noMore, noMore);
  else if (rest !== undefined && rest !== true) {
    try {
      out.items = convert(rest as Json, `${at}/items`);
    } catch (err) {
      // No item can match: only the tuple itself (or the empty array) is left.
      if (!(err instanceof EmptySchema)) throw err;
      maxItems = Math.min(maxItems ?? noMore, noMore);
    }
  }
  const declaredMin = typeof schema.minItems === "number" ? schema.minItems : undefined;
  const minItems = matches > 0 ? Math.max(declaredMin ?? 0, matches) : declaredMin;
  if (!tuple && matches > 0 && maxItems !== undefined && maxItems < matches) {
    throw emptySchema("`maxItems` below the items `contains` needs", at);
  }
  if (tuple && maxItems !== undefined && maxItems < tuple.length) {
    throw unsupported("`maxItems` below the number of tuple items (all are generated)", at);
  }
  if (schema.uniqueItems === true && (maxItems === undefined || maxItems > 1)) {
    throw unsupported("`uniqueItems`", at);
  }
  if (minItems !== undefined && maxItems !== undefined && maxItems < minItems) {
    throw emptySchema("`maxItems` below `minItems`", at);
  }
  if (minItems !== undefined && minItems > MAX_ARRAY_REPEAT) {
    throw unsupported(`\`minItems\` above ${MAX_ARRAY_REPEAT}`, at);
  }
  if (minItems !== undefined) out.minItems = minItems;
  if (maxItems !== undefined) out.maxItems = Math.min(maxItems, MAX_ARRAY_REPEAT);
  return out;
}

/** How many items must match `contains` (0 without it, or in draft-04, which has no `contains`). */
function containsCount(schema: Node, draft: Draft): number {
  if (schema.contains === undefined || draft === "draft-04") return 0;
  const modern = draft === "2019-09" || draft === "2020-12";
  return modern && typeof schema.minContains === "number" ? schema.minContains : 1;
}
