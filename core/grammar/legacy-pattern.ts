/**
 * Patterns only ECMAScript's legacy (non-Unicode) mode compiles — `\-`, `\_`, `\@` outside a class,
 * a lone `{`, `}` or `]`, written for Python's `re` — which the validator then runs in legacy mode
 * (core/constraints/ajv-drafts.ts, lenientRegExp). The grammar reads patterns in Unicode mode
 * (regex-ast.ts), so such a pattern is rewritten into the Unicode-mode pattern that matches exactly
 * the same strings, or left alone (and refused as JavaScript cannot compile it) where no rewrite is
 * exact: legacy `.`, negated classes and `\D` `\W` `\S` match one UTF-16 code unit (half of an
 * emoji) where Unicode mode matches a code point; back-references and octal escapes (`\1`, `\07`)
 * depend on the group count; astral characters are two units to legacy quantifiers.
 */
import traverse from "json-schema-traverse";
import type { Node } from "./json-schema-common.js";
import { compiles, setOwn } from "./json-schema-common.js";

const SYNTAX = new Set("^$\\.*+?()[]{}|/");
const HEX = /^[0-9A-Fa-f]$/;
const isHex = (text: string) => [...text].every((c) => HEX.test(c));
const QUANTIFIER = /^\{\d+(,\d*)?\}/;

/**
 * The Unicode-mode pattern matching exactly what `pattern` matches in legacy mode: the pattern
 * itself where Unicode mode compiles it, undefined where legacy mode does not either or no rewrite
 * is exact (see the file comment).
 */
export function unicodePattern(pattern: string): string | undefined {
  if (compiles(pattern, "u")) return pattern;
  if (!compiles(pattern, "") || /[\uD800-\uDFFF]/.test(pattern)) return undefined;
  // A final unescaped `.*` matches the empty string and nothing follows it: without it a search
  // finds the same strings, and a `.` left is not Unicode-safe (see the file comment).
  const stripped = withoutFinalDotStars(pattern);
  if (stripped !== pattern) return unicodePattern(stripped);
  const namedGroups = /\(\?<(?![=!])/.test(pattern);
  let out = "";
  let inClass = false;
  // Whether the last thing written inside the class was a class escape (\d \w \s), before which
  // or after which a `-` is a literal in legacy mode and an error in Unicode mode.
  let afterClassEscape = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "\\") {
      const escaped = escapeAt(pattern, i + 1, inClass, namedGroups);
      if (escaped === undefined) return undefined;
      if (inClass && /^\\[dws]$/.test(escaped.text) && out.endsWith("-") && !out.endsWith("\\-")) {
        out = `${out.slice(0, -1)}\\-`;
      }
      out += escaped.text;
      afterClassEscape = inClass && /^\\[dws]$/.test(escaped.text);
      i += escaped.length;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c === "-" && afterClassEscape ? "\\-" : c;
      afterClassEscape = false;
      continue;
    }
    if (c === ".") return undefined;
    if (c === "[") {
      if (pattern[i + 1] === "^") return undefined;
      inClass = true;
      out += c;
      continue;
    }
    if (c === "{") {
      const quantifier = QUANTIFIER.exec(pattern.slice(i))?.[0];
      out += quantifier ?? "\\{";
      i += quantifier ? quantifier.length - 1 : 0;
      continue;
    }
    out += c === "}" || c === "]" ? `\\${c}` : c;
  }
  return compiles(out, "u") ? out : undefined;
}

/** The pattern without the unescaped `.*` (or `.*?`) it ends with, as many as there are. */
function withoutFinalDotStars(pattern: string): string {
  let end = pattern.length;
  for (;;) {
    const lazy = pattern[end - 1] === "?" ? 1 : 0;
    if (pattern.slice(end - 2 - lazy, end - lazy) !== ".*") return pattern.slice(0, end);
    let backslashes = 0;
    while (pattern[end - 3 - lazy - backslashes] === "\\") backslashes++;
    if (backslashes % 2 === 1) return pattern.slice(0, end);
    end -= 2 + lazy;
  }
}

/** The Unicode-mode text of the escape at `pattern[at]` (after its backslash) and how many characters it spans. */
function escapeAt(
  pattern: string,
  at: number,
  inClass: boolean,
  namedGroups: boolean,
): { text: string; length: number } | undefined {
  const c = pattern[at];
  if (c === undefined) return undefined;
  if ("DWS".includes(c)) return undefined;
  if ("dwsfnrtv".includes(c)) return { text: `\\${c}`, length: 1 };
  if (c === "b") return { text: "\\b", length: 1 };
  if (c === "B") return inClass ? undefined : { text: "\\B", length: 1 };
  if (c === "0") return /[0-9]/.test(pattern[at + 1] ?? "") ? undefined : { text: "\\0", length: 1 };
  if (/[1-9]/.test(c)) return undefined;
  if (c === "x")
    return isHex(pattern.slice(at + 1, at + 3)) && pattern.length >= at + 3
      ? { text: `\\x${pattern.slice(at + 1, at + 3)}`, length: 3 }
      : { text: "x", length: 1 };
  if (c === "u") {
    const hex = pattern.slice(at + 1, at + 5);
    if (hex.length === 4 && isHex(hex))
      return /^d[89a-f]/i.test(hex) ? undefined : { text: `\\u${hex}`, length: 5 };
    return { text: "u", length: 1 };
  }
  if (c === "c")
    return /[A-Za-z]/.test(pattern[at + 1] ?? "") ? { text: `\\c${pattern[at + 1]}`, length: 2 } : undefined;
  if (c === "k") return namedGroups ? undefined : { text: "k", length: 1 };
  if (c === "-") return { text: inClass ? "\\-" : "-", length: 1 };
  if (SYNTAX.has(c)) return { text: `\\${c}`, length: 1 };
  // An identity escape (`\_`, `\:`, `\@`, `\p`, `\a`): the character itself.
  return /[\uD800-\uDFFF]/.test(c) ? undefined : { text: c, length: 1 };
}

/**
 * A schema's `pattern`s and `patternProperties` names rewritten by unicodePattern where that is
 * exact; in place (the caller's copy), found as the validator finds subschemas (json-schema-traverse).
 */
export function withUnicodePatterns(schema: Node): Node {
  traverse(schema, { allKeys: true }, (node) => {
    if (typeof node.pattern === "string") node.pattern = unicodePattern(node.pattern) ?? node.pattern;
    const properties = node.patternProperties;
    if (typeof properties !== "object" || properties === null || Array.isArray(properties)) return;
    const rewritten: Node = {};
    for (const [key, value] of Object.entries(properties)) {
      const unicode = unicodePattern(key) ?? key;
      // Two names rewritten alike: the second keeps its own (and is refused as it was).
      setOwn(rewritten, Object.hasOwn(rewritten, unicode) ? key : unicode, value);
    }
    node.patternProperties = rewritten;
  });
  return schema;
}
