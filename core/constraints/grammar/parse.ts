/**
 * Reads GBNF (llama.cpp) and xgrammar's EBNF, which share one core: `name ::= body`, string
 * literals, character classes, `.`, rule references, groups, `|`, and the postfix repeats.
 * Recursive descent with an explicit depth bound: the parser refuses the 65th nested group before
 * it recurses into it, so 20,000 open parentheses cost a few microseconds and no stack.
 */
import type { Grammar, GrammarBounds, GrammarNode, GrammarRule } from "./ast.js";
import { grammarError } from "./grammar-error.js";

const NAME = /[A-Za-z0-9_.-]/;
/** A rule header where a new rule starts: `name ::=`. */
const HEADER = /[A-Za-z0-9_.-]+[ \t]*(?:\r?\n[ \t]*)*::=/y;
/** A line that looks like a Lark rule (`name: ...`), for a better message. */
const LARK_RULE = /^\s*[?!]?[A-Za-z_][\w.]*(?:\.\d+)?\s*:(?!:=)/m;

class Reader {
  pos = 0;
  depth = 0;
  rule: string | undefined;

  constructor(
    readonly text: string,
    readonly bounds: GrammarBounds,
  ) {}

  fail(problem: string, at = this.pos): never {
    throw grammarError(this.text, at, this.rule, problem);
  }

  /** Skips spaces, newlines and `#` comments. */
  space(): void {
    const { text } = this;
    while (this.pos < text.length) {
      const c = text[this.pos]!;
      if (c === " " || c === "\t" || c === "\r" || c === "\n") this.pos++;
      else if (c === "#") {
        while (this.pos < text.length && text[this.pos] !== "\n") this.pos++;
      } else break;
    }
  }

  atHeader(): boolean {
    HEADER.lastIndex = this.pos;
    return HEADER.test(this.text);
  }

  name(): string {
    const start = this.pos;
    while (this.pos < this.text.length && NAME.test(this.text[this.pos]!)) this.pos++;
    if (this.pos === start) this.fail(`expected a rule name, found ${this.describe()}`);
    return this.text.slice(start, this.pos);
  }

  describe(): string {
    return this.pos >= this.text.length ? "the end of the grammar" : JSON.stringify(this.text[this.pos]);
  }

