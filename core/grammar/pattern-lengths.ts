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

type Repeat = Extract<RegexNode, { kind: "repeat" }>;

/**
 * A body whose every match is `min`..`max` code points long: the body itself when it fits, else the
 * body with its top-level repetitions re-counted — minimum counts raised from the first one on
 * until `min` is reached, then (for a finite `max`) every count at its minimum and the room left
 * under `max` handed back from the first one on. Nested unbounded repetitions stay at their
 * minimum where `max` is finite. RegexUnsupported when no such narrowing exists.
 */
export function fitLengths(body: RegexNode, min: number, max: number): RegexNode {
  const [a, b] = lengths(body);
  if (a >= min && b <= max) return body;
  const narrow = (n: RegexNode) => (max === Infinity ? n : tighten(n));
  const items = flatten(body).map((n) => (n.kind === "repeat" ? { ...n, item: narrow(n.item) } : narrow(n)));
  const repeats = items.filter((n): n is Repeat => n.kind === "repeat");
  const total = () => lengths({ kind: "seq", items });
  for (const r of repeats) {
    const deficit = min - total()[0];
    const ia = lengths(r.item)[0];
    if (deficit <= 0) break;
    if (ia > 0) r.min += Math.min((r.max ?? Infinity) - r.min, Math.ceil(deficit / ia));
  }
  if (total()[0] < min)
    throw new RegexUnsupported("a `pattern` whose matches may be shorter than `minLength`");
  if (max !== Infinity) {
    const original = repeats.map((r) => r.max ?? Infinity);
    for (const r of repeats) r.max = r.min;
    if (total()[1] > max)
      throw new RegexUnsupported("a `pattern` whose matches are all longer than `maxLength`");
    repeats.forEach((r, i) => {
      const ib = lengths(r.item)[1];
      if (ib === 0) return;
      const room = Math.floor((max - total()[1]) / ib);
      // A count llama.cpp cannot take is lowered to its limit (a subset).
      r.max = Math.min(original[i]!, r.min + room, Math.max(r.min, MAX_COUNT));
    });
  }
  const out: RegexNode = { kind: "seq", items };
  const [oa, ob] = lengths(out);
  // The narrowed body must be inside the bounds; a failure here would be a bug, never a bad output.
  if (oa < min || ob > max) throw new RegexUnsupported("a `pattern` whose match lengths cannot be narrowed");
  return out;
}
