/**
 * Match lengths of a regex syntax tree (in code points, as the validator counts string lengths), and
 * the narrowing that makes a pattern's body fit `minLength`/`maxLength`: repetitions are given
 * tighter counts, so the body generates a subset of its matches whose every length is in bounds.
 */
import { type RegexNode, RegexUnsupported } from "./regex-ast.js";

/** The largest repetition count written into the grammar (llama.cpp refuses larger ones). */
export const MAX_COUNT = 999;

/** [shortest, longest] match in code points (longest may be Infinity). */
export function lengths(node: RegexNode): [number, number] {
  switch (node.kind) {
    case "set":
      return [1, 1];
    case "start":
    case "end":
      return [0, 0];
    case "seq":
      return node.items.map(lengths).reduce(([a, b], [c, d]) => [a + c, b + d], [0, 0]);
    case "alt": {
      const all = node.items.map(lengths);
      return [Math.min(...all.map((l) => l[0])), Math.max(...all.map((l) => l[1]))];
    }
    case "repeat": {
      const [a, b] = lengths(node.item);
      const max = node.max === undefined ? (b === 0 ? 0 : Infinity) : b * node.max;
      return [a * node.min, max];
    }
  }
}

/** The tree with every unbounded repetition limited to its minimum count. */
function tighten(node: RegexNode): RegexNode {
  switch (node.kind) {
    case "seq":
    case "alt":
      return { ...node, items: node.items.map(tighten) };
    case "repeat":
      return { ...node, item: tighten(node.item), max: node.max ?? node.min };
    default:
      return node;
  }
}

/** The items of a body, nested sequences (groups) flattened. */
function flatten(node: RegexNode): RegexNode[] {
  return node.kind === "seq" ? node.items.flatMap(flatten) : [node];
}

/**
 * A body whose every match is `min`..`max` code points long: the body itself when it fits, else
 * the body with its first top-level repetition re-counted (and the others at their minimum).
 * RegexUnsupported when no such narrowing exists.
 */
export function fitLengths(body: RegexNode, min: number, max: number): RegexNode {
  const [a, b] = lengths(body);
  if (a >= min && b <= max) return body;
  const items = flatten(body);
  const index = items.findIndex((n) => n.kind === "repeat");
  const target = items[index];
  if (target?.kind !== "repeat") {
    throw new RegexUnsupported(
      "a `pattern` whose match lengths cannot be kept within `minLength`/`maxLength`",
    );
  }
  const rest = items.filter((_, i) => i !== index);
  // Other repetitions drop to their minimum only where a maximum must be kept.
  const narrow = (n: RegexNode) => (max === Infinity ? n : tighten(n));
  const restLengths = lengths(narrow({ kind: "seq", items: rest }));
  const item = narrow(target.item);
  const [ia, ib] = lengths(item);
  let lo = target.min;
  if (restLengths[0] + lo * ia < min) {
    if (ia === 0) throw new RegexUnsupported("a `pattern` whose matches may be shorter than `minLength`");
    lo = Math.ceil((min - restLengths[0]) / ia);
  }
  let hi = target.max ?? Infinity;
  if (restLengths[1] + hi * ib > max) hi = ib === 0 ? hi : Math.floor((max - restLengths[1]) / ib);
  // A count llama.cpp cannot take is lowered to its limit (a subset), where the minimum allows it.
  if (Number.isFinite(hi) && hi > MAX_COUNT) hi = Math.max(lo, MAX_COUNT);
  if (hi < lo) {
    throw new RegexUnsupported("a `pattern` whose match lengths cannot meet `minLength`/`maxLength`");
  }
  const fitted: RegexNode = { kind: "repeat", item, min: lo, max: hi === Infinity ? undefined : hi };
  const out: RegexNode = {
    kind: "seq",
    items: items.map((n, i) => (i === index ? fitted : narrow(n))),
  };
  const [oa, ob] = lengths(out);
  // The narrowed body must be inside the bounds; a failure here would be a bug, never a bad output.
  if (oa < min || ob > max) throw new RegexUnsupported("a `pattern` whose match lengths cannot be narrowed");
  return out;
}
