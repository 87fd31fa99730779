import { describe, expect, it } from "vitest";
import { prepareConstraint } from "../constraints/index.js";
import { noThinkPrompt } from "../prompt.js";
import { FORMAT_PATTERNS, uriWithPrefix } from "./json-string-formats.js";
import { parseRegex, type RegexNode } from "./regex-ast.js";
import { mulberry32 } from "./schema-generator.js";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";

/** A seeded random string matching the tree (unbounded counts capped at 6). */
function sample(node: RegexNode, rand: () => number): string {
  const pick = (n: number) => Math.floor(rand() * n);
  switch (node.kind) {
    case "set": {
      const [lo, hi] = node.ranges[pick(node.ranges.length)]!;
      return String.fromCodePoint(lo + pick(Math.min(hi - lo + 1, 128)));
    }
    case "seq":
      return node.items.map((n) => sample(n, rand)).join("");
    case "alt":
      return sample(node.items[pick(node.items.length)]!, rand);
    case "repeat": {
      const count = node.min + pick((node.max ?? node.min + 6) - node.min + 1);
      return Array.from({ length: count }, () => sample(node.item, rand)).join("");
    }
    default:
      return "";
  }
}

describe("format regexes generate a subset of what the validator's format accepts", () => {
  for (const [format, pattern] of Object.entries(FORMAT_PATTERNS)) {
    it(`${format}: 3000 random matches all pass`, () => {
      const { validate } = prepareConstraint({ json: { type: "string", format } })!;
      const tree = parseRegex(pattern);
      const rand = mulberry32(7);
      for (let i = 0; i < 3000; i++) {
        const text = sample(tree, rand);
        expect(new RegExp(pattern, "u").test(text), text).toBe(true);
        expect(() => validate(JSON.stringify(text)), text).not.toThrow();
      }
    });
  }
});

describe("`format: uri` beside a pattern on its prefix", () => {
  it("generates URIs of the schemes the pattern accepts, each passing both keywords", () => {
    for (const [format, pattern] of [
      ["uri", "^(https|file)://"],
      ["uri", "^https:"],
      ["uri-reference", "^(wss?|wss?\\+unix)://"],
    ] as const) {
      const regex = uriWithPrefix(format, pattern)!;
      const { validate } = prepareConstraint({ json: { type: "string", format, pattern } })!;
      const rand = mulberry32(3);
      for (let i = 0; i < 500; i++) {
        const text = sample(parseRegex(regex), rand);
        expect(() => validate(JSON.stringify(text)), text).not.toThrow();
      }
    }
    expect(uriWithPrefix("uri", "^(https|file)://")).toMatch(/^\^\(\?:https\|file\):\/\//);
  });

  it("refuses patterns that may read past the prefix, and other formats", () => {
    expect(uriWithPrefix("uri", "^https://$")).toBeUndefined();
    expect(uriWithPrefix("uri", "^https://(?=a)")).toBeUndefined();
    expect(uriWithPrefix("uri", "\\bhttps")).toBeUndefined();
    expect(uriWithPrefix("uri", "^mailto:")).toBeUndefined();
    expect(uriWithPrefix("email", "^https://")).toBeUndefined();
  });
});

const demo = useDemoEngine();

describe("formats on the real engine: every output passes the validator", () => {
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with JSON." }]);
  for (const format of Object.keys(FORMAT_PATTERNS)) {
    it(format, { timeout: 60_000 }, async () => {
      const schema = {
        type: "object",
        properties: { v: { type: "string", format, maxLength: 60 } },
        required: ["v"],
      };
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 120, seeds: [1, 2, 3, 4, 5, 6] });
    });
  }
  it("uri beside a prefix pattern", { timeout: 60_000 }, async () => {
    const schema = { type: "string", format: "uri", pattern: "^(wss?|wss?\\+unix)://", maxLength: 60 };
    await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 120, seeds: [1, 2, 3, 4, 5, 6] });
  });
});
