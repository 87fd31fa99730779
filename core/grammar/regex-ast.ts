/**
 * A JavaScript regular expression (Unicode mode, as the validator compiles JSON Schema `pattern`)
 * → a small syntax tree whose characters are sets of code-point ranges. Used by
 * json-string-pattern.ts, which needs the ranges to keep generated characters JSON-safe.
 *
 * Subset: literals and escapes (\n \t \r \f \v \0 \xHH \uHHHH \u{H…}, escaped syntax characters),
 * `.`, classes `[...]` / `[^...]` with ranges and \d \w \s \D \W \S inside, groups `(...)`,
 * `(?:...)` and `(?<name>...)`, alternation, quantifiers `? * + {m} {m,} {m,n}` (lazy forms too)
 * and the anchors `^` / `$`. Backreferences, lookaround, \b \B, Unicode property escapes and
 * surrogate escapes throw a RegexUnsupported naming the construct. The one parser serves both the
 * JSON Schema `pattern` (json-string-pattern.ts) and the regex constraint (regex-to-gbnf.ts), which
 * parses with `strict` for its documented, narrower subset.
 */

/** Sorted, disjoint, non-adjacent inclusive code-point ranges. */
export type Ranges = Array<[number, number]>;
export type RegexNode =
  | { kind: "set"; ranges: Ranges }
  | { kind: "seq"; items: RegexNode[] }
  | { kind: "alt"; items: RegexNode[] }
  | { kind: "repeat"; item: RegexNode; min: number; max: number | undefined }
  | { kind: "start" }
  | { kind: "end" };

export class RegexUnsupported extends Error {}

export interface ParseOptions {
  /**
   * The regex constraint's subset: also rejects \D \W \S inside a class, an unescaped `[` inside a
   * class (a nested class under the `v` flag), \cX and \u{…} with more than six digits.
   */
  strict?: boolean;
}

export const MAX_CODE_POINT = 0x10ffff;
const SURROGATES: [number, number] = [0xd800, 0xdfff];
const DIGIT: Ranges = [[0x30, 0x39]];
const WORD: Ranges = [
  [0x30, 0x39],
  [0x41, 0x5a],
  [0x5f, 0x5f],
  [0x61, 0x7a],
];
const SPACE: Ranges = normalize([
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
]);
const LINE_TERMINATORS: Ranges = [
  [0x0a, 0x0a],
  [0x0d, 0x0d],
  [0x2028, 0x2029],
];
const CLASS_ESCAPES: Record<string, Ranges> = { d: DIGIT, w: WORD, s: SPACE };
const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11 };

export function normalize(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** Every code point (but lone surrogates, which valid UTF-8 cannot carry) not in the ranges. */
export function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of normalize([...ranges, SURROGATES])) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

const single = (cp: number): RegexNode => ({ kind: "set", ranges: [[cp, cp]] });

/** Parses a pattern that compiles in Unicode mode; RegexUnsupported for the rest. */
export function parseRegex(pattern: string, options: ParseOptions = {}): RegexNode {
  try {
    new RegExp(pattern, "u");
  } catch {
    throw new RegexUnsupported("a pattern that does not compile in Unicode mode");
  }
  const parser = new Parser([...pattern], options.strict ?? false);
  const node = parser.alternation();
  if (!parser.done()) throw new RegexUnsupported("an unbalanced `)`");
  return node;
}

class Parser {
  private pos = 0;

  constructor(
    private readonly chars: string[],
    private readonly strict: boolean,
  ) {}

