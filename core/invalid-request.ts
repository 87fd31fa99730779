/**
 * The one mapping from a zod failure to the wire's `invalid_request`: the WebSocket, HTTP and
 * RunPod paths all call it, so the same bad request gets the same `message` and `param` on each.
 */
import type { z } from "zod";
import { DeliberateError } from "./errors.js";

/** Problems listed in the message; the rest are counted. */
const LISTED = 3;

interface Problem {
  /** Dotted path of the offending field ("" for the request as a whole). */
  path: string;
  message: string;
}

/** Names clients bring from other APIs, and what Deliberate calls them. */
const INSTEAD: Record<string, string> = {
  max_tokens: "max_answer_tokens",
  max_completion_tokens: "max_answer_tokens",
  response_format: "structured_outputs (or send OpenAI's request to POST /v1/chat/completions)",
  reasoning_effort: "thinking_effort (or POST /v1/chat/completions, which takes reasoning_effort)",
  model: "nothing: the server serves one model (POST /v1/chat/completions accepts OpenAI's model field)",
  guided_json: "structured_outputs.json",
  guided_regex: "structured_outputs.regex",
  guided_choice: "structured_outputs.choice",
  guided_grammar: "structured_outputs.grammar",
  json_schema: "structured_outputs.json",
  schema: "structured_outputs.json",
};

const unknownField = (key: string) =>
  Object.hasOwn(INSTEAD, key) ? `unknown field; use ${INSTEAD[key]}` : "unknown field";

/** One problem per issue, and one per key for unknown keys, so each names its own field. */
function problems(error: z.ZodError, prefix: readonly string[]): Problem[] {
  return error.issues.flatMap((issue) => {
    const at = [...prefix, ...issue.path.map(String)];
    if (issue.code === "unrecognized_keys" && issue.keys.length > 0) {
      return issue.keys.map((key) => ({ path: [...at, key].join("."), message: unknownField(key) }));
    }
    return [{ path: at.join("."), message: issue.message }];
  });
}

/**
 * `invalid_request` for a failed parse. `param` names the first offending field (dotted path,
 * under `prefix` when the value sat inside a larger body); the message lists the first problems
 * as `path: problem`, separated by "; ".
 */
export function invalidRequest(error: z.ZodError, prefix: readonly string[] = []): DeliberateError {
  const all = problems(error, prefix);
  const lines = all.slice(0, LISTED).map((p) => (p.path ? `${p.path}: ${p.message}` : p.message));
  if (all.length > LISTED) lines.push(`and ${all.length - LISTED} more`);
  const param = all[0]?.path || prefix.join(".");
  return new DeliberateError("invalid_request", lines.join("; ") || "invalid request", {
    ...(param ? { param } : {}),
    cause: error,
  });
}

/** Parses `value` with `schema`, throwing `invalidRequest` on failure. */
export function parseOrInvalid<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: readonly string[] = [],
): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(parsed.error, prefix);
  return parsed.data;
}
