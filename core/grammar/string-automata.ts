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
 *   (string-pattern-text.ts): ECMAScript reads it as "a match of A somewhere and no match
 *   of N anywhere", and so does this module (any lookahead right after a leading `^` is read as the
 *   language of `^C`, or its complement), so merged schemas stay plain JSON Schema.
 * - Any other lookaround, `\b`, or a backreference refa cannot resolve is refused.
 * - Bounds: at most MAX_STATES automaton states (refa's node factories throw past it), and at most
 *   MAX_RULES grammar rules for the automaton with the length counter; past either, refused.
 */
import { CharSet, DFA, type Element, JS, NFA, type NoParent, TooManyNodesError } from "refa";
import { dfaFactory, memoDfa, nfaFactory } from "./automaton-budget.js";
import { validatorRegExp } from "./json-schema-common.js";
import { RegexUnsupported } from "./regex-ast.js";

export const MAX_STATES = 4000;
/** The most grammar rules one automaton is written as (one per state and length so far). */
export const MAX_RULES = 2000;
export const MAX = 0xffff;
export const START = 0xfffe;
export const END = 0xffff;
/**
 * A string w is read as `^`×ANCHORS w `$`×ANCHORS: each anchor of a match consumes one anchor
 * character, so anchors in a row (`^^a`, or a lookahead term `^(?=…^…)`) each find theirs, the
 * search's free text absorbs the ones left over. A match with more anchors in a row is refused.
 */
export const ANCHORS = 3;
export const ALPHABET = CharSet.empty(MAX).union([
  { min: 0, max: 0xd7ff },
  { min: 0xe000, max: 0xfffd },
]);
const ALL = CharSet.all(MAX);

export type El = NoParent<Element>;

export function parse(pattern: string) {
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

export const tooBig = (limit = MAX_STATES, what = "states") =>
  new RegexUnsupported(`a \`pattern\` whose automaton needs more than ${limit} ${what}`);
export const isAll = (e: El) => e.type === "CharacterClass" && e.characters.isAll;
export const cls = (characters: CharSet): El => ({ type: "CharacterClass", characters });
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

/** The index after the lookahead terms that follow a leading `^` (1 when there are none). */
export function lookaheads(elements: El[]): number {
  if (!isAnchor(elements[0], "behind")) return 1;
  let i = 1;
  while (
    i < elements.length &&
    elements[i]!.type === "Assertion" &&
    (elements[i] as { kind: string }).kind === "ahead"
  )
    i++;
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

const anchors = (char: number): El => ({
  type: "Quantifier",
  min: ANCHORS,
  max: ANCHORS,
  lazy: false,
  alternatives: [{ type: "Concatenation", elements: [cls(CharSet.fromCharacter(MAX, char))] }],
});

/** `^…^ w $…$` for every w over the alphabet. */
export const wellFormed = () =>
  memoDfa("wellFormed", () =>
    minimal(() =>
      DFA.fromFA(
        NFA.fromRegex(
          { type: "Concatenation", elements: [anchors(START), star(ALPHABET), anchors(END)] },
          { maxCharacter: MAX },
        ),
      ),
    ),
  );

/** The most `^` (or `$`) one match of the elements can pass (Infinity under an unbounded repeat). */
function anchorCount(elements: El[], kind: "behind" | "ahead"): number {
  const alts = (cs: ReadonlyArray<{ elements: readonly El[] }>) =>
    Math.max(0, ...cs.map((c) => anchorCount([...c.elements], kind)));
  let sum = 0;
  for (const e of elements) {
    if (e.type === "Assertion") sum += isAnchor(e, kind) ? 1 : alts(e.alternatives);
    else if (e.type === "Alternation") sum += alts(e.alternatives);
    else if (e.type === "Quantifier") {
      const inner = alts(e.alternatives);
      sum += inner === 0 ? 0 : inner * e.max;
    }
  }
  return sum;
}

/** The elements as text for memoDfa (their positions in the pattern left out). */
const structure = (elements: El[]) =>
  JSON.stringify(elements, (k, v) =>
    k === "source" || k === "parent" ? undefined : v instanceof CharSet ? v.ranges : v,
  );

/**
 * The strings (read as above) in which `elements` match somewhere; built once for equal elements
 * (the same format regex or pattern in many oneOf branches: automaton-budget.ts).
 */
function search(elements: El[]): DFA {
  if (anchorCount(elements, "behind") > ANCHORS || anchorCount(elements, "ahead") > ANCHORS) {
    throw new RegexUnsupported(`a \`pattern\` with more than ${ANCHORS} anchors in one match`);
  }
  const concat = {
    type: "Concatenation" as const,
    elements: [star(ALL), ...elements.map(rewrite), star(ALL)],
  };
  return memoDfa(`search:${structure(elements)}`, () =>
    minimal(() =>
      DFA.fromFA(
        NFA.fromRegex(concat, { maxCharacter: MAX }, {}, nfaFactory(MAX_STATES)),
        dfaFactory(MAX_STATES),
      ),
    ),
  );
}

export const intersect = (a: DFA, b: DFA) =>
  minimal(() => DFA.fromIntersection(a, b, dfaFactory(MAX_STATES)));

/**
 * A search whose DFA passes the bound, narrowed to matches at the start (`^P`: fewer strings, and
 * no leading free text for the subset construction to multiply). Only where a subset may be taken.
 */
function narrowSearch(elements: El[]): DFA {
  try {
    return search(elements);
  } catch (err) {
    if (!(err instanceof RegexUnsupported) || isAnchor(elements[0], "behind")) throw err;
    return search([START_ANCHOR, ...elements]);
  }
}

const START_ANCHOR: El = {
  type: "Assertion",
  kind: "behind",
  negate: true,
  alternatives: [{ type: "Concatenation", elements: [cls(ALL)] }],
};

const isAnyStar = (e: El | undefined) =>
  e?.type === "Quantifier" &&
  e.min === 0 &&
  e.max === Infinity &&
  e.alternatives.length === 1 &&
  e.alternatives[0]!.elements.length === 1 &&
  isAll(e.alternatives[0]!.elements[0]!);

/**
 * The strings in which the elements match somewhere, a leading `^` followed by lookaheads
 * `(?=C)`/`(?!C)` taken apart: each holds where `^C` matches (or does not), so each is a term of
 * its own, read the same way (nested lookaheads too); under a negation, always exactly (`search`).
 */
function termDfa(elements: El[], positive: (e: El[]) => DFA, loose = false): DFA {
  // A group of one alternative is its elements.
  const flat = elements.flatMap((e) =>
    e.type === "Alternation" && e.alternatives.length === 1 ? (e.alternatives[0]!.elements as El[]) : [e],
  );
  // At the start, free text before a `^` can only be empty (`[^]*?(?:^…)`, as negatePattern writes
  // it), and `^^` is `^`.
  const body: El[] = [];
  for (const [i, e] of flat.entries()) {
    const atStart = body.length === 0 || isAnchor(body[body.length - 1], "behind");
    if (atStart && isAnyStar(e) && isAnchor(flat[i + 1], "behind")) continue;
    if (atStart && body.length > 0 && isAnchor(e, "behind")) continue;
    body.push(e);
  }
  const end = lookaheads(body);
  if (end === 1) return positive(body);
  let dfa = positive([body[0]!, ...body.slice(end)]);
  for (const look of body.slice(1, end)) {
    if (look.type !== "Assertion") continue;
    const inner: El[] =
      look.alternatives.length === 1
        ? [body[0]!, ...(look.alternatives[0]!.elements as El[])]
        : [body[0]!, { type: "Alternation", alternatives: look.alternatives }];
    try {
      dfa = intersect(
        dfa,
        look.negate ? complement(termDfa(inner, search)) : termDfa(inner, positive, loose),
      );
    } catch (err) {
      // Loose (a superset): a term too large for the bound is left out.
      if (!loose || !(err instanceof RegexUnsupported)) throw err;
    }
  }
  return dfa;
}

/**
 * The DFA of the strings that pass every pattern (each a search, lookahead conjunctions read as
 * above). In `subset` mode a positive search too large for the bound is narrowed (narrowSearch): the
 * DFA then accepts a subset — never under a negation, which is always exact. In `superset` mode a
 * term too large is left out instead (used only to prove two languages apart).
 */
export function patternsDfa(patterns: string[], mode: "exact" | "subset" | "superset" = "exact"): DFA {
  const positive = mode === "subset" ? narrowSearch : search;
  let dfa = wellFormed();
  for (const pattern of patterns) {
    try {
      const expression = parse(pattern);
      const term =
        expression.alternatives.length !== 1
          ? positive([{ type: "Alternation", alternatives: expression.alternatives }])
          : termDfa(expression.alternatives[0]!.elements as El[], positive, mode === "superset");
      dfa = intersect(dfa, settleEmpty(term, pattern));
    } catch (err) {
      // A superset may leave out a term too large for the bound (every string passes it then).
      if (mode !== "superset" || !(err instanceof RegexUnsupported)) throw err;
    }
  }
  return dfa;
}

/**
 * The term with `""` in it exactly where the validator's RegExp matches `""` (Unicode mode where
 * the pattern compiles in it, else legacy: core/constraints/ajv-drafts.ts). The reading `^ w $`
 * puts every `$` after every `^`, but on `""` both hold at one position, so `$^` or `$(?:^|a)`
 * match it there; `""` is the only string with such a position, so only it needs settling.
 */
function settleEmpty(term: DFA, pattern: string): DFA {
  const matches = validatorRegExp(pattern)?.test("");
  if (matches === undefined) return term;
  const empty = wordsDfa([""]);
  if (matches === !intersect(term, empty).isEmpty) return term;
  return matches ? union(term, empty) : intersect(term, complement(empty));
}

/** The strings the DFA rejects. */
export function complement(dfa: DFA): DFA {
  const out = dfa.copy(dfaFactory(MAX_STATES));
  out.complement();
  return intersect(out, wellFormed());
}

/** The strings either DFA accepts. */
export const union = (a: DFA, b: DFA) => complement(intersect(complement(a), complement(b)));

/** Exactly the given strings (those outside the alphabet are never generated and left out). */
export function wordsDfa(words: string[]): DFA {
  const inside = words.filter((w) => [...w].every((c) => ALPHABET.has(c.codePointAt(0)!)));
  const encoded = inside.map((w) => [
    ...Array<number>(ANCHORS).fill(START),
    ...[...w].map((c) => c.codePointAt(0)!),
    ...Array<number>(ANCHORS).fill(END),
  ]);
  return minimal(() => DFA.fromWords(encoded, { maxCharacter: MAX }, dfaFactory(MAX_STATES)));
}
