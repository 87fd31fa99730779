/**
 * JSON Schema `pattern` (with `minLength`/`maxLength`) → GBNF for a whole JSON string, quotes included.
 *
 * - `pattern` is a search: an unanchored side may carry any text. Each top-level branch keeps its own
 *   anchors (`^a|b$`): free text goes before the body unless the branch starts with `^`, after it
 *   unless it ends with `$`. Anchors anywhere else are rejected.
 * - The output is JSON text, so a character needing an escape (`"`, `\`, controls) is written
 *   escaped when the pattern requires it (a set of such characters only), and otherwise left out of
 *   the set (a subset: every output still matches).
 * - Lengths count code points, as the validator does; each pattern character and each escape decodes
 *   to exactly one. A body outside the bounds has its repetition counts narrowed (pattern-lengths.ts),
 *   and unanchored sides get padding sized to keep the total inside them; where neither can keep
 *   the bounds exactly, the pattern is rejected.
 */
import { unsupported } from "./json-schema-common.js";
import {
  complement,
  normalize,
  parseRegex,
  type Ranges,
  type RegexNode,
  RegexUnsupported,
} from "./regex-ast.js";
import { fitLengths, lengths, MAX_COUNT as MAX_REPEAT } from "./pattern-lengths.js";
import { withoutEmptyLoops } from "./regex-loops.js";
import { gbnfLiteral } from "./regex-to-gbnf.js";

/** Characters a JSON string may hold unescaped. */
const SAFE: Ranges = complement([
  [0x00, 0x1f],
  [0x22, 0x22],
  [0x5c, 0x5c],
]);

const hex = (cp: number, width: number) => cp.toString(16).toUpperCase().padStart(width, "0");
function classChar(cp: number): string {
  if (cp < 0x20) return `\\x${hex(cp, 2)}`;
  if (cp >= 0x7f) return cp > 0xffff ? `\\U${hex(cp, 8)}` : `\\u${hex(cp, 4)}`;
  // llama.cpp's GBNF parser has no \^ ("unknown escape"), unlike \\ \] \- \[.
  if (cp === 0x5e) return "\\x5E";
  const c = String.fromCodePoint(cp);
  return "\\]-[".includes(c) ? `\\${c}` : c;
}

function intersect(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  for (const [alo, ahi] of a) {
    for (const [blo, bhi] of b) {
      const lo = Math.max(alo, blo);
      const hi = Math.min(ahi, bhi);
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return normalize(out);
}

const renderClass = (ranges: Ranges) =>
  `[${ranges.map(([lo, hi]) => (lo === hi ? classChar(lo) : `${classChar(lo)}-${classChar(hi)}`)).join("")}]`;
const ANY = renderClass(SAFE);

/** One character of the set as JSON string text. */
export function renderSet(ranges: Ranges): string {
  const safe = intersect(ranges, SAFE);
  if (safe.length) return renderClass(safe);
  const escapes: string[] = [];
  for (const [lo, hi] of ranges) {
    for (let cp = lo; cp <= hi; cp++)
      escapes.push(gbnfLiteral(JSON.stringify(String.fromCodePoint(cp)).slice(1, -1)));
  }
  if (!escapes.length) throw new RegexUnsupported("an empty class `[]`");
  return escapes.length === 1 ? escapes[0]! : `(${escapes.join(" | ")})`;
}

function render(node: RegexNode): string {
  switch (node.kind) {
    case "set":
      return renderSet(node.ranges);
    case "start":
    case "end":
      throw new RegexUnsupported("an anchor inside the pattern (only at the start or end of a branch)");
    case "seq":
      return node.items.length ? `(${node.items.map(render).join(" ")})` : '""';
    case "alt":
      return `(${node.items.map(render).join(" | ")})`;
    case "repeat": {
      const { min, max } = node;
      if (min > MAX_REPEAT || (max ?? 0) > MAX_REPEAT)
        throw new RegexUnsupported(`a count above ${MAX_REPEAT}`);
      if (max === undefined && lengths(node.item)[0] === 0) {
        throw new RegexUnsupported("an unbounded repetition of something that can be empty");
      }
      if (max === 0) return '""';
      // A repetition of a repetition needs parentheses (`[a]+*` is not GBNF).
      const item = node.item.kind === "repeat" ? `(${render(node.item)})` : render(node.item);
      if (max === undefined) return min === 0 ? `${item}*` : min === 1 ? `${item}+` : `${item}{${min},}`;
      return max === min ? `${item}{${min}}` : `${item}{${min},${max}}`;
    }
  }
}

interface Branch {
  start: boolean;
  end: boolean;
  body: RegexNode;
}

/** The top-level branches, each with its leading `^` and trailing `$` taken off. */
function branches(node: RegexNode): Branch[] {
  if (node.kind === "alt") return node.items.flatMap(branches);
  const items = node.kind === "seq" ? [...node.items] : [node];
  let start = false;
  let end = false;
  while (items[0]?.kind === "start") start = Boolean(items.shift());
  while (items[items.length - 1]?.kind === "end") end = Boolean(items.pop());
  return [{ start, end, body: { kind: "seq", items } }];
}

/** One branch with its padding; null when no match fits the bounds (the branch is dropped). */
function branchGbnf(branch: Branch, minLength: number, maxLength: number): string | null {
  if (lengths(branch.body)[0] > maxLength) return null;
  const sides = Number(!branch.start) + Number(!branch.end);
  // A fully anchored body must meet both bounds itself; otherwise padding makes up a shortfall.
  const body = fitLengths(branch.body, sides === 0 ? minLength : 0, maxLength);
  const [a, b] = lengths(body);
  if (sides === 0) return render(body);
  const padLo = Math.max(0, minLength - a);
  const padHi = maxLength === Infinity ? Infinity : maxLength - b;
  if (padLo > padHi) {
    throw new RegexUnsupported("a `pattern` whose match lengths vary too much for `minLength`/`maxLength`");
  }
  if (padLo > MAX_REPEAT)
    throw new RegexUnsupported(`a \`minLength\` above ${MAX_REPEAT} with a \`pattern\``);
  // Bounded padding all goes to one side (a subset); a larger bound than llama.cpp takes is lowered.
  const hi = padHi === Infinity ? "" : String(Math.min(padHi, MAX_REPEAT));
  const main = padLo === 0 && hi === "" ? `${ANY}*` : hi === "0" ? "" : `${ANY}{${padLo},${hi}}`;
  const other = hi === "" ? `${ANY}*` : "";
  const before = branch.start ? "" : sides === 2 ? other : main;
  const after = branch.end ? "" : main;
  return [before, render(body), after].filter(Boolean).join(" ");
}

/** GBNF for a JSON string (quotes included) whose value matches the pattern and the length bounds. */
export function patternStringGbnf(pattern: string, minLength: number, maxLength: number, at: string): string {
  try {
    const alternatives = branches(withoutEmptyLoops(parseRegex(pattern)))
      .map((b) => branchGbnf(b, minLength, maxLength))
      .filter((g): g is string => g !== null);
    if (!alternatives.length)
      throw new RegexUnsupported("a `pattern` none of whose matches fits the length bounds");
    return `("\\"" (${alternatives.join(" | ")}) "\\"")`;
  } catch (err) {
    if (err instanceof RegexUnsupported)
      throw unsupported(`${err.message} (pattern ${JSON.stringify(pattern)})`, at);
    throw err;
  }
}
