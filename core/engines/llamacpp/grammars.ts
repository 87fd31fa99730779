/**
 * Constraint → compiled LlamaGrammar: the GBNF comes from the translator in core/grammar, and is
 * compiled once per constraint text and kept in an LRU (lru-cache). The translator's refusals and
 * llama.cpp's are schema_unsupported (or invalid_request) in the service's error envelope.
 */
import { LRUCache } from "lru-cache";
import { type Llama, LlamaGrammar } from "node-llama-cpp";
import type { Constraint } from "../../engine.js";
import { DeliberateError } from "../../errors.js";
import { compileRefused, constraintKey, constraintToGbnf, isGrammarError } from "../../grammar/index.js";

export class GrammarCache {
  private readonly entries: LRUCache<string, LlamaGrammar>;

  constructor(
    private readonly llama: Llama,
    capacity = 64,
  ) {
    this.entries = new LRUCache({ max: Math.max(1, capacity) });
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Refusals, kept too: a schema the translator refuses after much work (automata, unions) would
   * otherwise cost that work again on every request that sends it.
   */
  private readonly refused = new LRUCache<string, DeliberateError>({ max: 256 });

  /** The compiled grammar for a constraint; schema_unsupported when it cannot be expressed. */
  get(constraint: Constraint): LlamaGrammar {
    const key = constraintKey(constraint);
    const hit = this.entries.get(key);
    if (hit) return hit;
    const refusal = this.refused.get(key);
    if (refusal) throw refusal;
    try {
      const grammar = this.compile(constraint);
      this.entries.set(key, grammar);
      return grammar;
    } catch (err) {
      if (err instanceof DeliberateError) this.refused.set(key, err);
      throw err;
    }
  }

  private compile(constraint: Constraint): LlamaGrammar {
    try {
      const gbnf = constraintToGbnf(constraint);
      try {
        return new LlamaGrammar(this.llama, { grammar: gbnf });
      } catch (err) {
        throw compileRefused(constraint.kind, err instanceof Error ? err.message : String(err));
      }
    } catch (err) {
      // The translator's refusal, in the service's error envelope.
      if (isGrammarError(err))
        throw new DeliberateError(err.code, err.message, { param: err.param, cause: err });
      throw err;
    }
  }
}