  done(): boolean {
    return this.pos >= this.chars.length;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  alternation(): RegexNode {
    const items = [this.sequence()];
    while (this.peek() === "|") {
      this.pos++;
      items.push(this.sequence());
    }
    return items.length === 1 ? items[0]! : { kind: "alt", items };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "|" || c === ")") break;
      items.push(this.quantified(this.atom()));
    }
    return items.length === 1 ? items[0]! : { kind: "seq", items };
  }

  private atom(): RegexNode {
    const c = this.chars[this.pos++]!;
    switch (c) {
      case "^":
        return { kind: "start" };
      case "$":
        return { kind: "end" };
      case ".":
        return { kind: "set", ranges: complement(LINE_TERMINATORS) };
      case "[":
        return { kind: "set", ranges: this.charClass() };
      case "(":
        return this.group();
      case "\\":
        return this.escape();
      default:
        return single(c.codePointAt(0)!);
    }
  }

  private group(): RegexNode {
    if (this.peek() === "?") {
      const next = this.peek(1);
      if (next === ":") this.pos += 2;
      else if (next === "<" && this.peek(2) !== "=" && this.peek(2) !== "!") {
        this.pos = this.chars.indexOf(">", this.pos) + 1;
      } else throw new RegexUnsupported("lookaround or modifiers `(?`");
    }
    const inner = this.alternation();
    this.pos++; // `)`: the pattern compiled, so groups are balanced
    return inner;
  }

  private quantified(atom: RegexNode): RegexNode {
    const c = this.peek();
    let min: number;
    let max: number | undefined;
    if (c === "?" || c === "*" || c === "+") {
      this.pos++;
      [min, max] = c === "?" ? [0, 1] : c === "*" ? [0, undefined] : [1, undefined];
    } else if (c === "{") {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.chars.slice(this.pos).join(""))!;
      this.pos += match[0].length;
      min = Number(match[1]);
      max = match[2] === undefined ? min : match[3] === "" ? undefined : Number(match[3]);
    } else return atom;
    if (this.peek() === "?") this.pos++; // lazy: the same strings match
    if (atom.kind === "start" || atom.kind === "end") throw new RegexUnsupported("a quantified anchor");
    return { kind: "repeat", item: atom, min, max };
  }

  private escape(): RegexNode {
    const c = this.chars[this.pos++]!;
    if (c === "b" || c === "B") throw new RegexUnsupported(`the word boundary escape \\${c}`);
    const set = this.classEscape(c);
    return set ? { kind: "set", ranges: set } : single(this.charEscape(c));
  }

  /** \d \w \s and their negations, or undefined for other escapes. */
  private classEscape(c: string): Ranges | undefined {
    if (c in CLASS_ESCAPES) return CLASS_ESCAPES[c]!;
    const lower = c.toLowerCase();
    if (c !== lower && lower in CLASS_ESCAPES) return complement(CLASS_ESCAPES[lower]!);
    return undefined;
  }

  /** The code point of a character escape (the character after `\` is already read). */
  private charEscape(c: string): number {
    if (c in SIMPLE_ESCAPES) return SIMPLE_ESCAPES[c]!;
    if (c === "0") return 0; // Unicode mode rejects \0 followed by a digit
    if (c === "c" && !this.strict) return this.chars[this.pos++]!.codePointAt(0)! % 32;
    if (c === "x" || c === "u") {
      const rest = this.chars.slice(this.pos).join("");
      const match =
        c === "x" ? /^[0-9a-fA-F]{2}/.exec(rest) : /^(\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4})/.exec(rest);
      if (this.strict && match![0].length > 8) throw new RegexUnsupported("a malformed \\u escape");
      this.pos += match![0].length;
      const cp = Number.parseInt(match![0].replace(/[{}]/g, ""), 16);
      if (cp >= SURROGATES[0] && cp <= SURROGATES[1]) throw new RegexUnsupported("a surrogate escape");
      return cp;
    }
    if (/[\\^$.|?*+()[\]{}/-]/.test(c)) return c.codePointAt(0)!;
    throw new RegexUnsupported(`the escape \\${c}`);
  }

  private charClass(): Ranges {
    let negated = false;
    if (this.peek() === "^") {
      negated = true;
      this.pos++;
    }
    const ranges: Ranges = [];
    while (this.peek() !== "]") {
      const start = this.classAtom();
      if (this.peek() === "-" && this.peek(1) !== "]") {
        this.pos++;
        const end = this.classAtom();
        // Unicode mode refuses a range over a class escape, so both ends are single characters here.
        ranges.push([start[0]![0], end[0]![0]]);
      } else ranges.push(...start);
    }
    this.pos++;
    return negated ? complement(ranges) : normalize(ranges);
  }

  private classAtom(): Ranges {
    const c = this.chars[this.pos++]!;
    if (c === "[" && this.strict) throw new RegexUnsupported("a nested class or set operation");
    if (c !== "\\") return [[c.codePointAt(0)!, c.codePointAt(0)!]];
    const e = this.chars[this.pos++]!;
    if (e === "b") return [[8, 8]];
    if (e === "B") throw new RegexUnsupported("\\B");
    const set = this.classEscape(e);
    if (set && this.strict && e !== e.toLowerCase()) throw new RegexUnsupported(`\\${e} inside a class`);
    if (set) return set;
    const cp = this.charEscape(e);
    return [[cp, cp]];
  }
}

const codePoints = (s: string) => [...s].length;

/** A shortest string the tree matches, preferring printable ASCII characters. */
export function shortestMatch(node: RegexNode): string {
  switch (node.kind) {
    case "set": {
      const printable = node.ranges.find(([lo, hi]) => hi >= 0x21 && lo <= 0x7e);
      if (printable) return String.fromCodePoint(Math.max(printable[0], 0x21));
      if (!node.ranges.length) throw new RegexUnsupported("an empty class `[]`");
      return String.fromCodePoint(node.ranges[0]![0]);
    }
    case "seq":
      return node.items.map(shortestMatch).join("");
    case "alt":
      return node.items.map(shortestMatch).sort((a, b) => codePoints(a) - codePoints(b))[0]!;
    case "repeat":
      return shortestMatch(node.item).repeat(node.min);
    default:
      return "";
  }
}
