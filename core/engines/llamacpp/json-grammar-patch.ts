/**
 * Patches to the GBNF node-llama-cpp writes for a JSON schema, each for a mismatch with the
 * validator, plus the markers through which json-schema-numbers.ts passes number ranges.
 */

/**
 * Number ranges node-llama-cpp cannot write are passed through it as string constants with a
 * reserved marker text, which patchJsonGrammar then replaces by the GBNF of the range.
 */
export const MARKER_PREFIX = "__deliberate_";
export const marker = (name: string) => `${MARKER_PREFIX}${name}__`;
/** A marker carrying ready GBNF (hex-encoded, so that it stays a plain constant for node-llama-cpp). */
export const gbnfMarker = (gbnf: string) => marker(`gbnf_${Buffer.from(gbnf, "utf8").toString("hex")}`);
const MARKER_GBNF: Array<[RegExp, (digits: number) => string]> = [
  [/uint_(\d+)/, (d) => `("0" | [1-9] [0-9]{0,${d - 1}})`],
  [/pint_(\d+)/, (d) => `([1-9] [0-9]{0,${d - 1}})`],
  [/unum/, () => '(("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})?)'],
];

/** Grammar patches, applied to the GBNF node-llama-cpp generates, each for a validator mismatch. */
export function patchJsonGrammar(gbnf: string): string {
  const patched = gbnf
    // Its exponent allows 16 digits (→ Infinity) and integers may take a negative exponent (→ 1e-5).
    .replace(/^integer-number-rule ::= .*$/m, 'integer-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15})')
    .replace(
      /^fractional-number-rule ::= .*$/m,
      'fractional-number-rule ::= "-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?',
    )
    // Days 29–31 are not valid in every month: generate 01–28 only.
    .replace(/\("0" \[1-9\] \| \[12\] \[0-9\] \| "3" \[01\]\)/g, '("0" [1-9] | "1" [0-9] | "2" [0-8])');
  // Markers last, so that the patches above never touch the GBNF they carry.
  return patched.replace(/"\\"__deliberate_([a-z0-9_]+?)__\\""/g, (_all, name: string) => {
    if (name.startsWith("gbnf_")) return Buffer.from(name.slice(5), "hex").toString("utf8");
    for (const [pattern, build] of MARKER_GBNF) {
      const match = pattern.exec(name);
      if (match) return build(Number(match[1] ?? 0));
    }
    throw new Error(`unknown grammar marker ${name}`);
  });
}
