/**
 * Patterns as text for string-automata.ts: a conjunction or negation of patterns written as one
 * JSON Schema `pattern` of lookaheads at the start, so a merged schema still means what it says to
 * the validator, and any pattern rewritten as Unicode-mode source with the same matches (the one
 * reading a combined pattern can have).
 */
import { type Concatenation, CharSet, JS, type Node, type NoParent, TooManyNodesError } from "refa";
import { RegexUnsupported } from "./regex-ast.js";
import { cls, type El, lookaheads, MAX_STATES, parse, tooBig } from "./string-automata.js";

/**
 * `^(?=[^]*?(?:A))…`: a match of every pattern somewhere (a conjunction's terms are taken over);
 * undefined where a pattern cannot be rewritten in Unicode mode.
 */
export function conjoinPatterns(patterns: string[]): string | undefined {
  const sources = patterns.map((p) => maybeUnicode(p));
  if (sources.some((p) => p === undefined)) return undefined;
  const terms = (sources as string[]).flatMap((p) =>
    isConjunction(p) ? [p.slice(1)] : [`(?=[^]*?(?:${p}))`],
  );
  return `^${terms.join("")}`;
}

/** `^(?![^]*?(?:N))`: no match of N anywhere (undefined as above). */
export function negatePattern(pattern: string, flags = ""): string | undefined {
  const source = maybeUnicode(pattern, flags);
  return source === undefined ? undefined : `^(?![^]*?(?:${source}))`;
}

function maybeUnicode(pattern: string, flags = ""): string | undefined {
  try {
    return unicodeSource(pattern, flags);
  } catch (err) {
    if (err instanceof RegexUnsupported) return undefined;
    throw err;
  }
}

/**
 * The pattern as Unicode-mode source with the same matches over the alphabet: one pattern of
 * several keeps each one's own reading (ajv reads a legacy-only pattern in legacy mode, and a
 * format's RegExp with its own flags, e.g. `i`). Unchanged where it compiles in Unicode mode and
 * has no flags and no backreference.
 */
export function unicodeSource(pattern: string, flags = ""): string {
  // A backreference counts groups across the whole combined pattern: refa resolves it here first.
  if (flags === "" && !/\\[1-9]|\\k</.test(pattern)) {
    try {
      new RegExp(pattern, "u");
      return pattern;
    } catch {
      // legacy mode: rewritten below
    }
  }
  try {
    const { expression } = JS.Parser.fromLiteral({ source: pattern, flags: flags.replace("u", "") }).parse({
      assertions: "parse",
      maxNodes: MAX_STATES * 5,
    });
    const resized = { ...expression, alternatives: expression.alternatives.map(resizeConcat) };
    const flagsOut = { unicode: true, ignoreCase: false, multiline: false, dotAll: false };
    const literal = JS.toLiteral(resized as NoParent<Node>, { flags: flagsOut });
    // Only Unicode mode may remain: the pattern is read with `u` alone.
    if (literal.flags.replace("u", "") !== "") throw new Error(`flags ${literal.flags}`);
    return literal.source;
  } catch (err) {
    if (err instanceof TooManyNodesError) throw tooBig();
    throw new RegexUnsupported(`a \`pattern\` refa cannot rewrite (${(err as Error).message})`);
  }
}

type Concat = NoParent<Concatenation>;
const resizeConcat = (c: Concat): Concat => ({ type: "Concatenation", elements: c.elements.map(resize) });

/** Character sets widened to the Unicode range (a legacy pattern's sets stay inside the BMP). */
function resize(e: El): El {
  // Every character stays every character (so `^`, a lookbehind of any character, stays `^`).
  if (e.type === "CharacterClass")
    return cls(e.characters.isAll ? CharSet.all(0x10ffff) : e.characters.resize(0x10ffff));
  if (e.type === "Unknown") throw new RegexUnsupported("a backreference in a `pattern`");
  return { ...e, alternatives: e.alternatives.map(resizeConcat) } as El;
}

/** Whether the pattern is `^` followed by lookahead terms only (as the two functions above write). */
function isConjunction(pattern: string): boolean {
  try {
    const { alternatives } = parse(pattern);
    const elements = alternatives[0]!.elements as El[];
    return alternatives.length === 1 && elements.length > 1 && lookaheads(elements) === elements.length;
  } catch {
    return false;
  }
}
