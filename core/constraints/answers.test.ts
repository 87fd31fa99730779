/** Validating final answers against regex and choice constraints; grammar answers pass unchecked. */
import { describe, expect, it } from "vitest";
import type { DeliberateError } from "../errors.js";
import { prepareConstraint } from "./index.js";

function verdict(so: Parameters<typeof prepareConstraint>[0], text: string): true | DeliberateError {
  try {
    prepareConstraint(so)!.validate(text);
    return true;
  } catch (err) {
    return err as DeliberateError;
  }
}

describe("regex answers", () => {
  it("must match the whole answer, not a part of it", () => {
    expect(verdict({ regex: "\\d{3}" }, "123")).toBe(true);
    for (const text of ["1234", "x123", "123\n", "12"]) {
      const err = verdict({ regex: "\\d{3}" }, text) as DeliberateError;
      expect(err.code).toBe("constraint_violation");
      expect(err.step).toBe("final");
      expect(err.message).toContain("does not fully match");
    }
  });

  it("anchors an alternation as a whole", () => {
    // Without a group around it, ^a|b$ would accept "ax" and "xb".
    expect(verdict({ regex: "a|b" }, "a")).toBe(true);
    expect(verdict({ regex: "a|b" }, "ax")).not.toBe(true);
    expect(verdict({ regex: "a|b" }, "xb")).not.toBe(true);
  });

  it("accepts patterns that carry their own anchors", () => {
    expect(verdict({ regex: "^(yes|no)$" }, "no")).toBe(true);
  });

  it("uses Unicode mode: classes of properties, astral characters as one", () => {
    expect(verdict({ regex: "\\p{L}+" }, "日本語")).toBe(true);
    expect(verdict({ regex: "." }, "😀")).toBe(true);
  });

  it("falls back to legacy mode for escapes Python accepts but Unicode mode refuses", () => {
    const regex = "[a-z]+\\-\\d";
    expect(() => new RegExp(regex, "u")).toThrow();
    expect(verdict({ regex }, "ab-1")).toBe(true);
    expect(verdict({ regex }, "ab1")).not.toBe(true);
  });

  it("returns the text itself as the output, checked", () => {
    expect(prepareConstraint({ regex: "[A-Z]{2}" })!.validate("OK")).toEqual({ output: "OK", checked: true });
  });

  it("refuses Python-only syntax up front (a dialect difference, documented in regex.ts)", () => {
    const err = (() => {
      try {
        prepareConstraint({ regex: "(?P<word>\\w+)" });
      } catch (e) {
        return e as DeliberateError;
      }
    })();
    expect(err?.code).toBe("invalid_request");
    expect(err?.param).toBe("structured_outputs.regex");
  });
});

describe("choice answers", () => {
  it("must be exactly one of the choices", () => {
    const so = { choice: ["positive", "negative", "neutral"] };
    expect(verdict(so, "neutral")).toBe(true);
    for (const text of ["Neutral", " neutral", "neutral\n", "neutr", ""]) {
      const err = verdict(so, text) as DeliberateError;
      expect(err.code).toBe("constraint_violation");
      expect(err.message).toContain("not one of the 3 choices");
    }
  });

  it("returns the choice as the output, checked", () => {
    expect(prepareConstraint({ choice: ["a", "b"] })!.validate("b")).toEqual({ output: "b", checked: true });
  });
});

describe("grammar answers", () => {
  it("are taken as the engine produced them, and say they were not checked", () => {
    const prepared = prepareConstraint({ grammar: 'root ::= "yes" | "no"' })!;
    expect(prepared.kind).toBe("grammar");
    expect(prepared.validate("maybe")).toEqual({ output: "maybe", checked: false });
  });
});
