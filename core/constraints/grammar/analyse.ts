/**
 * What must hold of a parsed grammar before any engine compiles it: every referenced rule is
 * defined, `root` exists, counted repeats written out stay within a budget, every rule can finish,
 * no unbounded repeat loops on something that matches the empty string, and no rule is left
 * recursive — directly, or through rules that can derive the empty string. Engines that expand
 * such grammars (llama.cpp's stack-based matcher among them) grow without bound on them.
 */
import type { Grammar, GrammarBounds, GrammarNode, GrammarRule } from "./ast.js";
import { grammarError } from "./grammar-error.js";

type Visit = (node: GrammarNode, rule: GrammarRule) => void;

function eachNode(rule: GrammarRule, visit: Visit): void {
  const stack: GrammarNode[] = [];
  for (const alts of [rule.alts, rule.lookahead ?? []]) for (const seq of alts) stack.push(...seq);
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node, rule);
    if (node.t === "group") for (const seq of node.alts) stack.push(...seq);
    else if (node.t === "rep") stack.push(node.item);
  }
}

/** Elements after `x{m,n}` is written out as n copies of x (m + 1 for `{m,}`). */
function expansion(seq: GrammarNode[]): number {
  let total = 0;
  for (const node of seq) total += expandedSize(node);
  return total;
}

function expandedSize(node: GrammarNode): number {
  switch (node.t) {
    case "lit":
      return Math.max(1, node.text.length);
    case "class":
    case "ref":
      return 1;
    case "group":
      return 1 + node.alts.reduce((n, seq) => n + expansion(seq), 0);
    case "rep": {
      const copies = Number.isFinite(node.max) ? Math.max(1, node.max) : node.min + 1;
      return expandedSize(node.item) * copies;
    }
  }
}

/** The least fixpoint of a rule property (nullable, productive) over all rules. */
function fixpoint(grammar: Grammar, holds: (node: GrammarNode, known: Set<string>) => boolean): Set<string> {
  const known = new Set<string>();
  const seqHolds = (seq: GrammarNode[]) => seq.every((n) => holds(n, known));
  for (let changed = true; changed; ) {
    changed = false;
    for (const rule of grammar.rules.values()) {
      if (!known.has(rule.name) && rule.alts.some(seqHolds)) {
        known.add(rule.name);
        changed = true;
      }
    }
  }
  return known;
}

/**
 * Whether a node can derive some finite text (`emptyOnly` false: the rule can finish) or the
 * empty text (`emptyOnly` true: nullable), given the rules already known to.
 */
function derives(node: GrammarNode, rules: Set<string>, emptyOnly: boolean): boolean {
  switch (node.t) {
    case "lit":
      return !emptyOnly || node.text === "";
    case "class":
      return !emptyOnly;
    case "ref":
      return rules.has(node.name);
    case "group":
      return node.alts.some((seq) => seq.every((n) => derives(n, rules, emptyOnly)));
    case "rep":
      return node.min === 0 || derives(node.item, rules, emptyOnly);
  }
}

const nullable = (node: GrammarNode, rules: Set<string>) => derives(node, rules, true);
const productive = (node: GrammarNode, rules: Set<string>) => derives(node, rules, false);

/** References that can come first in what `seq` matches: up to and including its first non-nullable element. */
function leftRefs(seq: GrammarNode[], empty: Set<string>, out: GrammarNode[]): void {
  for (const node of seq) {
    if (node.t === "ref") out.push(node);
    else if (node.t === "group") for (const alt of node.alts) leftRefs(alt, empty, out);
    else if (node.t === "rep" && node.max > 0) leftRefs([node.item], empty, out);
    if (!nullable(node, empty)) return;
  }
}

export function analyseGrammar(grammar: Grammar, bounds: GrammarBounds): void {
  const { text, rules } = grammar;
  const fail = (rule: GrammarRule, at: number, problem: string) => grammarError(text, at, rule.name, problem);
  if (!rules.has("root")) throw grammarError(text, 0, undefined, 'there is no rule named "root"');

  let total = 0;
  for (const rule of rules.values()) {
    eachNode(rule, (node) => {
      if (node.t === "ref" && !rules.has(node.name))
        throw fail(rule, node.at, `rule "${node.name}" is not defined`);
    });
    total += rule.alts.reduce((n, seq) => n + expansion(seq), 0);
    if (total > bounds.maxExpansion) {
      throw fail(rule, rule.at, `written out, the grammar's repeats exceed ${bounds.maxExpansion} elements`);
    }
  }

  const empty = fixpoint(grammar, nullable);
  const finishing = fixpoint(grammar, productive);
  for (const rule of rules.values()) {
    if (!finishing.has(rule.name))
      throw fail(rule, rule.at, "the rule can never finish (every alternative recurses without end)");
    eachNode(rule, (node) => {
      if (node.t === "rep" && node.max === Number.POSITIVE_INFINITY && nullable(node.item, empty)) {
        throw fail(rule, node.at, "an unbounded repeat of something that can match the empty string");
      }
    });
  }

  // Left-edge graph: rule → the rules it can start with; a cycle is left recursion.
  const edges = new Map<string, GrammarNode[]>();
  for (const rule of rules.values()) {
    const out: GrammarNode[] = [];
    for (const seq of rule.alts) leftRefs(seq, empty, out);
    edges.set(rule.name, out);
  }
  const state = new Map<string, "open" | "done">();
  for (const start of rules.keys()) {
    if (state.has(start)) continue;
    // Iterative depth-first search; `path` holds the rules currently open.
    const path: Array<{ name: string; next: number }> = [{ name: start, next: 0 }];
    state.set(start, "open");
    while (path.length > 0) {
      const top = path[path.length - 1]!;
      const out = edges.get(top.name)!;
      if (top.next >= out.length) {
        state.set(top.name, "done");
        path.pop();
        continue;
      }
      const ref = out[top.next++]! as Extract<GrammarNode, { t: "ref" }>;
      const seen = state.get(ref.name);
      if (seen === "open") {
        const cycle = [
          ...path.slice(path.findIndex((p) => p.name === ref.name)).map((p) => p.name),
          ref.name,
        ];
        const via = cycle.length > 2 ? ` through ${cycle.join(" → ")}` : "";
        throw fail(
          rules.get(top.name)!,
          ref.at,
          `left recursion: rule "${ref.name}" can reach itself before consuming any text${via}`,
        );
      }
      if (seen === undefined) {
        state.set(ref.name, "open");
        path.push({ name: ref.name, next: 0 });
      }
    }
  }
}
