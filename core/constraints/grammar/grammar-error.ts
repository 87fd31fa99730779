import { DeliberateError } from "../../errors.js";

/** "line 3, column 7" of an offset, counted from 1. */
export function lineColumn(text: string, at: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < at && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${at - lineStart + 1}`;
}

/** schema_unsupported for the grammar, naming the rule (when known) and where in the text. */
export function grammarError(
  text: string,
  at: number,
  rule: string | undefined,
  problem: string,
): DeliberateError {
  const where = `${rule === undefined ? "" : `rule "${rule}", `}${lineColumn(text, at)}`;
  return new DeliberateError("schema_unsupported", `the grammar cannot be used: ${problem} (${where})`, {
    param: "structured_outputs.grammar",
  });
}
