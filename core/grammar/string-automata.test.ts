import { Words } from "refa";
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { RegexUnsupported } from "./regex-ast.js";
import { ANCHORS, MAX_STATES, patternsDfa } from "./string-automata.js";
import { conjoinPatterns, negatePattern } from "./string-pattern-text.js";

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
