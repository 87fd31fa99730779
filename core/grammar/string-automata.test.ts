import { Words } from "refa";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { RegexUnsupported } from "./regex-ast.js";
import { ANCHORS, MAX_STATES, patternsDfa } from "./string-automata.js";
import { conjoinPatterns, negatePattern } from "./string-pattern-text.js";
import { passes as passes2, rejection } from "./test-support.js";

/** Whether the string passes every pattern as the validator reads it (Unicode mode, a search). */
const passes = (patterns: string[], s: string) => patterns.every((p) => new RegExp(p, "u").test(s));

/** The automaton's verdict on a string (read as `^ w $`, as string-automata.ts encodes it). */
const accepts = (dfa: ReturnType<typeof patternsDfa>, s: string) =>
  dfa.test([...Array(ANCHORS).fill(0xfffe), ...Words.fromStringToUTF16(s), ...Array(ANCHORS).fill(0xffff)]);

describe("patternsDfa", () => {
  it("agrees with RegExp on anchors inside a branch, conjunctions and negations", () => {
    const cases = [
      ["^([^,]|$)"],
      ["(^|-)ab($|-)"],
      ["customer", negatePattern("maker")!],
      [conjoinPatterns(["^[a-z0-9-]+$", negatePattern("^[0-9-]+$")!])!],
      [negatePattern("^[0-9a-f]{2}$")!, negatePattern("^[0-9A-F]{2}$")!],
      ["a|^b$"],
      ["^^a$$"],
      ["^(?=.{1,3}$)[a-z]+"],
      [negatePattern("^(?=.{1,3}$)[a-z]+")!],
      [conjoinPatterns(["^(?!b)", negatePattern("^(?=a)(?!ab)")!])!],
      [negatePattern("^^a$$")!],
      [
        negatePattern(
          "^(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)$",
        )!,
      ],
    ];
    const alphabet = [
      "",
      "1.2.3.4",
      "255.",
      "a",
      "b",
      ",",
      "-",
      "0",
      "F",
      "ab",
      "-ab-",
      "xab",
      "ab-",
      "maker",
      "customer",
    ];
    const rand = mulberry32(3);
    for (const patterns of cases) {
      const dfa = patternsDfa(patterns);
      for (let i = 0; i < 300; i++) {
        const s = Array.from(
          { length: Math.floor(rand() * 4) },
          () => alphabet[Math.floor(rand() * alphabet.length)],
        ).join("");
        expect(accepts(dfa, s), `${JSON.stringify(s)} against ${patterns.join(" ∧ ")}`).toBe(
          passes(patterns, s),
        );
      }
    }
  });

  it("keeps each pattern's own backreferences when patterns are combined", () => {
    const both = conjoinPatterns(["(a)", "(b)\\1"])!;
    for (const s of ["abb", "aba", "bb"])
      expect(new RegExp(both, "u").test(s), s).toBe(/(a)/.test(s) && /(b)\1/.test(s));
    expect(accepts(patternsDfa([both]), "abb")).toBe(true);
    expect(accepts(patternsDfa([both]), "aba")).toBe(false);
  });

  it("reads a conjunction of conjunctions as all of their terms", () => {
    const both = conjoinPatterns([conjoinPatterns(["a", "b"])!, negatePattern("c")!])!;
    expect(new RegExp(both, "u").test("ba")).toBe(true);
    expect(new RegExp(both, "u").test("bac")).toBe(false);
    expect(accepts(patternsDfa([both]), "ba")).toBe(true);
    expect(accepts(patternsDfa([both]), "bac")).toBe(false);
  });

  it("refuses a negation whose automaton is exponential, at the state bound", () => {
    expect(() => patternsDfa([negatePattern("(a|b)*a(a|b){20}")!])).toThrow(RegexUnsupported);
    expect(() => patternsDfa([negatePattern("(a|b)*a(a|b){20}")!])).toThrow(`${MAX_STATES} states`);
  });

  it("narrows a positive search past the bound to matches at the start, where a subset may be taken", () => {
    const pattern = "a.{15}b";
    expect(() => patternsDfa([pattern])).toThrow(RegexUnsupported);
    const narrowed = patternsDfa([pattern], "subset");
    const start = `a${"x".repeat(15)}b`;
    expect(accepts(narrowed, start)).toBe(true);
    expect(accepts(narrowed, `${start}ab`)).toBe(true);
    // A match that does not start the string is left out (a subset), and a non-match stays out.
    expect(accepts(narrowed, `c${start}`)).toBe(false);
    expect(accepts(narrowed, "b".repeat(30))).toBe(false);
  });

  it("refuses a lookaround of the pattern's own and a backreference", () => {
    expect(() => patternsDfa(["a(?=b)"])).toThrow("lookaround");
    expect(() => patternsDfa(["(a+)b\\1"])).toThrow(RegexUnsupported);
  });
});

describe("patternsDfa on the empty string", () => {
  const PIECES = ["^", "$", "(?:^|a)", "$^", "a", "b", "(?:a|$)", "a?", "(?:$|^)", "b*", "(?:$a?^)"];
  const STRINGS = [
    "",
    "a",
    "b",
    "aa",
    "ab",
    "ba",
    "bb",
    "aab",
    "aba",
    "abb",
    "baa",
    "bab",
    "bba",
    "bbb",
    "aaa",
  ];

  function randomPattern(rand: () => number): string {
    const piece = () => PIECES[Math.floor(rand() * PIECES.length)]!;
    const run = () => Array.from({ length: 1 + Math.floor(rand() * 3) }, piece).join("");
    const roll = rand();
    // Lookaheads only right after a leading `^` (the form string-automata.ts reads).
    if (roll < 0.2) return `^(?=${run()})${run()}`;
    if (roll < 0.4) return `^(?!${run()})${run()}`;
    if (roll < 0.55) return `${run()}|${run()}`;
    return run();
  }

  it("agrees with RegExp on random anchor patterns, strings of length 0 to 3", () => {
    const rand = mulberry32(11);
    let compared = 0;
    for (let i = 0; i < 400; i++) {
      const pattern = randomPattern(rand);
      let dfa: ReturnType<typeof patternsDfa>;
      let negated: ReturnType<typeof patternsDfa>;
      try {
        dfa = patternsDfa([pattern]);
        // Under a negation too (json-schema-not.ts writes `not: {pattern}` so).
        negated = patternsDfa([negatePattern(pattern)!]);
      } catch (err) {
        expect(err).toBeInstanceOf(RegexUnsupported);
        continue;
      }
      for (const s of STRINGS)
        expect(accepts(dfa, s), `${JSON.stringify(s)} against ${pattern}`).toBe(passes([pattern], s));
      for (const s of STRINGS)
        expect(accepts(negated, s), `${JSON.stringify(s)} against not ${pattern}`).toBe(
          !passes([pattern], s),
        );
      compared++;
    }
    expect(compared).toBeGreaterThan(200);
  });

  it("keeps the empty string out of a schema whose `not` pattern matches it only there", () => {
    for (const schema of [
      { type: "string", maxLength: 0, not: { pattern: "$^" } },
      { type: "string", maxLength: 0, oneOf: [{ pattern: "$^" }, { pattern: "^$" }] },
    ]) {
      expect(passes2(schema, "")).toBe(false);
      expect(rejection(schema)).toContain("cannot enforce");
    }
    expect(passes2({ not: { pattern: "x|$^" } }, "")).toBe(false);
    expect(accepts(patternsDfa([negatePattern("x|$^")!]), "")).toBe(false);
    expect(accepts(patternsDfa([negatePattern("x|$^")!]), "y")).toBe(true);
  });
});
