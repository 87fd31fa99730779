import { describe, expect, it } from "vitest";
import { noThinkPrompt } from "../prompt.js";
import { rejection } from "./test-support.js";
import { patternStringGbnf } from "./json-string-pattern.js";
import { expectValidOverSeeds, sampling, useDemoEngine } from "../engines/llamacpp/test-support.js";

const ANY = "[ -!#-\\[\\]-\\uD7FF\\uE000-\\U0010FFFF]";
const gbnf = (pattern: string, min = 0, max = Infinity) => patternStringGbnf(pattern, min, max, "");

describe("pattern → JSON-string GBNF", () => {
  it("treats the pattern as a search: free text on each unanchored side of each branch", () => {
    expect(gbnf("abc")).toBe(`("\\"" (${ANY}* ([a] [b] [c]) ${ANY}*) "\\"")`);
    expect(gbnf("^abc$")).toBe('("\\"" (([a] [b] [c])) "\\"")');
    expect(gbnf("^a|b$")).toBe(`("\\"" (([a]) ${ANY}* | ${ANY}* ([b])) "\\"")`);
  });

  it("sizes padding and repetitions to keep minLength/maxLength", () => {
    expect(gbnf("^[a-z]+$", 4, 6)).toBe('("\\"" (([a-z]{4,6})) "\\"")');
    expect(gbnf("x$", 5, 9)).toBe(`("\\"" (${ANY}{4,8} ([x])) "\\"")`);
    expect(gbnf("^(\\d+\\.\\d+.*)$", 0, 6)).toBe('("\\"" (([0-9]{1,4} [.] [0-9]{1} "")) "\\"")');
  });

  it('writes `"`, `\\` and control characters as JSON escapes when the pattern requires them', () => {
    expect(gbnf('^"\\\\\\n$')).toBe('("\\"" (("\\\\\\"" "\\\\\\\\" "\\\\n")) "\\"")');
    // Sets keep only their characters that need no escape.
    expect(gbnf('^[a"]$')).toBe('("\\"" (([a])) "\\"")');
  });

  it("writes ^ inside a class as \\x5E (llama.cpp's GBNF has no \\^)", () => {
    expect(gbnf("^[\\^a]$")).toBe('("\\"" (([\\x5Ea])) "\\"")');
  });

  it("rejects what it cannot generate exactly, naming it", () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ type: "string", pattern: "(?=a)b" }, /lookaround/],
      [{ type: "string", pattern: "(a+)b\\1" }, /backreference/],
      [{ type: "string", pattern: "a^b" }, /none of whose matches/],
      [{ type: "string", pattern: "\\bfoo" }, /lookaround or `\\b`/],
      [{ type: "string", pattern: "^\\d{5}$", maxLength: 3 }, /none of whose matches/],
      [{ type: "string", pattern: "^ab?$", minLength: 3 }, /none of whose matches/],
      [{ type: "string", pattern: "^a$", format: "date" }, /none of whose matches/],
      [{ type: "string", pattern: "[" }, /JavaScript cannot compile/],
    ];
    for (const [schema, message] of cases) expect(rejection(schema)).toMatch(message);
  });
});

const demo = useDemoEngine();

describe("pattern on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    { type: "string", pattern: "abc", maxLength: 20 },
    // Through the automaton route (string-automata.ts): a resolved backreference, an anchor inside a
    // branch, lengths the repetition counts cannot keep, a format and a pattern at once.
    { type: "string", pattern: "(a)\\1", maxLength: 6 },
    { type: "string", pattern: "^([^,]|$)", maxLength: 6 },
    { type: "string", pattern: "[0-9a-fA-F]+", minLength: 12, maxLength: 12 },
    { type: "string", format: "date", pattern: "-0[1-6]-" },
    { type: "string", pattern: "[0-9]+" },
    { type: "string", pattern: "^[a-z0-9-]+$", maxLength: 8 },
    { type: "string", pattern: "^[a-z]+$", minLength: 4, maxLength: 6 },
    { type: "string", pattern: '^a"\\\\b\\n$' },
    { type: "string", pattern: '["\\\\]' },
    { type: "string", pattern: "^[^a-z]{3,5}$" },
    { type: "string", pattern: "^.{2,4}$" },
    { type: "string", pattern: "^[\\^a-c]{2}$" },
    { type: "string", pattern: "x$", minLength: 5, maxLength: 9 },
    { type: "string", pattern: "^(\\{[\\w\\-]+\\})|([\\w\\-]+)$" },
    { type: "string", pattern: "^(\\d+\\.\\d+\\.\\d+.*)$", maxLength: 12 },
    { type: "string", pattern: "[a-zA-Z]{3}", minLength: 3, maxLength: 3 },
    { type: "string", pattern: "^$|^(([0-9]|[1-9][0-9]|1[0-9]{2}|2[0-4][0-9]|25[0-5])\\.){3}[0-9]$" },
    {
      type: "object",
      properties: { id: { type: "string", pattern: "^[a-f0-9]{8}-[a-f0-9]{4}$" }, n: { type: "integer" } },
      required: ["id", "n"],
    },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with a JSON value." }]);

  for (const schema of schemas) {
    it(JSON.stringify(schema), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 200 });
    });
  }

  it("lets text surround an unanchored match", { timeout: 60_000 }, async () => {
    const schema = { type: "string", pattern: "abc", maxLength: 12 };
    const values = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const out = await demo.engine.completion({
        prompt,
        maxTokens: 40,
        constraint: { kind: "json", schema },
        sampling: sampling(seed),
      });
      values.add(JSON.parse(out.text) as string);
    }
    for (const v of values) expect(v).toContain("abc");
    expect([...values].some((v) => v !== "abc")).toBe(true);
  });
});
