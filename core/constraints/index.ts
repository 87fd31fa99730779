/**
 * Constraints: normalising `structured_outputs` and validating a final answer after decoding.
 * (Initial version; see prepare.ts/validate.ts once split.)
 */
import type { Constraint } from "../engine.js";
import { DeliberateError } from "../errors.js";
import type { ConstraintKind, StructuredOutputs } from "../protocol.js";

export interface CheckedAnswer {
  output: unknown;
  /** False when the answer was taken as the engine produced it (grammar). */
  checked: boolean;
}

export interface PreparedConstraint {
  constraint: Constraint;
  kind: Exclude<ConstraintKind, "none">;
  /** Throws constraint_violation when the answer breaks the constraint. */
  validate(text: string): CheckedAnswer;
}

export function prepareConstraint(so: StructuredOutputs | undefined): PreparedConstraint | undefined {
  if (so === undefined) return undefined;
  const keys = Object.keys(so).filter((k) => so[k as keyof StructuredOutputs] !== undefined);
  if (keys.length !== 1) {
    throw new DeliberateError(
      "invalid_request",
      "structured_outputs needs exactly one of json, regex, choice, grammar",
      {
        param: "structured_outputs",
      },
    );
  }
  if (so.regex !== undefined) {
    const re = new RegExp(`^(?:${so.regex})$`, "u");
    return {
      kind: "regex",
      constraint: { kind: "regex", pattern: so.regex },
      validate(text) {
        if (!re.test(text))
          throw new DeliberateError("constraint_violation", "the answer does not match the regex", {
            step: "final",
          });
        return { output: text, checked: true };
      },
    };
  }
  if (so.choice !== undefined) {
    const choices = so.choice;
    return {
      kind: "choice",
      constraint: { kind: "choice", choices },
      validate(text) {
        if (!choices.includes(text))
          throw new DeliberateError("constraint_violation", "the answer is not one of the choices", {
            step: "final",
          });
        return { output: text, checked: true };
      },
    };
  }
  if (so.grammar !== undefined) {
    return {
      kind: "grammar",
      constraint: { kind: "grammar", grammar: so.grammar },
      validate: (text) => ({ output: text, checked: false }),
    };
  }
  const schema = so.json as Record<string, unknown>;
  return {
    kind: "json",
    constraint: { kind: "json", schema },
    validate(text) {
      try {
        return { output: JSON.parse(text), checked: true };
      } catch {
        throw new DeliberateError("constraint_violation", "the answer is not valid JSON", { step: "final" });
      }
    },
  };
}
