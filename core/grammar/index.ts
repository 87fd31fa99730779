/**
 * Constraint → GBNF text for llama.cpp (root rule `root`): the translator's one entry point. The
 * supported subset and what each accepted feature generates are in README.md beside this file.
 * Refusals are GrammarError (./errors.ts); callers map them to their own error envelope.
 */
import type { Constraint } from "../engine.js";
import { GrammarError } from "./errors.js";
import { jsonSchemaToGbnf } from "./json-schema.js";
import { choiceToGbnf, regexToGbnf } from "./regex-to-gbnf.js";

export { GrammarError, isGrammarError } from "./errors.js";
export { jsonSchemaToGbnf, lowerJsonSchema } from "./json-schema.js";

/** Said where hand-written GBNF (the `grammar` constraint) does not compile. */
export const GBNF_NOTE =
  "the embedded engine takes llama.cpp GBNF grammars (rule ::= ...; root rule `root`), whereas vLLM takes " +
  "xgrammar EBNF or Lark";

export function constraintToGbnf(constraint: Constraint): string {
  switch (constraint.kind) {
    case "json":
      return jsonSchemaToGbnf(constraint.schema);
    case "choice":
      return choiceToGbnf(constraint.choices);
    case "regex":
      return regexToGbnf(constraint.pattern);
    case "grammar":
      return constraint.grammar;
  }
}

/** The cache key of a constraint: equal keys give equal grammars. */
export function constraintKey(constraint: Constraint): string {
  switch (constraint.kind) {
    case "json":
      return `json:${JSON.stringify(constraint.schema)}`;
    case "choice":
      return `choice:${JSON.stringify(constraint.choices)}`;
    case "regex":
      return `regex:${constraint.pattern}`;
    case "grammar":
      return `grammar:${constraint.grammar}`;
  }
}

/** llama.cpp's refusal to compile the GBNF, as the translator's error. */
export function compileRefused(kind: Constraint["kind"], reason: string): GrammarError {
  return new GrammarError(
    "schema_unsupported",
    kind === "grammar"
      ? `the grammar is not valid GBNF (${reason}); ${GBNF_NOTE}`
      : `the ${kind} constraint did not compile to a grammar (${reason})`,
    `structured_outputs.${kind}`,
  );
}
