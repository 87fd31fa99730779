/**
 * Regex constraints. vLLM's backends read the pattern in their own dialect (xgrammar's and
 * outlines' converters follow Python's `re` / Rust's `regex`); the post-hoc check here uses
 * ECMAScript RegExp, Unicode mode first. The common ground (classes, quantifiers, groups,
 * alternation, \d \w \s, anchors) behaves alike. What differs: Python-only syntax such as
 * `(?P<name>…)`, inline flags `(?i)`, `\A` / `\Z` and possessive quantifiers do not compile here
 * (→ invalid_request); `\w`/`\d` are ASCII-only in JS but Unicode-aware in Python 3.
 */
import { DeliberateError } from "../errors.js";
import { constraintViolation } from "./violation.js";
import { pythonRegexHint } from "./python-regex-hint.js";

/**
 * The pattern as a whole-string matcher. Unicode mode (`u`) first; a pattern only legacy mode
 * accepts (an escaped `-` or `_`, a lone `{`) is compiled without `u`, because Python and Rust
 * accept those and vLLM would enforce them. Throws the SyntaxError when neither compiles.
 */
export function fullMatchRegExp(pattern: string): RegExp {
  const source = `^(?:${pattern})$`;
  try {
    return new RegExp(source, "u");
  } catch {
    return new RegExp(source);
  }
}

/** Letters that mean something after a backslash in ECMAScript; any other letter is Python/PCRE syntax. */
const JS_LETTER_ESCAPES = new Set("dDwWsSbBnrtfvcxukpP");

/** The first `\X` whose letter JS would read as a plain letter in legacy mode (e.g. Python's `\A`, `\Z`). */
export function foreignLetterEscape(pattern: string): string | undefined {
  for (let i = 0; i < pattern.length - 1; i++) {
    if (pattern[i] !== "\\") continue;
    const next = pattern[i + 1]!;
    if (/[A-Za-z]/.test(next) && !JS_LETTER_ESCAPES.has(next)) return `\\${next}`;
    i++; // skip the escaped character, so `\\A` (a backslash, then A) is not mistaken for `\A`
  }
  return undefined;
}

export function compileRegexConstraint(pattern: string): RegExp {
  try {
    // Compiling the bare pattern first catches a pattern that closes our wrapper group early,
    // e.g. "a)|(b", which would compile once wrapped but means something else.
    try {
      new RegExp(pattern, "u");
    } catch (err) {
      // Legacy mode would silently read `\A` as the letter A where vLLM reads an anchor.
      const foreign = foreignLetterEscape(pattern);
      if (foreign)
        throw new SyntaxError(`${foreign} is not JavaScript regex syntax (${(err as Error).message})`);
      new RegExp(pattern);
    }
    return fullMatchRegExp(pattern);
  } catch (err) {
    const hint = pythonRegexHint(pattern);
    throw new DeliberateError(
      "invalid_request",
      `structured_outputs.regex does not compile: ${(err as Error).message}${hint ? ` — ${hint}` : ""}`,
      { param: "structured_outputs.regex", cause: err },
    );
  }
}

export function validateRegexAnswer(re: RegExp, pattern: string, text: string): string {
  if (!re.test(text)) {
    throw constraintViolation(
      `the answer ${JSON.stringify(clip(text))} does not fully match the regex ${JSON.stringify(clip(pattern))}`,
      text,
    );
  }
  return text;
}

export function clip(text: string, max = 80): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
