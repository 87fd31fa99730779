import { describe, expect, it } from "vitest";
import type { GrammarError } from "./errors.js";
import { choiceToGbnf, gbnfLiteral, regexToGbnf } from "./regex-to-gbnf.js";
import { CHAT_PROMPT, sampling, useDemoEngine } from "../engines/llamacpp/test-support.js";

const demo = useDemoEngine();

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as GrammarError).code;
  }
  return undefined;
};

describe("regex → GBNF: the supported subset, checked by sampling on the real engine", () => {
  const patterns = [
    "abc",
    "^[a-z]{2,5}$",
    "\\d{3}-\\d{4}",
    "(cat|dog|bird)s?",
    "[A-F0-9]+",
    "x*y+z?",
    "(?:ab){2}c{1,}",
    "[^a-z\\n]{3}",
    "\\w+@\\w+\\.(com|org)",
    "a.b",
    "[\\d\\s_-]{2,4}",
    "(?<year>\\d{4})-(0[1-9]|1[0-2])",
    "\\$\\(\\)\\[\\]\\{\\}\\.\\*\\+\\?\\|\\^\\\\",
    'say "hi"',
    "\\x41\\u0042\\t",
    "(yes|no|)",
    "[^]{2}",
    "a{0,3}?b",
    "[\\^a]+",
    "[a^]{3}",
    "[\\[\\]^-]{2,4}",
    "^(?:ab|c)d|e$",
    "(x{2}){2}|[é-ë]",
  ];
  for (const pattern of patterns) {
    it(`/${pattern}/: every finished output matches, and at least one finished`, async () => {
      const re = new RegExp(`^(?:${pattern})$`, "u");
      let checked = 0;
      for (const seed of [1, 2, 3, 4, 5, 6]) {
        const out = await demo.engine.completion({
          prompt: CHAT_PROMPT,
          maxTokens: 256,
          constraint: { kind: "regex", pattern },
          sampling: sampling(seed, 1),
        });
        // An unbounded pattern may run to the cap; its text is a prefix, not a whole match.
        if (out.finishReason === "length") continue;
        expect(out.text).toMatch(re);
        if (++checked === 3) break;
      }
      expect(checked).toBeGreaterThanOrEqual(1);
    });
  }
});

describe("regex → GBNF: what is rejected", () => {
  it("rejects features outside the subset with schema_unsupported naming them", () => {
    const cases: Array<[string, RegExp]> = [
      ["(a)\\1", /escape \\1/],
      ["(?=a)a", /lookaround/],
      ["(?<!a)b", /lookaround/],
      ["\\bword\\b", /escape \\b/],
      ["a^b", /anchor in the middle/],
      ["a$b", /anchor in the middle/],
      ["[\\D]", /\\D inside a class/],
      ["a{3000}", /count above 2000/],
      ["[]", /empty class/],
      ["(a$)", /anchor in the middle/],
      ["^a|^b", /anchor in the middle/],
      ["\\uD83D\\uDE00", /surrogate escape/],
      ["[\\s\\S]", /\\S inside a class/],
      ["[[]", /nested class/],
      ["\\cJ", /escape \\c/],
      ["\\u{0000041}", /malformed \\u escape/],
    ];
    for (const [pattern, message] of cases) {
      expect(() => regexToGbnf(pattern), pattern).toThrow(message);
      expect(code(() => regexToGbnf(pattern))).toBe("schema_unsupported");
    }
  });

  it("answers invalid_request for a regex that does not compile at all", () => {
    expect(code(() => regexToGbnf("(unclosed"))).toBe("invalid_request");
    expect(code(() => regexToGbnf("a{2,1}"))).toBe("invalid_request");
  });
});

describe("GBNF literals and choices", () => {
  it("escapes quotes, backslashes and control characters", () => {
    expect(gbnfLiteral('a"b\\c\nd\u0001')).toBe('"a\\"b\\\\c\\x0Ad\\x01"');
    expect(choiceToGbnf(["x", 'y"'])).toBe('root ::= "x" | "y\\""\n');
    expect(code(() => choiceToGbnf([]))).toBe("invalid_request");
  });

  it("writes ^ and [ inside a class as \\x escapes (llama.cpp's GBNF has no \\^)", () => {
    expect(regexToGbnf("[\\^a]+")).toBe("root ::= [\\x5Ea]+\n");
    expect(regexToGbnf("[a^\\[]")).toBe("root ::= [\\x5B\\x5Ea]\n");
  });
});
