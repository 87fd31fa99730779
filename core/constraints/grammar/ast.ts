/** The grammar reader's syntax tree: rules of alternatives of sequences, offsets into the text. */
export type GrammarNode =
  | { t: "lit"; text: string; at: number }
  /** A character class `[...]`, or `.` (any character). */
  | { t: "class"; at: number }
  | { t: "ref"; name: string; at: number }
  | { t: "group"; alts: GrammarNode[][]; at: number }
  /** `*` `+` `?` `{m}` `{m,}` `{m,n}` `{,n}`; `max` is Infinity when unbounded. */
  | { t: "rep"; item: GrammarNode; min: number; max: number; at: number };

export interface GrammarRule {
  name: string;
  at: number;
  alts: GrammarNode[][];
  /** xgrammar's lookahead assertion `(= ...)` after the body: read and bounded, never derived. */
  lookahead?: GrammarNode[][];
}

export interface Grammar {
  text: string;
  rules: Map<string, GrammarRule>;
}

/** The bounds a grammar must stay within (see README.md in this folder). */
export interface GrammarBounds {
  maxRules: number;
  /** Parentheses inside one another. */
  maxDepth: number;
  /** The largest m or n in `{m,n}`. */
  maxRepeat: number;
  /** Elements after counted repeats are written out, as llama.cpp and xgrammar do. */
  maxExpansion: number;
}

export const GRAMMAR_BOUNDS: GrammarBounds = {
  maxRules: 1024,
  maxDepth: 64,
  maxRepeat: 1024,
  maxExpansion: 100_000,
};
