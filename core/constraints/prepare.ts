/**
 * The constraint front door: normalises `structured_outputs` into one engine Constraint plus the
 * validator of the final answer. It runs before anything is hashed or sent to an engine, for every
 * engine and transport; everything that can be refused up front is refused here, with `param`
 * naming the field. First the value's shape (depth, non-finite numbers, lone surrogates), then
 * each kind's bounds (grammar/, regex-bounds.ts, prepare-json.ts).
 */
import type { Constraint } from "../engine.js";
import { DeliberateError } from "../errors.js";
import type { ConstraintKind, StructuredOutputs } from "../protocol.js";
import { kib, LIMITS, utf8Bytes } from "./bounds.js";
import { canonicalJson } from "./canonical-json.js";
import { readGrammar } from "./grammar/index.js";
import { checkConstraintInput } from "./input-check.js";
import { validateJsonAnswer } from "./json-schema.js";
import { prepareJsonSchema } from "./prepare-json.js";
import { clip, compileRegexConstraint, validateRegexAnswer } from "./regex.js";
import { regexBoundsProblem } from "./regex-bounds.js";
import { constraintViolation } from "./violation.js";

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
  /** The canonical text of the constraint: equal for equal constraints, distinct otherwise. */
  key: string;
  /** Reported in the result; never a reason to refuse (e.g. unknown schema keywords). */
  warnings: string[];
}

export const CONSTRAINT_KEYS = ["json", "regex", "choice", "grammar"] as const;

const invalid = (param: string, message: string) =>
  new DeliberateError("invalid_request", message, { param });

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function prepareConstraint(so: StructuredOutputs | undefined): PreparedConstraint | undefined {
  if (so === undefined) return undefined;
  // Callers normally pass a zod-parsed object, but RunPod inputs and tests may not: check shapes here.
  const raw: unknown = so;
  if (!isPlainObject(raw)) throw invalid("structured_outputs", "structured_outputs must be an object");
  const unknownKeys = Object.keys(raw).filter((k) => !(CONSTRAINT_KEYS as readonly string[]).includes(k));
  if (unknownKeys.length > 0) {
    throw invalid(
      `structured_outputs.${unknownKeys[0]}`,
      `structured_outputs has an unsupported key "${unknownKeys[0]}" (use one of json, regex, choice, grammar)`,
    );
  }
  const keys = CONSTRAINT_KEYS.filter((k) => raw[k] !== undefined);
  if (keys.length !== 1) {
    throw invalid(
      "structured_outputs",
      `structured_outputs needs exactly one of json, regex, choice, grammar (got ${keys.length === 0 ? "none" : keys.join(", ")})`,
    );
  }
  const key = keys[0]!;
  checkConstraintInput(raw[key], `structured_outputs.${key}`, {
    maxDepth: LIMITS.schemaDepth,
    maxNodes: LIMITS.constraintNodes,
  });
  const prepared = prepareKind(key, raw[key]);
  return { ...prepared, key: `${key}:${canonicalJson(raw[key])}`, warnings: prepared.warnings ?? [] };
}

type Prepared = Omit<PreparedConstraint, "key" | "warnings"> & { warnings?: string[] };

function prepareKind(key: (typeof CONSTRAINT_KEYS)[number], value: unknown): Prepared {
  switch (key) {
    case "json":
      return prepareJson(value);
    case "regex":
      return prepareRegex(value);
    case "choice":
      return prepareChoice(value);
    case "grammar":
      return prepareGrammar(value);
  }
}

function prepareJson(value: unknown): Prepared {
  const param = "structured_outputs.json";
  if (!isPlainObject(value)) throw invalid(param, "structured_outputs.json must be a JSON Schema object");
  const { compiled, warnings } = prepareJsonSchema(value);
  return {
    kind: "json",
    constraint: { kind: "json", schema: value },
    validate: (answer) => ({ output: validateJsonAnswer(compiled, answer), checked: true }),
    warnings,
  };
}

function prepareRegex(value: unknown): Prepared {
  const param = "structured_outputs.regex";
  if (typeof value !== "string") throw invalid(param, "structured_outputs.regex must be a string");
  if (value === "") throw invalid(param, "structured_outputs.regex must not be empty");
  if (utf8Bytes(value) > LIMITS.regexBytes) {
    throw invalid(param, `structured_outputs.regex is longer than ${kib(LIMITS.regexBytes)}`);
  }
  const bounds = regexBoundsProblem(value);
  if (bounds) {
    throw new DeliberateError(
      "schema_unsupported",
      `structured_outputs.regex is too complex: ${bounds.problem} (at offset ${bounds.at})`,
      { param },
    );
  }
  const re = compileRegexConstraint(value);
  return {
    kind: "regex",
    constraint: { kind: "regex", pattern: value },
    validate: (answer) => ({ output: validateRegexAnswer(re, value, answer), checked: true }),
  };
}

function prepareChoice(value: unknown): Prepared {
  const param = "structured_outputs.choice";
  if (!Array.isArray(value)) throw invalid(param, "structured_outputs.choice must be a list of strings");
  if (value.length === 0) throw invalid(param, "structured_outputs.choice must not be empty");
  if (value.length > LIMITS.choiceCount) {
    throw invalid(param, `structured_outputs.choice has more than ${LIMITS.choiceCount} entries`);
  }
  const seen = new Set<string>();
  value.forEach((entry, index) => {
    const at = `structured_outputs.choice[${index}]`;
    if (typeof entry !== "string") throw invalid(param, `${at} must be a string`);
    // An empty answer cannot be told apart from no answer at all.
    if (entry === "") throw invalid(param, `${at} must not be empty`);
    if (utf8Bytes(entry) > LIMITS.choiceBytes) {
      throw invalid(param, `${at} is longer than ${kib(LIMITS.choiceBytes)}`);
    }
    // A duplicate is harmless to the engine but almost always a mistake in the caller's list.
    if (seen.has(entry)) throw invalid(param, `${at} repeats ${JSON.stringify(clip(entry))}`);
    seen.add(entry);
  });
  const choices = [...seen];
  return {
    kind: "choice",
    constraint: { kind: "choice", choices },
    validate(answer) {
      if (!seen.has(answer)) {
        throw constraintViolation(
          `the answer ${JSON.stringify(clip(answer))} is not one of the ${choices.length} choices`,
          answer,
        );
      }
      return { output: answer, checked: true };
    },
  };
}

function prepareGrammar(value: unknown): Prepared {
  const param = "structured_outputs.grammar";
  if (typeof value !== "string") throw invalid(param, "structured_outputs.grammar must be a string");
  if (value.trim() === "") throw invalid(param, "structured_outputs.grammar must not be empty");
  if (utf8Bytes(value) > LIMITS.grammarBytes) {
    throw invalid(param, `structured_outputs.grammar is larger than ${kib(LIMITS.grammarBytes)}`);
  }
  readGrammar(value);
  return {
    kind: "grammar",
    constraint: { kind: "grammar", grammar: value },
    // No grammar matcher here: the answer is taken as the engine produced it, and the result says so.
    validate: (answer) => ({ output: answer, checked: false }),
  };
}
