/**
 * A regular expression (JavaScript syntax, matched against the whole answer) → a GBNF grammar.
 *
 * Supported subset: literals and escapes (\n \t \r \f \v \0 \xHH \uHHHH \u{H…}, escaped
 * metacharacters), `.`, classes `[...]` / `[^...]` with ranges and \d \w \s inside, \d \D \w \W \s \S,
 * groups `(...)`, `(?:...)` and named `(?<n>...)`, alternation `|`, quantifiers `? * + {m} {m,} {m,n}`
 * (lazy forms accepted: laziness does not change what a whole-string match accepts), and `^` / `$`
 * at the very start / end. Everything else (backreferences, lookaround, \b, flags, anchors in the
 * middle, \D \W \S inside a class, counts above 2000) is rejected with schema_unsupported.
 */
import { DeliberateError } from "../../errors.js";

/** llama.cpp rejects larger repetition counts ("number of repetitions exceeds sane defaults"). */
const MAX_REPEAT = 2000;

const SPACE = "\\t\\n\\x0B\\x0C\\r \\u00A0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000\\uFEFF";
const CLASS_ESCAPES: Record<string, string> = { d: "0-9", w: "a-zA-Z0-9_", s: SPACE };
const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, "0": 0 };

const reject = (what: string, pattern: string) =>
  new DeliberateError(
    "schema_unsupported",
    `the embedded engine cannot turn this regex into a grammar: ${what} is outside the supported subset ` +
      `(literals, classes, groups, alternation, ?, *, +, {m,n}, ^ and $ at the ends): /${pattern}/`,
    { param: "structured_outputs.regex" },
  );

