/**
 * Strings for the JSON grammar: length bounds on the string rule of gbnf-json.ts; `pattern` and
 * every string format ajv-formats checks as GBNF of json-string-pattern.ts (a `gbnf` node), the
 * formats through the anchored regexes of json-string-formats.ts. A format ajv-formats does not
 * define (or one it accepts any string for) is not checked by the validator and adds nothing here.
 */
import type { Node, Out } from "./json-schema-common.js";
import { GrammarError } from "./errors.js";
import {
  EmptySchema,
  emptySchema,
  has,
  safeRegex,
  compilesInUnicodeMode,
  unsupported,
} from "./json-schema-common.js";
import { FORMAT_PATTERNS, formatApplies, uriWithPrefix } from "./json-string-formats.js";
import { patternStringGbnf, renderSet } from "./json-string-pattern.js";
import { RegexUnsupported } from "./regex-ast.js";
import type { DFA } from "refa";
import { patternsDfa } from "./string-automata.js";
import { conjoinPatterns } from "./string-pattern-text.js";
import { type FormulaContext, isStringFormula, stringFormulaDfa } from "./string-formula.js";
import { dfaGbnf } from "./string-automata-gbnf.js";

/** llama.cpp refuses a repetition count above 2000; one string character is one rule, so the
 * string rule could go further, but 999 keeps the same limit as patterns. A larger upper bound is
 * lowered to this (a stricter limit: every output still validates); a larger lower bound is refused. */
const MAX_STRING_REPEAT = 999;

export function stringSchema(schema: Node, at: string): Out {
  const format = typeof schema.format === "string" ? schema.format : undefined;
  if (format !== undefined && formatApplies(format, "string")) {
    if (has(schema, "pattern")) {
      const prefixed = uriWithPrefix(format, String(schema.pattern));
      if (prefixed) return patternSchema({ ...schema, pattern: prefixed }, at);
      const regex = Object.hasOwn(FORMAT_PATTERNS, format) ? FORMAT_PATTERNS[format] : undefined;
      if (!regex || typeof schema.pattern !== "string")
        throw unsupported("`format` together with `pattern`", at);
      // Both at once: the format's own regex and the pattern, as one automaton (string-automata.ts).
      const both = conjoinPatterns([regex, schema.pattern]);
      if (!both) throw unsupported("`format` together with `pattern`", at);
      return patternSchema({ ...schema, pattern: both }, at);
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
  // A legacy-mode pattern (`\_`, a lone `{`) is read by refa in that mode, never by the regex route.
  if (compilesInUnicodeMode(schema.pattern)) {
    try {
      return { gbnf: patternStringGbnf(schema.pattern, min, max, at) };
    } catch (err) {
      if (!(err instanceof GrammarError) || err instanceof EmptySchema) throw err;
    }
  }
  // What the regex route cannot keep exactly, the automaton route may (string-automata.ts).
  return automatonSchema(schema.pattern, min, max === Infinity ? max : Math.min(max, MAX_STRING_REPEAT), at);
}

/** A string matching the pattern with a length in [min, max], as a `gbnf` node with its own rules. */
function automatonSchema(pattern: string, min: number, max: number, at: string): Out {
  const shown = `(pattern ${JSON.stringify(pattern)})`;
  try {
    // A subset may be taken here (the pattern is not under a negation).
    const out = dfaSchema(patternsDfa([pattern], "subset"), min, max, `${pattern}|${min}|${max}`);
    if (!out) throw emptySchema(`a \`pattern\` none of whose matches fits the length bounds ${shown}`, at);
    return out;
  } catch (err) {
    if (err instanceof RegexUnsupported) throw unsupported(`${err.message} ${shown}`, at);
    throw err;
  }
}

function dfaSchema(dfa: DFA, min: number, max: number, key: string): Out | undefined {
  const out = dfaGbnf(dfa, min, max, renderSet, `s${hash(key)}`);
  return out ? { gbnf: `"\\"" ${out.body} "\\""`, rules: out.rules } : undefined;
}

/**
 * A `type: "string"` schema whose combinators nest only string keywords, as one automaton
 * (string-formula.ts); undefined where it is not one, or where the automaton passes its bounds (the
 * other routes then try). Its own length bounds are kept by the rules' length counter.
 */
export function stringFormulaSchema(schema: Node, ctx: FormulaContext, at: string): Out | undefined {
  if (!isStringFormula(schema)) return undefined;
  const { minLength, maxLength, ...rest } = schema;
  const min = typeof minLength === "number" ? Math.ceil(minLength) : 0;
  const max = typeof maxLength === "number" ? Math.min(Math.floor(maxLength), MAX_STRING_REPEAT) : Infinity;
  try {
    const dfa = stringFormulaDfa(rest, ctx);
    if (!dfa) return undefined;
    const out = dfaSchema(dfa, min, max, JSON.stringify(schema));
    if (!out) throw emptySchema("a string formula of `pattern`s and combinators", at);
    return out;
  } catch (err) {
    if (err instanceof RegexUnsupported) return undefined;
    throw err;
  }
}

/** FNV-1a, for rule names that differ between automata (equal names mean equal rules). */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}
