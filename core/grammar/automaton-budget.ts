/**
 * A bound on the automaton work of one lowering (json-schema.ts, lowerJsonSchema), and a cache of
 * the automata it builds. Each automaton is bounded on its own (string-automata.ts, MAX_STATES), but
 * a oneOf proves its branches apart pair by pair (json-schema-oneof.ts, string-formula.ts), so many
 * branches, or many properties each with such a oneOf, would multiply that work without limit. Every
 * state refa builds during a lowering is counted here; past AUTOMATON_BUDGET the lowering is refused.
 * Lowering is synchronous, so the budget of the lowering under way is module state, set and restored
 * around it by withAutomatonBudget.
 */
import { DFA, NFA, type NodeFactory } from "refa";
import { GrammarError } from "./errors.js";

/** The most automaton states one lowering may build: a few tenths of a second of refa work; the most a
 * JSONSchemaBench schema the grammar accepts needs is 14,660. */
export const AUTOMATON_BUDGET = 20_000;
/** Search automata kept across lowerings (the format regexes are a fixed set; patterns recur). */
const CACHE_SIZE = 128;

class Budget {
  used = 0;
  exceeded: AutomatonBudgetExceeded | undefined;
  /** Cache keys whose cost this lowering has been charged (a hit is charged once, as if built). */
  readonly charged = new Set<string>();
  /** Per schema node, what the lowering derived from it on automata (string-formula.ts). */
  readonly nodes = new WeakMap<object, unknown>();
  constructor(readonly limit: number) {}
}

let current: Budget | undefined;
/** States built and cache hits taken, in every lowering and outside them (for a cache entry's cost). */
let spent = 0;

export class AutomatonBudgetExceeded extends GrammarError {}

/**
 * Runs one lowering with a budget of its own (nested calls share the outer one). Once the budget is
 * spent the lowering is refused, even where a caller had left out the part that ran out of it.
 */
export function withAutomatonBudget<T>(run: () => T, limit = AUTOMATON_BUDGET): T {
  if (current) return run();
  const budget = new Budget(limit);
  current = budget;
  try {
    const out = run();
    if (budget.exceeded) throw budget.exceeded;
    return out;
  } catch (err) {
    throw budget.exceeded ?? err;
  } finally {
    current = undefined;
  }
}

/** The states built so far in the lowering under way (0 outside one). */
export const automatonWork = () => current?.used ?? 0;

function charge(states: number): void {
  if (!current) return;
  if (current.exceeded) throw current.exceeded;
  current.used += states;
  if (current.used > current.limit) {
    current.exceeded = new AutomatonBudgetExceeded(
      "schema_unsupported",
      `the embedded engine's JSON grammar cannot enforce string constraints whose automata need more than ` +
        `${current.limit} states in all (pattern/format combinations, e.g. across oneOf branches); ` +
        "simplify them or use the vLLM engine",
      "structured_outputs.json",
    );
    throw current.exceeded;
  }
}

/** refa's bounded node factories, each node also counted against the lowering's budget. */
function counted<S>(inner: NodeFactory<S>): NodeFactory<S> {
  return {
    createNode: () => {
      spent++;
      charge(1);
      return inner.createNode();
    },
  };
}
export const dfaFactory = (limit: number) => counted(new DFA.LimitedNodeFactory(limit));
export const nfaFactory = (limit: number) => counted(new NFA.LimitedNodeFactory(limit));

const cache = new Map<string, { value: DFA; cost: number }>();

/**
 * The automaton `build` makes for `key`, built once: a hit is charged its build cost once per
 * lowering, so what a lowering may do does not depend on what earlier lowerings left in the cache.
 * The DFA returned is shared: callers never change it in place (string-automata.ts copies first).
 */
export function memoDfa(key: string, build: () => DFA): DFA {
  const hit = cache.get(key);
  if (hit) {
    spent += hit.cost;
    cache.delete(key);
    cache.set(key, hit);
    if (current && !current.charged.has(key)) {
      charge(hit.cost);
      current.charged.add(key);
    }
    return hit.value;
  }
  const before = spent;
  const value = build();
  const cost = spent - before;
  current?.charged.add(key);
  cache.set(key, { value, cost });
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return value;
}

/** What `derive` gives for a schema node, once per lowering (outside one, every time). */
export function memoNode<T>(node: object, derive: () => T): T {
  if (!current) return derive();
  if (current.nodes.has(node)) return current.nodes.get(node) as T;
  const value = derive();
  current.nodes.set(node, value);
  return value;
}
