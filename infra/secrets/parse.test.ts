import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatExports, mergeWithEnvironment, secretToVariables, SecretsError } from "./parse.js";

/**
 * The names BUILD_AND_DEPLOY.md says a secret may not set: each listed name, one name under each listed
 * prefix, and a lower-cased one (the comparison ignores case).
 */
function documentedReservedNames(): string[] {
  const doc = readFileSync(new URL("../../BUILD_AND_DEPLOY.md", import.meta.url), "utf8");
  const item = doc.slice(doc.indexOf("- Names that would change"), doc.indexOf("- Plain string:"));
  const names = [...item.slice(0, item.indexOf("and anything")).matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]!);
  const prefixes = [...item.slice(item.indexOf("and anything")).matchAll(/`([A-Z]+_)`/g)].map((m) => m[1]!);
  return [...names, ...prefixes.map((p) => `${p}X`), "ld_preload"];
}

describe("secret text to variables", () => {
  const ok: Array<[string, string, string | undefined, Record<string, string>]> = [
    [
      "a JSON object",
      `{"ORCH_API_KEY":"k","HF_TOKEN":"hf"}`,
      undefined,
      { ORCH_API_KEY: "k", HF_TOKEN: "hf" },
    ],
    [
      "numbers and booleans become strings",
      `{"ORCH_DRAIN_S": 45, "ORCH_ENABLE_REQUEST_LOGS": true}`,
      undefined,
      { ORCH_DRAIN_S: "45", ORCH_ENABLE_REQUEST_LOGS: "true" },
    ],
    ["surrounding whitespace", `  {"A":"1"}\n`, undefined, { A: "1" }],
    [
      "a plain string is the API key by default",
      "plain-key-0123456789",
      undefined,
      { ORCH_API_KEY: "plain-key-0123456789" },
    ],
    ["a plain string for a named variable", " hf_abc \n", "HF_TOKEN", { HF_TOKEN: "hf_abc" }],
    ["a number-like plain string stays a string", "12345", undefined, { ORCH_API_KEY: "12345" }],
  ];
  it.each(ok)("%s", (_n, text, plainVar, expected) => {
    expect(secretToVariables(text, "app/config", plainVar)).toEqual(expected);
  });

  const bad: Array<[string, string, RegExp]> = [
    ["broken JSON", `{"ORCH_API_KEY": "s3cr3t-value",}`, /is not valid JSON \(at position \d+/],
    ["an array", `["a"]`, /must be a JSON object/],
    ["a nested object", `{"A": {"b": 1}}`, /A must be a string/],
    ["a null value", `{"A": null}`, /A must be a string/],
    ["a bad variable name", `{"MY-VAR": "x"}`, /"MY-VAR" is not a valid variable name/],
    ["an empty secret", "   ", /is empty/],
  ];
  it.each(bad)("rejects %s", (_n, text, pattern) => {
    expect(() => secretToVariables(text, "app/config")).toThrow(pattern);
  });

  it.each(documentedReservedNames())("refuses %s from a JSON secret, naming it but not its value", (name) => {
    const text = JSON.stringify({ ORCH_API_KEY: "k", [name]: "/tmp/s3cr3t-value" });
    let message = "";
    try {
      secretToVariables(text, "app/config");
    } catch (err) {
      expect(err).toBeInstanceOf(SecretsError);
      message = (err as Error).message;
    }
    expect(message).toContain(`secret app/config: ${name} may not be set from a secret`);
    expect(message).not.toContain("s3cr3t");
  });

  it("refuses a reserved name for a plain secret", () => {
    expect(() => secretToVariables("plain-value", "app/config", "LD_PRELOAD")).toThrow(
      /^ORCH_SECRETS_VAR: LD_PRELOAD may not be set from a secret/,
    );
  });

  it("still accepts ordinary names that merely contain a reserved one", () => {
    expect(
      secretToVariables(`{"MY_PATH":"a","HF_HOME":"b","XLD_X":"c","ORCH_HOME_URL":"d"}`, "app/config"),
    ).toEqual({ MY_PATH: "a", HF_HOME: "b", XLD_X: "c", ORCH_HOME_URL: "d" });
  });

  it("never echoes the secret in its errors", () => {
    try {
      secretToVariables(`{"ORCH_API_KEY": "s3cr3t-value", oops}`, "app/config");
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(SecretsError);
      expect((err as Error).message).not.toContain("s3cr3t");
    }
  });
});

describe("export lines", () => {
  it("single-quotes values so a shell reads them back unchanged", () => {
    expect(formatExports({ A: 'it\'s $HOME `x` "q"\nline2' })).toBe(
      `export A='it'\\''s $HOME \`x\` "q"\nline2'\n`,
    );
  });

  it("rejects a NUL byte", () => {
    expect(() => formatExports({ A: "a\0b" })).toThrow(/NUL/);
  });

  it("keeps variables already set in the environment", () => {
    expect(mergeWithEnvironment({ A: "1", B: "2", C: "3" }, { A: "env", B: " " })).toEqual({
      exported: { B: "2", C: "3" },
      kept: ["A"],
    });
  });
});
