/**
 * The compile check: before the first thinking pass for a constraint vLLM has not seen, a
 * constrained 1-token call asks vLLM to compile it, so a schema, regex or grammar its backend
 * cannot compile is refused up front (schema_unsupported) instead of after a paid thinking pass.
 * It also warms vLLM's own grammar cache. Passed constraints are remembered by their canonical
 * form, so each pays once; a failure is not remembered (a transient 500 heals on the next try).
 */
import { createHash } from "node:crypto";
import { LRUCache } from "lru-cache";
import { canonicalJson } from "../../constraints/index.js";
import type { CompletionCall, Constraint } from "../../engine.js";
import { noThinkPrompt } from "../../prompt.js";

const PROMPT = noThinkPrompt([{ role: "user", content: "Answer." }]);

export function compileCheckCall(constraint: Constraint, signal?: AbortSignal): CompletionCall {
  return {
    prompt: PROMPT,
    maxTokens: 1,
    constraint,
    sampling: { temperature: 0, topP: 1, topK: 1, minP: 0, seed: 0 },
    ...(signal ? { signal } : {}),
  };
}

/** Constraints vLLM has compiled, by a hash of their canonical JSON (keys stay small). */
export class CompiledConstraints {
  private readonly seen: LRUCache<string, true>;

  constructor(max = 4096) {
    this.seen = new LRUCache({ max });
  }

  static key(constraint: Constraint): string {
    return createHash("sha256").update(canonicalJson(constraint)).digest("hex");
  }

  has(constraint: Constraint): boolean {
    return this.seen.get(CompiledConstraints.key(constraint)) === true;
  }

  add(constraint: Constraint): void {
    this.seen.set(CompiledConstraints.key(constraint), true);
  }

  get size(): number {
    return this.seen.size;
  }
}
