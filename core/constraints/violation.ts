import { DeliberateError } from "../errors.js";

/** How much of a breaking answer travels in the error: enough to debug, never a whole answer cap. */
export const VIOLATION_OUTPUT_CHARS = 4096;

/** The answer cut to `max` UTF-16 units, never between the halves of a surrogate pair. */
export function truncateOutput(text: string, max = VIOLATION_OUTPUT_CHARS): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1] ?? "") ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

/** constraint_violation on the final step, carrying the text that broke the constraint. */
export function constraintViolation(message: string, answer: string, cause?: unknown): DeliberateError {
  return new DeliberateError("constraint_violation", message, {
    step: "final",
    output: truncateOutput(answer),
    ...(cause === undefined ? {} : { cause }),
  });
}