/** A code point written for a GBNF string literal or character class. */
function gbnfChar(cp: number, inClass: boolean): string {
  if (cp === 0x22 && !inClass) return '\\"';
  if (cp === 0x5c) return "\\\\";
  // llama.cpp's GBNF parser knows \] and \- but not \^ ("unknown escape"): ^ and [ go as \x.
  if (inClass && (cp === 0x5d || cp === 0x2d)) return `\\${String.fromCodePoint(cp)}`;
  if (inClass && (cp === 0x5e || cp === 0x5b)) return `\\x${cp.toString(16).toUpperCase()}`;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, "0").toUpperCase()}`;
  return String.fromCodePoint(cp);
}

/** A GBNF string literal for any text. */
export function gbnfLiteral(text: string): string {
  return `"${[...text].map((c) => gbnfChar(c.codePointAt(0)!, false)).join("")}"`;
}

class RegexParser {
  private pos = 0;
  private readonly chars: string[];

  constructor(private readonly pattern: string) {
    this.chars = [...pattern];
  }

  parse(): string {
    if (this.peek() === "^") this.pos++;
    const body = this.alternation();
    if (this.peek() === "$") this.pos++;
    if (this.pos < this.chars.length) {
      const c = this.peek();
      throw reject(c === ")" ? "an unbalanced `)`" : `\`${c}\` at position ${this.pos}`, this.pattern);
    }
    return body;
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private alternation(): string {
    const branches = [this.sequence()];
    while (this.peek() === "|") {
      this.pos++;
      branches.push(this.sequence());
    }
    return branches.length === 1 ? branches[0]! : `(${branches.join(" | ")})`;
  }

  private sequence(): string {
    const items: string[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === "|" || c === ")") break;
      if (c === "$" && this.atEnd(1)) break;
      if (c === "^" || c === "$") throw reject("an anchor in the middle", this.pattern);
      items.push(this.quantified(this.atom()));
    }
    return items.length === 0 ? '""' : items.join(" ");
  }

  /** True when only `)`s of enclosing groups follow, i.e. `$` ends the whole pattern. */
  private atEnd(offset: number): boolean {
    return this.pos + offset === this.chars.length;
  }

  private atom(): string {
    const c = this.chars[this.pos++]!;
    switch (c) {
      case ".":
        return "[^\\n\\r\\u2028\\u2029]";
      case "[":
        return this.charClass();
      case "(":
        return this.group();
      case "\\":
        return this.escape(false).gbnf;
      case "*":
      case "+":
      case "?":
      case "{":
        throw reject(`a quantifier \`${c}\` with nothing to repeat`, this.pattern);
      case "]":
      case "}":
        throw reject(`a lone \`${c}\``, this.pattern);
      default:
        return gbnfLiteral(c);
    }
  }

  private group(): string {
    if (this.peek() === "?") {
      const next = this.peek(1);
      if (next === ":") this.pos += 2;
      else if (next === "<" && this.peek(2) !== "=" && this.peek(2) !== "!") {
        const close = this.chars.indexOf(">", this.pos);
        if (close < 0) throw reject("an unterminated group name", this.pattern);
        this.pos = close + 1;
      } else throw reject("lookaround or inline flags `(?`", this.pattern);
    }
    const inner = this.alternation();
    if (this.chars[this.pos++] !== ")") throw reject("an unterminated group", this.pattern);
    return `(${inner})`;
  }

  private quantified(atom: string): string {
    const c = this.peek();
    let suffix: string | undefined;
    if (c === "?" || c === "*" || c === "+") {
      this.pos++;
      suffix = c;
    } else if (c === "{") {
      const match = /^\{(\d+)(,(\d*))?\}/.exec(this.chars.slice(this.pos).join(""));
      if (!match) throw reject("a `{` that is not a {m,n} quantifier", this.pattern);
      this.pos += [...match[0]].length;
      const min = Number(match[1]);
      const max = match[2] === undefined ? min : match[3] === "" ? undefined : Number(match[3]);
      if (min > MAX_REPEAT || (max ?? 0) > MAX_REPEAT)
        throw reject(`a count above ${MAX_REPEAT}`, this.pattern);
      if (max !== undefined && max < min) throw reject("a {m,n} quantifier with n < m", this.pattern);
      suffix = max === min ? `{${min}}` : `{${min},${max ?? ""}}`;
    }
    if (suffix === undefined) return atom;
    if (this.peek() === "?") this.pos++; // lazy
    if (this.peek() === "?" || this.peek() === "*" || this.peek() === "+" || this.peek() === "{") {
      throw reject("a quantifier applied to a quantifier", this.pattern);
    }
    return `${atom}${suffix}`;
  }

  /** Reads an escape after `\`: its GBNF form, and its class body when used inside `[...]`. */
  private escape(inClass: boolean): { gbnf: string; classBody: string; cp?: number } {
    const c = this.chars[this.pos++];
    if (c === undefined) throw reject("a trailing backslash", this.pattern);
    const single = (cp: number) => ({
      gbnf: gbnfLiteral(String.fromCodePoint(cp)),
      classBody: gbnfChar(cp, true),
      cp,
    });
    if (c in CLASS_ESCAPES) return { gbnf: `[${CLASS_ESCAPES[c]}]`, classBody: CLASS_ESCAPES[c]! };
    const lower = c.toLowerCase();
    if (c !== lower && lower in CLASS_ESCAPES) {
      if (inClass) throw reject(`\\${c} inside a class`, this.pattern);
      return { gbnf: `[^${CLASS_ESCAPES[lower]}]`, classBody: "" };
    }
    if (c in SIMPLE_ESCAPES) {
      if (c === "0" && /[0-9]/.test(this.peek() ?? "")) throw reject("an octal escape", this.pattern);
      return single(SIMPLE_ESCAPES[c]!);
    }
    if (c === "x" || c === "u") {
      const rest = this.chars.slice(this.pos).join("");
      const match =
        c === "x" ? /^[0-9a-fA-F]{2}/.exec(rest) : /^(\{[0-9a-fA-F]{1,6}\}|[0-9a-fA-F]{4})/.exec(rest);
      if (!match) throw reject(`a malformed \\${c} escape`, this.pattern);
      this.pos += match[0].length;
      return single(Number.parseInt(match[0].replace(/[{}]/g, ""), 16));
    }
    if (/[\\^$.|?*+()[\]{}/-]/.test(c)) return single(c.codePointAt(0)!);
    throw reject(`the escape \\${c}`, this.pattern);
  }

  private charClass(): string {
    let negated = false;
    if (this.peek() === "^") {
      negated = true;
      this.pos++;
    }
    let body = "";
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw reject("an unterminated class", this.pattern);
      // In JavaScript `]` always closes a class: `[]` matches nothing and `[^]` any character.
      if (c === "]") {
        this.pos++;
        break;
      }
      const start = this.classAtom();
      if (this.peek() === "-" && this.peek(1) !== "]" && this.peek(1) !== undefined) {
        this.pos++;
        const end = this.classAtom();
        if (start.cp === undefined || end.cp === undefined)
          throw reject("a range over a class escape", this.pattern);
        if (end.cp < start.cp) throw reject("a range out of order", this.pattern);
        body += `${gbnfChar(start.cp, true)}-${gbnfChar(end.cp, true)}`;
      } else body += start.body;
    }
    if (body === "") {
      if (!negated) throw reject("an empty class `[]` (it matches nothing)", this.pattern);
      return "([^\\x00] | [\\x00])";
    }
    return `[${negated ? "^" : ""}${body}]`;
  }

  private classAtom(): { body: string; cp?: number } {
    const c = this.chars[this.pos++]!;
    if (c === "\\") {
      if (this.peek() === "b") {
        this.pos++;
        return { body: gbnfChar(8, true), cp: 8 };
      }
      const e = this.escape(true);
      return e.cp === undefined ? { body: e.classBody } : { body: e.classBody, cp: e.cp };
    }
    if (c === "[") throw reject("a nested class or set operation", this.pattern);
    const cp = c.codePointAt(0)!;
    return { body: gbnfChar(cp, true), cp };
  }
}

/** The whole-string grammar for a regex, or schema_unsupported naming what is outside the subset. */
export function regexToGbnf(pattern: string): string {
  try {
    new RegExp(pattern, "u");
  } catch (err) {
    throw new DeliberateError("invalid_request", `the regex does not compile: ${(err as Error).message}`, {
      param: "structured_outputs.regex",
    });
  }
  return `root ::= ${new RegexParser(pattern).parse()}\n`;
}

/** A grammar that accepts exactly one of the choices. */
export function choiceToGbnf(choices: string[]): string {
  if (choices.length === 0) {
    throw new DeliberateError("invalid_request", "choice needs at least one option", {
      param: "structured_outputs.choice",
    });
  }
  return `root ::= ${choices.map(gbnfLiteral).join(" | ")}\n`;
}
