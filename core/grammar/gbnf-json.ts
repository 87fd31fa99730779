/**
 * The lowered schema (json-schema.ts's output, a small JSON-Schema-shaped form) → GBNF text, written
 * here directly rather than by node-llama-cpp's generator, so that every rule is one this module
 * states exactly:
 * - strings: a JSON string character is one code point of the value — an unescaped character, a
 *   two-character escape, or a `\uXXXX` escape outside the surrogate range (a surrogate pair would
 *   be two grammar characters but one code point to the validator);
 * - numbers: at most 16 integer digits, 16 fraction digits and a 2-digit exponent (always finite);
 *   integers without fraction or exponent;
 * - objects: every listed property in order, then (only where none is listed) extra keys;
 * - whitespace: at most one space between tokens, so a sampler can never loop on it.
 */
import { gbnfLiteral } from "./regex-to-gbnf.js";

export type Lowered = Record<string, unknown>;

const BASE_RULES: Record<string, string> = {
  ws: "[ ]?",
  char: '[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" ["\\\\/bfnrt] | "\\\\u" ([0-9a-cA-Ce-fE-F] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2})',
  string: '"\\"" char* "\\""',
  integer: '"-"? ("0" | [1-9] [0-9]{0,15})',
  number: 'integer ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?',
  boolean: '"true" | "false"',
  null: '"null"',
  scalar: "string | number | boolean | null",
};

const isObject = (v: unknown): v is Lowered => typeof v === "object" && v !== null && !Array.isArray(v);

class Emitter {
  private readonly rules = new Map<string, string>();
  private readonly byBody = new Map<string, string>();
  private readonly defNames = new Map<string, string>();
  private count = 0;

  constructor(private readonly defs: Record<string, Lowered>) {}

  /** A rule name for a body, shared by equal bodies. */
  private rule(body: string): string {
    const known = this.byBody.get(body);
    if (known) return known;
    const name = `r${this.count++}`;
    this.rules.set(name, body);
    this.byBody.set(body, name);
    return name;
  }

  private base(name: string): string {
    if (!this.rules.has(name)) {
      for (const dep of BASE_RULES[name]!.match(/\b(char|integer|string|number|boolean|null)\b/g) ?? []) {
        if (dep !== name) this.base(dep);
      }
      this.rules.set(name, BASE_RULES[name]!);
    }
    return name;
  }

  value(node: Lowered): string {
    if (typeof node.gbnf === "string") {
      // Named rules of its own (string-automata.ts: one per automaton state), named uniquely there.
      if (isObject(node.rules))
        for (const [name, body] of Object.entries(node.rules)) this.rules.set(name, String(body));
      return this.rule(node.gbnf);
    }
    if (typeof node.$ref === "string") return this.def(node.$ref);
    if (Object.hasOwn(node, "const")) return literal(node.const);
    if (Array.isArray(node.enum)) return this.rule(node.enum.map(literal).join(" | "));
    if (Array.isArray(node.oneOf))
      return this.rule(node.oneOf.map((b) => this.value(b as Lowered)).join(" | "));
    if (Array.isArray(node.type)) return this.rule(node.type.map((t) => this.value({ type: t })).join(" | "));
    switch (node.type) {
      case "string":
        return this.string(node);
      case "object":
        return this.object(node);
      case "array":
        return this.array(node);
      case "number":
      case "integer":
      case "boolean":
      case "null":
        return this.base(node.type);
      default:
        return this.base("scalar");
    }
  }

  private def(ref: string): string {
    const name = ref.replace(/^#\/\$defs\//, "");
    const known = this.defNames.get(name);
    if (known) return known;
    const rule = `d${this.defNames.size}`;
    this.defNames.set(name, rule);
    // The name is taken before the body is written, so a recursive definition refers to itself.
    this.rules.set(rule, "");
    this.rules.set(rule, this.value(this.defs[name]!));
    return rule;
  }

  private string(node: Lowered): string {
    const min = typeof node.minLength === "number" ? node.minLength : 0;
    const max = typeof node.maxLength === "number" ? node.maxLength : undefined;
    if (min === 0 && max === undefined) return this.base("string");
    this.base("char");
    return this.rule(`"\\"" ${repeat("char", min, max)} "\\""`);
  }

  private object(node: Lowered): string {
    this.base("ws");
    const members = Object.entries(isObject(node.properties) ? node.properties : {}).map(
      ([name, schema]) => `${literal(name)} ws ":" ws ${this.value(schema as Lowered)}`,
    );
    let body = members.join(' ws "," ws ');
    const extra = node.additionalProperties;
    if (members.length === 0 && extra !== undefined && extra !== false) {
      const value = extra === true ? this.base("scalar") : this.value(extra as Lowered);
      const member = this.rule(`${this.base("string")} ws ":" ws ${value}`);
      const max = typeof node.maxProperties === "number" ? node.maxProperties : undefined;
      body = max === 0 ? "" : `(${member} ${repeat(`(ws "," ws ${member})`, 0, max && max - 1)})?`;
    }
    return this.rule(`"{" ws ${body ? `${body} ws ` : ""}"}"`);
  }

  private array(node: Lowered): string {
    this.base("ws");
    const prefix = (Array.isArray(node.prefixItems) ? node.prefixItems : []).map((s) =>
      this.value(s as Lowered),
    );
    const item = isObject(node.items) ? this.value(node.items) : this.base("scalar");
    const min = Math.max(0, (typeof node.minItems === "number" ? node.minItems : 0) - prefix.length);
    const max = typeof node.maxItems === "number" ? node.maxItems - prefix.length : undefined;
    const next = `(ws "," ws ${item})`;
    let body: string;
    if (prefix.length) body = [prefix.join(' ws "," ws '), max === 0 ? "" : repeat(next, min, max)].join(" ");
    else if (max === 0) body = "";
    else if (min === 0) body = `(${item} ${repeat(next, 0, max && max - 1)})?`;
    else body = `${item} ${repeat(next, min - 1, max && max - 1)}`;
    return this.rule(`"[" ws ${body.trim() ? `${body.trim()} ws ` : ""}"]"`);
  }

  file(root: string): string {
    return [`root ::= ${root}`, ...[...this.rules].map(([name, body]) => `${name} ::= ${body}`)].join("\n");
  }
}

/** `item` repeated min..max times (max undefined: unbounded). */
function repeat(item: string, min: number, max: number | undefined): string {
  if (max === undefined) return min === 0 ? `${item}*` : min === 1 ? `${item}+` : `${item}{${min},}`;
  if (max === 0) return "";
  if (min === max) return min === 1 ? item : `${item}{${min}}`;
  return min === 0 && max === 1 ? `${item}?` : `${item}{${min},${max}}`;
}

/** A JSON scalar (or property name) as the GBNF literal of its JSON text. */
function literal(value: unknown): string {
  return gbnfLiteral(JSON.stringify(value));
}

/** GBNF for the lowered schema and its definitions (root rule `root`). */
export function loweredToGbnf(root: Lowered, defs: Record<string, Lowered>): string {
  const emitter = new Emitter(defs);
  const start = emitter.value(root);
  return `${emitter.file(start)}\n`;
}
