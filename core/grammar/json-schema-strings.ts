/**
 * Strings for the JSON grammar: length bounds on the string rule of gbnf-json.ts; `pattern` and
 * every string format ajv-formats checks as GBNF of json-string-pattern.ts (a `gbnf` node), the
 * formats through the anchored regexes of json-string-formats.ts. A format ajv-formats does not
 * define (or one it accepts any string for) is not checked by the validator and adds nothing here.
 */
import type { Node, Out } from "./json-schema-common.js";
import { has, safeRegex, unsupported } from "./json-schema-common.js";
import { FORMAT_PATTERNS, formatApplies, uriWithPrefix } from "./json-string-formats.js";
import { patternStringGbnf } from "./json-string-pattern.js";

/** llama.cpp refuses a repetition count above 2000; one string character is one rule, so the
 * string rule could go further, but 999 keeps the same limit as patterns. A larger upper bound is
 * lowered to this (a stricter limit: every output still validates); a larger lower bound is refused. */
const MAX_STRING_REPEAT = 999;

export function stringSchema(schema: Node, at: string): Out {
  const format = typeof schema.format === "string" ? schema.format : undefined;
  if (format !== undefined && formatApplies(format, "string")) {
    if (has(schema, "pattern")) {
      const prefixed = uriWithPrefix(format, String(schema.pattern));
      if (!prefixed) throw unsupported("`format` together with `pattern`", at);
      return patternSchema({ ...schema, pattern: prefixed }, at);
    }
    const regex = Object.hasOwn(FORMAT_PATTERNS, format) ? FORMAT_PATTERNS[format] : undefined;
    if (!regex) throw unsupported(`\`format: ${format}\``, at);
    return patternSchema({ ...schema, pattern: regex }, at);
  }
  if (has(schema, "pattern")) return patternSchema(schema, at);
  const out: Out = { type: "string" };
  if (typeof schema.minLength === "number") {
    if (schema.minLength > MAX_STRING_REPEAT)
      throw unsupported(`\`minLength\` above ${MAX_STRING_REPEAT}`, at);
    out.minLength = Math.ceil(schema.minLength);
  }
  if (typeof schema.maxLength === "number") {
    if (typeof schema.minLength === "number" && schema.maxLength < schema.minLength) {
      throw unsupported("`maxLength` below `minLength` (no string can match)", at);
    }
    out.maxLength = Math.min(Math.floor(schema.maxLength), MAX_STRING_REPEAT);
  }
  return out;
}

/** A `pattern` (a search) with its length bounds, as a `gbnf` node. */
function patternSchema(schema: Node, at: string): Out {
  if (typeof schema.pattern !== "string") throw unsupported("a `pattern` that is not a string", at);
  const min = typeof schema.minLength === "number" ? Math.ceil(schema.minLength) : 0;
  const max = typeof schema.maxLength === "number" ? Math.floor(schema.maxLength) : Infinity;
  if (max < min) throw unsupported("`maxLength` below `minLength` (no string can match)", at);
  safeRegex(schema.pattern, at);
  return { gbnf: patternStringGbnf(schema.pattern, min, max, at) };
}
