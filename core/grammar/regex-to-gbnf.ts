/**
 * A regular expression (JavaScript syntax, matched against the whole answer) → a GBNF grammar: an
 * emitter over the syntax tree of regex-ast.ts, parsed with its `strict` subset.
 *
 * Supported subset: literals and escapes (\n \t \r \f \v \0 \xHH \uHHHH \u{H…}, escaped
 * metacharacters), `.`, classes `[...]` / `[^...]` with ranges and \d \w \s inside, \d \D \w \W \s \S,
 * groups `(...)`, `(?:...)` and named `(?<n>...)`, alternation `|`, quantifiers `? * + {m} {m,} {m,n}`
 * (lazy forms accepted: laziness does not change what a whole-string match accepts), and `^` / `$`
 * at the very start / end. Everything else (backreferences, lookaround, \b, flags, anchors in the
 * middle, \D \W \S inside a class, surrogate escapes, counts above 2000) is rejected with
 * schema_unsupported.
 */
import { GrammarError } from "./errors.js";
import { parseRegex, type Ranges, type RegexNode, RegexUnsupported } from "./regex-ast.js";
import { withoutEmptyLoops } from "./regex-loops.js";

/** llama.cpp rejects larger repetition counts ("number of repetitions exceeds sane defaults"). */
const MAX_REPEAT = 2000;

const reject = (what: string, pattern: string) =>
  new GrammarError(
    "schema_unsupported",
    `the embedded engine cannot turn this regex into a grammar: ${what} is outside the supported subset ` +
      `(literals, classes, groups, alternation, ?, *, +, {m,n}, ^ and $ at the ends): /${pattern}/`,
    "structured_outputs.regex",
  );

const hex = (cp: number, width: number) => cp.toString(16).toUpperCase().padStart(width, "0");

/** A code point written for a GBNF string literal or character class. */
function gbnfChar(cp: number, inClass: boolean): string {
  if (cp === 0x22 && !inClass) return '\\"';
  if (cp === 0x5c) return "\\\\";
  // llama.cpp's GBNF parser knows \] and \- but not \^ ("unknown escape"): ^ (and [) go as \x.
  if (inClass && (cp === 0x5d || cp === 0x2d)) return `\\${String.fromCodePoint(cp)}`;
  if (inClass && (cp === 0x5e || cp === 0x5b)) return `\\x${hex(cp, 2)}`;
  if (cp < 0x20 || cp === 0x7f) return `\\x${hex(cp, 2)}`;
  if (inClass && cp > 0x7f) return cp > 0xffff ? `\\U${hex(cp, 8)}` : `\\u${hex(cp, 4)}`;
  return String.fromCodePoint(cp);
}

/** A GBNF string literal for any text. */
export function gbnfLiteral(text: string): string {
  return `"${[...text].map((c) => gbnfChar(c.codePointAt(0)!, false)).join("")}"`;
}

/** One character of the set: a literal for a single code point, else a class of its ranges. */
function emitSet(ranges: Ranges): string {
  if (!ranges.length) throw new RegexUnsupported("an empty class `[]` (it matches nothing)");
  const [lo, hi] = ranges[0]!;
  if (ranges.length === 1 && lo === hi) return gbnfLiteral(String.fromCodePoint(lo));
  const range = ([a, b]: [number, number]) =>
    a === b ? gbnfChar(a, true) : `${gbnfChar(a, true)}${b > a + 1 ? "-" : ""}${gbnfChar(b, true)}`;
  return `[${ranges.map(range).join("")}]`;
}

function quantifier(min: number, max: number | undefined): string {
  if (min > MAX_REPEAT || (max ?? 0) > MAX_REPEAT) throw new RegexUnsupported(`a count above ${MAX_REPEAT}`);
  if (max === undefined) return min === 0 ? "*" : min === 1 ? "+" : `{${min},}`;
  if (min === 0 && max === 1) return "?";
  return max === min ? `{${min}}` : `{${min},${max}}`;
}

function emit(node: RegexNode): string {
  switch (node.kind) {
    case "set":
      return emitSet(node.ranges);
    case "seq":
      return node.items.length ? node.items.map(emit).join(" ") : '""';
    case "alt":
      return `(${node.items.map(emit).join(" | ")})`;
    case "repeat": {
      const { item } = node;
      const body = item.kind === "set" || item.kind === "alt" ? emit(item) : `(${emit(item)})`;
      return `${body}${quantifier(node.min, node.max)}`;
    }
    case "start":
    case "end":
      throw new RegexUnsupported("an anchor in the middle");
  }
}

/** The tree without the `^` that opens the pattern and the `$` that closes it: no-ops for a whole match. */
function withoutOuterAnchors(node: RegexNode, pattern: string): RegexNode {
  const branches = node.kind === "alt" ? [...node.items] : [node];
  const drop = (index: number, kind: "start" | "end") => {
    const branch = branches[index]!;
    const items = branch.kind === "seq" ? [...branch.items] : [branch];
    const at = kind === "start" ? 0 : items.length - 1;
    if (items[at]?.kind !== kind) return;
    items.splice(at, 1);
    branches[index] = items.length === 1 ? items[0]! : { kind: "seq", items };
  };
  // The groups are gone from the tree, so the text tells whether the anchor stands at the very end.
  if (pattern.startsWith("^")) drop(0, "start");
  if (pattern.endsWith("$")) drop(branches.length - 1, "end");
  return branches.length === 1 ? branches[0]! : { kind: "alt", items: branches };
}

/** The whole-string grammar for a regex, or schema_unsupported naming what is outside the subset. */
export function regexToGbnf(pattern: string): string {
  try {
    new RegExp(pattern, "u");
  } catch (err) {
    throw new GrammarError(
      "invalid_request",
      `the regex does not compile: ${(err as Error).message}`,
      "structured_outputs.regex",
    );
  }
  try {
    return `root ::= ${emit(withoutOuterAnchors(withoutEmptyLoops(parseRegex(pattern, { strict: true })), pattern))}\n`;
  } catch (err) {
    if (err instanceof RegexUnsupported) throw reject(err.message, pattern);
    throw err;
  }
}

/** A grammar that accepts exactly one of the choices. */
export function choiceToGbnf(choices: string[]): string {
  if (choices.length === 0) {
    throw new GrammarError(
      "invalid_request",
      "choice needs at least one option",
      "structured_outputs.choice",
    );
  }
  return `root ::= ${choices.map(gbnfLiteral).join(" | ")}\n`;
}
