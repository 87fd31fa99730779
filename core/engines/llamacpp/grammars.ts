/**
 * Constraint → compiled LlamaGrammar, compiled once per constraint text and kept in a small LRU.
 * json uses node-llama-cpp's JSON-schema grammar (after json-schema.ts maps and checks the schema),
 * choice a GBNF alternation, regex the converter of regex-to-gbnf.ts, grammar the text as GBNF.
 */
import { type Llama, LlamaGrammar, LlamaJsonSchemaGrammar, LlamaText } from "node-llama-cpp";
import type { Constraint } from "../../engine.js";
import { DeliberateError } from "../../errors.js";
import { isGrammarError } from "../../grammar/errors.js";
import { patchJsonGrammar, toGbnfJsonSchema } from "../../grammar/json-schema.js";
import { choiceToGbnf, regexToGbnf } from "../../grammar/regex-to-gbnf.js";

/** node-llama-cpp's JSON grammars end with four newlines, then stop; the suffix is trimmed. */
const JSON_STOP = "\n".repeat(4);

const GBNF_NOTE =
  "the embedded engine takes llama.cpp GBNF grammars (rule ::= ...; root rule `root`), whereas vLLM takes " +
  "xgrammar EBNF or Lark";

export class GrammarCache {
  private readonly entries = new Map<string, LlamaGrammar>();

  constructor(
    private readonly llama: Llama,
    private readonly capacity = 64,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The compiled grammar for a constraint; schema_unsupported when it cannot be expressed. */
  get(constraint: Constraint): LlamaGrammar {
    const key = cacheKey(constraint);
    const hit = this.entries.get(key);
    if (hit) {
      // Re-insert: a Map iterates in insertion order, so the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const grammar = this.compile(constraint);
    this.entries.set(key, grammar);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return grammar;
  }

  private compile(constraint: Constraint): LlamaGrammar {
    try {
      return this.translate(constraint);
    } catch (err) {
      // The translator's refusal, in the service's error envelope.
      if (isGrammarError(err))
        throw new DeliberateError(err.code, err.message, { param: err.param, cause: err });
      throw err;
    }
  }

  private translate(constraint: Constraint): LlamaGrammar {
    switch (constraint.kind) {
      case "json": {
        const schema = toGbnfJsonSchema(constraint.schema);
        // node-llama-cpp writes the GBNF (and compiles it once); the patched text is compiled again.
        const generated = this.attempt(
          "json",
          () => new LlamaJsonSchemaGrammar(this.llama, schema as never).grammar,
        );
        return this.build(patchJsonGrammar(generated), "json", { stop: JSON_STOP });
      }
      case "choice":
        return this.build(choiceToGbnf(constraint.choices), "choice");
      case "regex":
        return this.build(regexToGbnf(constraint.pattern), "regex");
      case "grammar":
        return this.build(constraint.grammar, "grammar");
    }
  }

  private build(gbnf: string, kind: Constraint["kind"], options: { stop?: string } = {}): LlamaGrammar {
    const stop = options.stop
      ? { stopGenerationTriggers: [LlamaText([options.stop])], trimWhitespaceSuffix: true }
      : {};
    return this.attempt(kind, () => new LlamaGrammar(this.llama, { grammar: gbnf, ...stop }));
  }

  /** Runs a grammar compile step; llama.cpp's refusal becomes schema_unsupported. */
  private attempt<T>(kind: Constraint["kind"], step: () => T): T {
    try {
      return step();
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new DeliberateError(
        "schema_unsupported",
        kind === "grammar"
          ? `the grammar is not valid GBNF (${reason}); ${GBNF_NOTE}`
          : `the ${kind} constraint did not compile to a grammar (${reason})`,
        { param: `structured_outputs.${kind}`, cause: err },
      );
    }
  }
}

function cacheKey(constraint: Constraint): string {
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
