/**
 * Patches to the GBNF node-llama-cpp writes for a JSON schema, each for a mismatch with the
 * validator, plus the markers through which json-schema*.ts pass GBNF node-llama-cpp cannot write
 * (number ranges, string patterns).
 */

/**
 * Such GBNF is passed through node-llama-cpp as a string constant holding a reserved marker text
 * with the GBNF hex-encoded; patchJsonGrammar then puts the GBNF in the constant's place.
 */
export const MARKER_PREFIX = "__deliberate_";
export const gbnfMarker = (gbnf: string) =>
  `${MARKER_PREFIX}gbnf_${Buffer.from(gbnf, "utf8").toString("hex")}__`;

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
  return patched.replace(/"\\"__deliberate_gbnf_([0-9a-f]+)__\\""/g, (_all, hex: string) =>
    Buffer.from(hex, "hex").toString("utf8"),
  );
}
