import { describe, expect, it } from "vitest";
import { DeliberateError } from "../errors.js";
import { prepareConstraint } from "./index.js";
import { pythonRegexHint } from "./python-regex-hint.js";

describe("Python regex hints", () => {
  it.each([
    ["(?P<year>\\d{4})-\\d{2}", "(?<year>…)"],
    ["(?<y>a)(?P=y)", "\\k<y>"],
    ["(?i)abc", "spell the variants out"],
    ["\\Aabc", "^ in JavaScript"],
    ["abc\\Z", "$ in JavaScript"],
  ])("%s is refused as invalid_request, with the JavaScript spelling", (regex, spelling) => {
    let error: unknown;
    try {
      prepareConstraint({ regex });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DeliberateError);
    expect((error as DeliberateError).code).toBe("invalid_request");
    expect((error as DeliberateError).message).toContain(spelling);
  });

  it("says nothing about JavaScript syntax", () => {
    expect(pythonRegexHint("(?<year>\\d{4})")).toBeUndefined();
    expect(pythonRegexHint("a+b*")).toBeUndefined();
  });
});
