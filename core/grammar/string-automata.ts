/**
 * String languages as finite automata (refa): what several `pattern`s, their negations and the
 * length bounds allow together, for the cases the regex route of json-string-pattern.ts cannot
 * take (anchors inside a branch, lengths it cannot narrow exactly, a conjunction or a negation of
 * patterns). Exact: the DFA accepts exactly the strings over the alphabet below that pass.
 *
 * - Alphabet: the BMP without surrogates (so UTF-16 units and code points agree, and a Unicode-mode
 *   and a legacy-mode pattern read the same characters) and without U+FFFE/U+FFFF, which stand for
 *   the zero-width anchors: a string w is read as `^ w $`, `^` is the character U+FFFE and `$` the
 *   character U+FFFF, so a search for P is `[^]* P [^]*` with P's anchors consuming those two
 *   characters (non-multiline: they can only match at the ends). Strings outside the alphabet are
 *   never generated (a subset).
 * - A conjunction is written as a pattern of lookaheads at the start, `^(?=[^]*?(?:A))(?![^]*?(?:N))`
 *   (conjoinPatterns, negatePattern): ECMAScript reads it as "a match of A somewhere and no match
 *   of N anywhere", and so does this module, so merged schemas stay plain JSON Schema.
 * - Any other lookaround, `\b`, or a backreference refa cannot resolve is refused.
 * - Bounds: at most MAX_STATES automaton states (refa's node factories throw past it), and at most
 *   MAX_STATES grammar rules for the automaton with the length counter; past either, refused.
 */
import { CharSet, DFA, type Element, JS, NFA, type NoParent, TooManyNodesError } from "refa";
import { RegexUnsupported } from "./regex-ast.js";

export const MAX_STATES = 2000;
export const MAX = 0xffff;
export const START = 0xfffe;
export const END = 0xffff;
export const ALPHABET = CharSet.empty(MAX).union([
  { min: 0, max: 0xd7ff },
  { min: 0xe000, max: 0xfffd },
]);
const ALL = CharSet.all(MAX);

/** `^(?=[^]*?(?:A))…`: a match of every pattern somewhere (a conjunction's terms are taken over). */
export function conjoinPatterns(patterns: string[]): string {
  const terms = patterns.flatMap((p) => (isConjunction(p) ? [p.slice(1)] : [`(?=[^]*?(?:${p}))`]));
  return `^${terms.join("")}`;
}

/** `^(?![^]*?(?:N))`: no match of N anywhere. */
export const negatePattern = (pattern: string) => `^(?![^]*?(?:${pattern}))`;

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

type El = NoParent<Element>;

function parse(pattern: string) {
  for (const flags of ["u", ""]) {
    try {
      return JS.Parser.fromLiteral({ source: pattern, flags }).parse({
        assertions: "parse",
        maxNodes: MAX_STATES * 5,
      }).expression;
    } catch (err) {
      if (err instanceof TooManyNodesError) throw tooBig();
      if (flags !== "") continue;
      const message = (err as Error).message;
      if (/backreference/i.test(message)) throw new RegexUnsupported("a backreference in a `pattern`");
      throw new RegexUnsupported(`a \`pattern\` refa cannot read (${message})`);
    }
  }
  throw new Error("unreachable");
}

export const tooBig = () =>
  new RegexUnsupported(`a \`pattern\` whose automaton needs more than ${MAX_STATES} states`);
const isAll = (e: El) => e.type === "CharacterClass" && e.characters.isAll;
const cls = (characters: CharSet): El => ({ type: "CharacterClass", characters });
const star = (characters: CharSet): El => ({
  type: "Quantifier",
  min: 0,
  max: Infinity,
  lazy: false,
  alternatives: [{ type: "Concatenation", elements: [cls(characters)] }],
});

const isAnchor = (e: El | undefined, kind: "behind" | "ahead") =>
  e?.type === "Assertion" &&
  e.kind === kind &&
  e.negate &&
  e.alternatives.length === 1 &&
  e.alternatives[0]!.elements.length === 1 &&
  isAll(e.alternatives[0]!.elements[0]!);

