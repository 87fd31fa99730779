import { describe, expect, it } from "vitest";
import { lowerJsonSchema } from "./json-schema.js";
import { parseRegex, type RegexNode } from "./regex-ast.js";
import { withoutEmptyLoops } from "./regex-loops.js";
import { regexToGbnf } from "./regex-to-gbnf.js";

/** Every string of up to `max` characters over `alphabet` (to compare languages by brute force). */
function strings(alphabet: string[], max: number): string[] {
  let level = [""];
  const out = [""];
  for (let n = 1; n <= max; n++) {
    level = level.flatMap((s) => alphabet.map((c) => s + c));
    out.push(...level);
  }
  return out;
}

/** The strings a tree matches, as a JavaScript regex built from it (sets are single letters here). */
function source(node: RegexNode): string {
  switch (node.kind) {
    case "set":
      return String.fromCodePoint(node.ranges[0]![0]);
    case "seq":
      return `(?:${node.items.map(source).join("")})`;
    case "alt":
      return `(?:${node.items.map(source).join("|")})`;
    case "repeat":
      return `(?:${source(node.item)}){${node.min},${node.max ?? ""}}`;
    default:
      return node.kind === "start" ? "^" : "$";
  }
}

describe("unbounded repetitions of something that can be empty", () => {
  for (const pattern of ["^(a*)*$", "^(a?b?)+c$", "^(a|b*)*$", "^((ab)?c?)*$"]) {
    it(`${pattern}: a subset of the matches, and the loop item never empty`, () => {
      const tree = withoutEmptyLoops(parseRegex(pattern));
      const rewritten = new RegExp(`^${source(tree)}$`);
      const original = new RegExp(pattern);
      const matched = strings(["a", "b", "c"], 6).filter((s) => rewritten.test(s));
      expect(matched.length).toBeGreaterThan(0);
      for (const s of matched) expect(original.test(s), s).toBe(true);
      expect(() => regexToGbnf(pattern)).not.toThrow();
    });
  }

  it("keeps the whole language where making the item non-empty loses nothing", () => {
    const tree = withoutEmptyLoops(parseRegex("^(a*)*$"));
    const rewritten = new RegExp(`^${source(tree)}$`);
    for (const s of strings(["a", "b"], 5)) expect(rewritten.test(s), s).toBe(/^(a*)*$/.test(s));
  });

  it("writes the pattern of a string schema with parentheses around a nested repetition", () => {
    expect(lowerJsonSchema({ type: "string", pattern: "^(a*)*$" })).toEqual({
      gbnf: '("\\"" ((([a]+)*)) "\\"")',
    });
  });
});
