import { describe, expect, it } from "vitest";
import { fitLengths, lengths } from "./pattern-lengths.js";
import { complement, parseRegex, RegexUnsupported, shortestMatch } from "./regex-ast.js";

describe("regex → syntax tree (Unicode mode)", () => {
  it("reads classes as code-point ranges, negations as complements without surrogates", () => {
    expect(parseRegex("[a-c\\d_]")).toEqual({
      kind: "set",
      ranges: [
        [0x30, 0x39],
        [0x5f, 0x5f],
        [0x61, 0x63],
      ],
    });
    expect(parseRegex("[^\\n]")).toEqual({ kind: "set", ranges: complement([[10, 10]]) });
    expect(complement([[10, 10]])).toEqual([
      [0, 9],
      [11, 0xd7ff],
      [0xe000, 0x10ffff],
    ]);
    expect(parseRegex("\\u{1F600}")).toEqual({ kind: "set", ranges: [[0x1f600, 0x1f600]] });
  });

  it("keeps anchors, groups and quantifiers as nodes", () => {
    expect(parseRegex("^(?:ab)+?|c{2,}$")).toEqual({
      kind: "alt",
      items: [
        {
          kind: "seq",
          items: [
            { kind: "start" },
            {
              kind: "repeat",
              item: {
                kind: "seq",
                items: [
                  { kind: "set", ranges: [[97, 97]] },
                  { kind: "set", ranges: [[98, 98]] },
                ],
              },
              min: 1,
              max: undefined,
            },
          ],
        },
        {
          kind: "seq",
          items: [
            { kind: "repeat", item: { kind: "set", ranges: [[99, 99]] }, min: 2, max: undefined },
            { kind: "end" },
          ],
        },
      ],
    });
  });

  it("rejects lookaround, backreferences, word boundaries and property escapes", () => {
    for (const p of ["(?=a)", "(?<!a)b", "(a)\\1", "\\bx", "\\p{L}", "\\k<n>(?<n>a)"]) {
      expect(() => parseRegex(p), p).toThrow(RegexUnsupported);
    }
  });

  it("narrows to the regex constraint's subset with `strict`, and only then", () => {
    expect(parseRegex("[\\s\\S]")).toEqual({ kind: "set", ranges: complement([]) });
    expect(parseRegex("\\cJ[[]")).toEqual({
      kind: "seq",
      items: [
        { kind: "set", ranges: [[10, 10]] },
        { kind: "set", ranges: [[0x5b, 0x5b]] },
      ],
    });
    expect(parseRegex("\\u{0000041}")).toEqual({ kind: "set", ranges: [[0x41, 0x41]] });
    const strict: Array<[string, RegExp]> = [
      ["[\\s\\S]", /\\S inside a class/],
      ["[[]", /nested class/],
      ["\\cJ", /escape \\c/],
      ["\\u{0000041}", /malformed \\u escape/],
    ];
    for (const [p, message] of strict) expect(() => parseRegex(p, { strict: true }), p).toThrow(message);
    expect(() => parseRegex("\\uD83D\\uDE00")).toThrow(/surrogate escape/);
  });

  it("measures match lengths and narrows repetitions into length bounds", () => {
    expect(lengths(parseRegex("ab?(cd|e){2}"))).toEqual([3, 6]);
    expect(lengths(parseRegex("a+"))).toEqual([1, Infinity]);
    expect(lengths(fitLengths(parseRegex("[a-z]+-[0-9]*"), 5, 9))).toEqual([5, 9]);
    expect(() => fitLengths(parseRegex("abc"), 4, 9)).toThrow(RegexUnsupported);
  });
});

describe("length narrowing limits", () => {
  it("lowers a count above llama.cpp's limit when the bounds allow, keeping unbounded ones otherwise", () => {
    expect(lengths(fitLengths(parseRegex("^[a-z]+$"), 0, 5000))).toEqual([1, 999]);
    expect(fitLengths(parseRegex("[a-z]+"), 3, Infinity)).toMatchObject({
      items: [{ kind: "repeat", min: 3, max: undefined }],
    });
  });
});

describe("shortest matches", () => {
  it("takes minimum counts, the shortest branch and printable characters", () => {
    expect(shortestMatch(parseRegex("^iglu:"))).toBe("iglu:");
    expect(shortestMatch(parseRegex("^(abc|d)x{2,}[\\s\\S]?$"))).toBe("dxx");
    expect(shortestMatch(parseRegex("[^a]"))).toBe("!");
  });
});
