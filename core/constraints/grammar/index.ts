/** The grammar reader: parse (bounded), then the checks every grammar must pass. See README.md. */
import { analyseGrammar } from "./analyse.js";
import { GRAMMAR_BOUNDS, type Grammar, type GrammarBounds } from "./ast.js";
import { parseGrammar } from "./parse.js";

export { GRAMMAR_BOUNDS, type Grammar, type GrammarBounds } from "./ast.js";

/** The grammar read and checked; throws schema_unsupported naming the rule and position. */
export function readGrammar(text: string, bounds: GrammarBounds = GRAMMAR_BOUNDS): Grammar {
  const grammar = parseGrammar(text, bounds);
  analyseGrammar(grammar, bounds);
  return grammar;
}