  /** One character of a literal or class, escapes decoded; returns its code point. */
  char(closing: string): number {
    const { text } = this;
    const c = text.codePointAt(this.pos)!;
    if (text[this.pos] !== "\\") {
      this.pos += c > 0xffff ? 2 : 1;
      return c;
    }
    const e = text[this.pos + 1];
    this.pos += 2;
    const simple: Record<string, number> = {
      n: 10,
      r: 13,
      t: 9,
      "\\": 92,
      '"': 34,
      "[": 91,
      "]": 93,
      "-": 45,
      "^": 94,
    };
    if (e !== undefined && e in simple) return simple[e]!;
    if (e === closing) return e.charCodeAt(0);
    const width = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    const hex = text.slice(this.pos, this.pos + width);
    if (width === 0 || !new RegExp(`^[0-9A-Fa-f]{${width}}$`).test(hex)) {
      this.fail(`unknown escape \\${e ?? ""}`, this.pos - 2);
    }
    this.pos += width;
    const code = Number.parseInt(hex, 16);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff))
      this.fail(`\\${e}${hex} is not a character`, this.pos - width - 2);
    return code;
  }

  literal(): GrammarNode {
    const at = this.pos++;
    let text = "";
    while (this.text[this.pos] !== '"') {
      if (this.pos >= this.text.length || this.text[this.pos] === "\n")
        this.fail("unterminated string literal", at);
      text += String.fromCodePoint(this.char('"'));
    }
    this.pos++;
    return { t: "lit", text, at };
  }

  charClass(): GrammarNode {
    const at = this.pos++;
    if (this.text[this.pos] === "^") this.pos++;
    while (this.text[this.pos] !== "]") {
      if (this.pos >= this.text.length || this.text[this.pos] === "\n")
        this.fail("unterminated character class", at);
      const from = this.pos;
      const low = this.char("]");
      if (this.text[this.pos] === "-" && this.text[this.pos + 1] !== "]") {
        this.pos++;
        const high = this.char("]");
        if (high < low) this.fail("character range is reversed", from);
      }
    }
    this.pos++;
    return { t: "class", at };
  }

  count(): number | undefined {
    const start = this.pos;
    while (this.pos < this.text.length && /[0-9]/.test(this.text[this.pos]!)) this.pos++;
    if (this.pos === start) return undefined;
    const digits = this.text.slice(start, this.pos);
    const n = Number(digits);
    if (n > this.bounds.maxRepeat)
      this.fail(`repetition count ${digits} is above the limit of ${this.bounds.maxRepeat}`, start);
    return n;
  }

  /** `{m}` `{m,}` `{m,n}` `{,n}` after an element. */
  braces(item: GrammarNode): GrammarNode {
    const at = this.pos++;
    this.space();
    const min = this.count();
    this.space();
    let max: number | undefined = min;
    if (this.text[this.pos] === ",") {
      this.pos++;
      this.space();
      max = this.count() ?? Number.POSITIVE_INFINITY;
      this.space();
    }
    if (this.text[this.pos] !== "}")
      this.fail(`expected "}" to close the repetition, found ${this.describe()}`);
    this.pos++;
    if (max === undefined) this.fail("empty repetition {}", at);
    const low = min ?? 0;
    if (max < low) this.fail(`repetition {${low},${max}} has its maximum below its minimum`, at);
    return { t: "rep", item, min: low, max, at };
  }

  element(): GrammarNode {
    const c = this.text[this.pos];
    const at = this.pos;
    if (c === '"') return this.literal();
    if (c === "[") return this.charClass();
    if (c === ".") {
      this.pos++;
      return { t: "class", at };
    }
    if (c === "(") return { t: "group", alts: this.group(), at };
    if (c !== undefined && NAME.test(c)) return { t: "ref", name: this.name(), at };
    return this.fail(`unexpected ${this.describe()}`);
  }

  group(): GrammarNode[][] {
    const open = this.pos++;
    if (++this.depth > this.bounds.maxDepth) {
      this.fail(`parentheses are nested deeper than ${this.bounds.maxDepth} levels`, open);
    }
    const alts = this.alternatives(true);
    if (this.text[this.pos] !== ")")
      this.fail(`expected ")" to close the group opened at offset ${open}, found ${this.describe()}`);
    this.pos++;
    this.depth--;
    return alts;
  }

  /** Elements until `|`, `)`, the end, or (outside a group) the next rule's header. */
  sequence(nested: boolean): GrammarNode[] {
    const items: GrammarNode[] = [];
    for (;;) {
      this.space();
      const c = this.text[this.pos];
      if (c === undefined || c === "|" || c === ")") return items;
      if (!nested && (this.atHeader() || (c === "(" && this.text[this.pos + 1] === "="))) return items;
      let item = this.element();
      for (;;) {
        const p = this.text[this.pos];
        const at = this.pos;
        if (p === "*") item = { t: "rep", item, min: 0, max: Number.POSITIVE_INFINITY, at };
        else if (p === "+") item = { t: "rep", item, min: 1, max: Number.POSITIVE_INFINITY, at };
        else if (p === "?") item = { t: "rep", item, min: 0, max: 1, at };
        else if (p === "{") {
          item = this.braces(item);
          continue;
        } else break;
        this.pos++;
      }
      items.push(item);
    }
  }

  alternatives(nested: boolean): GrammarNode[][] {
    const alts = [this.sequence(nested)];
    while (this.text[this.pos] === "|") {
      this.pos++;
      alts.push(this.sequence(nested));
    }
    return alts;
  }
}

export function parseGrammar(text: string, bounds: GrammarBounds): Grammar {
  const reader = new Reader(text, bounds);
  const rules = new Map<string, GrammarRule>();
  reader.space();
  if (!reader.atHeader()) {
    const lark = LARK_RULE.test(text)
      ? "; this looks like a Lark grammar, which is not accepted: write it as GBNF/EBNF with `::=`"
      : "";
    reader.fail(`expected a rule \`name ::= ...\`${lark}`);
  }
  while (reader.pos < text.length) {
    const at = reader.pos;
    const name = reader.name();
    reader.rule = name;
    reader.space();
    reader.pos += 3; // "::=", guaranteed by atHeader
    if (rules.has(name)) reader.fail(`rule "${name}" is defined twice`, at);
    if (rules.size >= bounds.maxRules) reader.fail(`the grammar has more than ${bounds.maxRules} rules`, at);
    const rule: GrammarRule = { name, at, alts: reader.alternatives(false) };
    if (text[reader.pos] === "(" && text[reader.pos + 1] === "=") {
      reader.pos++;
      rule.lookahead = reader.group();
      reader.space();
    }
    if (text[reader.pos] === ")") reader.fail('unbalanced ")"');
    if (reader.pos < text.length && !reader.atHeader()) reader.fail(`unexpected ${reader.describe()}`);
    rules.set(name, rule);
  }
  return { text, rules };
}