/** `(?=[^]*…)` or `(?![^]*…)`. */
function anyPrefixLookahead(e: El): boolean {
  if (e.type !== "Assertion" || e.kind !== "ahead" || e.alternatives.length !== 1) return false;
  const first = e.alternatives[0]!.elements[0];
  return (
    first?.type === "Quantifier" &&
    first.min === 0 &&
    first.max === Infinity &&
    first.alternatives.length === 1 &&
    first.alternatives[0]!.elements.length === 1 &&
    isAll(first.alternatives[0]!.elements[0]!)
  );
}

/** The index after the lookahead terms that follow a leading `^` (1 when there are none). */
function lookaheads(elements: El[]): number {
  if (!isAnchor(elements[0], "behind")) return 1;
  let i = 1;
  while (i < elements.length && anyPrefixLookahead(elements[i]!)) i++;
  return i;
}

/** An element over the alphabet, its `^`/`$` turned into the two anchor characters. */
function rewrite(e: El): El {
  switch (e.type) {
    case "CharacterClass":
      return cls(e.characters.resize(MAX).intersect(ALPHABET));
    case "Assertion": {
      if (isAnchor(e, e.kind)) return cls(CharSet.fromCharacter(MAX, e.kind === "behind" ? START : END));
      throw new RegexUnsupported("a lookaround or `\\b` in a `pattern`");
    }
    case "Alternation":
    case "Quantifier":
      return {
        ...e,
        alternatives: e.alternatives.map((c) => ({
          type: "Concatenation",
          elements: c.elements.map(rewrite),
        })),
      } as El;
    default:
      throw new RegexUnsupported("a backreference in a `pattern`");
  }
}

function minimal(build: () => DFA): DFA {
  try {
    const dfa = build();
    dfa.minimize();
    return dfa;
  } catch (err) {
    if (err instanceof TooManyNodesError) throw tooBig();
    throw err;
  }
}

/** `^ w $` for every w over the alphabet. */
const wellFormed = () =>
  minimal(() =>
    DFA.fromFA(
      NFA.fromRegex(
        {
          type: "Concatenation",
          elements: [
            cls(CharSet.fromCharacter(MAX, START)),
            star(ALPHABET),
            cls(CharSet.fromCharacter(MAX, END)),
          ],
        },
        { maxCharacter: MAX },
      ),
    ),
  );

/** The strings (read as `^ w $`) in which `elements` match somewhere. */
function search(elements: El[]): DFA {
  const concat = {
    type: "Concatenation" as const,
    elements: [star(ALL), ...elements.map(rewrite), star(ALL)],
  };
  return minimal(() =>
    DFA.fromFA(
      NFA.fromRegex(concat, { maxCharacter: MAX }, {}, new NFA.LimitedNodeFactory(MAX_STATES)),
      new DFA.LimitedNodeFactory(MAX_STATES),
    ),
  );
}

const intersect = (a: DFA, b: DFA) =>
  minimal(() => DFA.fromIntersection(a, b, new DFA.LimitedNodeFactory(MAX_STATES)));

/** The DFA of the strings that pass every pattern (each a search, lookahead conjunctions read as above). */
export function patternsDfa(patterns: string[]): DFA {
  let dfa = wellFormed();
  for (const pattern of patterns) {
    const expression = parse(pattern);
    if (expression.alternatives.length !== 1) {
      dfa = intersect(dfa, search([{ type: "Alternation", alternatives: expression.alternatives }]));
      continue;
    }
    const elements = expression.alternatives[0]!.elements as El[];
    // A leading `^` followed by `(?=[^]*…)`/`(?![^]*…)`: each a search of its own (negated or not).
    const end = lookaheads(elements);
    for (const look of elements.slice(1, end)) {
      if (look.type !== "Assertion") continue;
      let term = search(look.alternatives[0]!.elements.slice(1) as El[]);
      if (look.negate) {
        term.complement();
        term = intersect(term, wellFormed());
      }
      dfa = intersect(dfa, term);
    }
    dfa = intersect(dfa, search(end > 1 ? [elements[0]!, ...elements.slice(end)] : elements));
  }
  return dfa;
}
