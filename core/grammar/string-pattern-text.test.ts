import { describe, expect, it } from "vitest";
import { formatComplement } from "./json-string-formats.js";
import { unicodeSource } from "./string-pattern-text.js";
import { passes as validates } from "./test-support.js";

describe("unicodeSource and formatComplement", () => {
  it("rewrites a legacy-mode or case-insensitive RegExp as Unicode-mode source with the same matches", () => {
    const cases: Array<[string, string, string[]]> = [
      ["^[a-f]{2}\\_$", "", ["ab_", "AB_", "ab", "zz_"]],
      ["^urn:[0-9a-f]{2}$", "i", ["urn:ab", "URN:AB", "Urn:0F", "urn:ag", "urn:abc"]],
    ];
    for (const [source, flags, samples] of cases) {
      const rewritten = new RegExp(unicodeSource(source, flags), "u");
      for (const s of samples) expect(rewritten.test(s), s).toBe(new RegExp(source, flags).test(s));
    }
  });

  it("complements a format ajv-formats checks with a RegExp, and no other", () => {
    const samples = [
      "1.2.3.4",
      "256.1.1.1",
      "::1",
      "fe80::1",
      "x",
      "",
      "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
    ];
    samples.push("a.b", "a-.b", "-a.b", `${"a".repeat(64)}.b`);
    for (const format of ["ipv4", "ipv6", "uuid", "hostname"]) {
      const none = new RegExp(formatComplement(format)!, "u");
      for (const s of samples)
        expect(none.test(s), `${format} ${s}`).toBe(!validates({ type: "string", format }, s));
    }
    expect(formatComplement("date")).toBeUndefined();
    expect(formatComplement("not-a-format")).toBeUndefined();
  });
});
