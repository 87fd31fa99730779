import { describe, expect, it } from "vitest";
import { lowerJsonSchema } from "./json-schema.js";
import { unicodePattern, withUnicodePatterns } from "./legacy-pattern.js";
import { passes } from "./test-support.js";

/** Legacy-only patterns (most from the corpus), their rewrite, and strings each matches. */
const CASES: Array<[string, string, string[]]> = [
  ["^4\\-.*", "^4-", ["4-", "4-abc"]],
  ["^PUBMED:\\{d}", "^PUBMED:\\{d\\}", ["PUBMED:{d}"]],
  ["^[[a-z]*[-]?[a-z]*]*$", "^[[a-z]*[-]?[a-z]*\\]*$", ["ab-cd]]", "[[x"]],
  ["^[\\w\\-_]+\\@x$", "^[\\w\\-_]+@x$", ["a_b-c@x"]],
  [
    "^mailto:[\\w\\_\\~\\!\\$\\&\\'\\,\\;\\=\\:.-]+@[\\w.-]+$",
    "^mailto:[\\w_~!\\$&',;=:.-]+@[\\w.-]+$",
    ["mailto:a.b@c.d"],
  ],
  ["^(\\d{4}T\\d{2}\\:\\d{2})$", "^(\\d{4}T\\d{2}:\\d{2})$", ["2024T10:30"]],
  ["^[\\w-.]+$", "^[\\w\\-.]+$", ["a-b.c"]],
  ["^\\u{2}\\-$", "^u{2}-$", ["uu-"]],
  ["a{,3}b", "a\\{,3\\}b", ["a{,3}b"]],
];

/** Strings near the examples: each with one character deleted, doubled or replaced. */
function near(examples: string[], alphabet: string[]): string[] {
  const out = [...examples, "", "😀", "\n"];
  for (const e of examples) {
    for (let i = 0; i <= e.length; i++) {
      out.push(e.slice(0, i) + e.slice(i + 1), e.slice(0, i) + e[i] + e.slice(i));
      for (const c of alphabet)
        out.push(e.slice(0, i) + c + e.slice(i + 1), `${e.slice(0, i)}${c}${e.slice(i)}`);
    }
  }
  return out;
}

describe("unicodePattern: a legacy-only pattern as the Unicode-mode pattern that matches the same strings", () => {
  it.each(CASES)("%s → %s", (legacy, unicode, examples) => {
    expect(() => new RegExp(legacy, "u")).toThrow();
    expect(unicodePattern(legacy)).toBe(unicode);
    const before = new RegExp(legacy);
    const after = new RegExp(unicode, "u");
    const alphabet = [...new Set([...legacy, "😀", "é", " ", "-", "]", "{", "}"])];
    for (const example of examples) expect(before.test(example), example).toBe(true);
    for (const s of near(examples, alphabet)) expect(after.test(s), JSON.stringify(s)).toBe(before.test(s));
  });

  it("keeps a pattern Unicode mode compiles, and refuses what no rewrite matches exactly", () => {
    expect(unicodePattern("^a.b\\-$")).toBeUndefined(); // legacy `.` is a UTF-16 unit
    expect(unicodePattern("^[^a]\\-$")).toBeUndefined(); // so is a negated class
    expect(unicodePattern("^\\S\\-$")).toBeUndefined();
    expect(unicodePattern("^(a)\\1\\-$")).toBeUndefined(); // a back-reference (or an octal escape)
    expect(unicodePattern("^\\\\.*")).toBe("^\\\\.*"); // compiles as it is
    expect(unicodePattern("^\\-\\\\.*")).toBe("^-\\\\"); // an escaped backslash before the final `.*`
    expect(unicodePattern("(")).toBeUndefined(); // legacy mode does not compile it either
    expect(unicodePattern(`^\\-${".*".repeat(5000)}`)).toBe("^-"); // every final `.*`, in one pass
    expect(unicodePattern("^\\-\\.*?")).toBe("^-\\.*?"); // an escaped dot is a character
  });

  it("rewrites every pattern and patternProperties name the validator reads, so the grammar accepts them", () => {
    const schema = {
      type: "object",
      properties: { id: { type: "string", pattern: "^4\\-[0-9]{2}$" } },
      patternProperties: { "^x\\-": { type: "integer" } },
      additionalProperties: false,
      required: ["id"],
    };
    const rewritten = withUnicodePatterns(structuredClone(schema));
    expect(rewritten.properties).toEqual({ id: { type: "string", pattern: "^4-[0-9]{2}$" } });
    expect(Object.keys(rewritten.patternProperties as object)).toEqual(["^x-"]);
    expect(() => lowerJsonSchema(schema)).not.toThrow();
    expect(passes(schema, { id: "4-12", "x-a": 1 })).toBe(true);
  });
});
