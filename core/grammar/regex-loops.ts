/**
 * An unbounded repetition of something that can match the empty string (`(a*)*`, `(x?)+`) cannot
 * be written as a grammar loop: the loop could spin without consuming anything. Its item is
 * replaced by a subset of its non-empty matches (`(a*)*` → `(a+)*`, which matches the same
 * strings; in general a subset), so the pattern generates a subset of what it matches.
 */
import type { RegexNode } from "./regex-ast.js";

const nullable = (node: RegexNode): boolean => {
  switch (node.kind) {
    case "set":
      return false;
    case "start":
    case "end":
      return true;
    case "seq":
      return node.items.every(nullable);
    case "alt":
      return node.items.some(nullable);
    case "repeat":
      return node.min === 0 || nullable(node.item);
  }
};

/** A node matching a non-empty subset of `node`'s matches, or undefined when it has none known. */
function nonEmpty(node: RegexNode): RegexNode | undefined {
  if (!nullable(node)) return node;
  switch (node.kind) {
    case "set":
    case "start":
    case "end":
      return undefined;
    case "repeat": {
      const item = nonEmpty(node.item);
      if (!item || node.max === 0) return undefined;
      return { kind: "repeat", item, min: Math.max(1, node.min), max: node.max };
    }
    case "seq": {
      // One item made non-empty makes the sequence non-empty.
      for (const [i, item] of node.items.entries()) {
        const sure = nonEmpty(item);
        if (sure) return { kind: "seq", items: node.items.map((x, j) => (j === i ? sure : x)) };
      }
      return undefined;
    }
    case "alt": {
      const items = node.items.map(nonEmpty).filter((x): x is RegexNode => x !== undefined);
      return items.length ? { kind: "alt", items } : undefined;
    }
  }
}

/** The tree with every unbounded repetition of a nullable item given a non-empty item instead. */
export function withoutEmptyLoops(node: RegexNode): RegexNode {
  switch (node.kind) {
    case "seq":
    case "alt":
      return { ...node, items: node.items.map(withoutEmptyLoops) };
    case "repeat": {
      const item = withoutEmptyLoops(node.item);
      if (node.max !== undefined || !nullable(item)) return { ...node, item };
      return { ...node, item: nonEmpty(item) ?? item };
    }
    default:
      return node;
  }
}
