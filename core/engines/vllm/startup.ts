/**
 * Start-up checks: a version that has `structured_outputs`, the served model and its context
 * length, and a canary proving constraints are really enforced — enforcement failures are
 * otherwise silent (HTTP 200 with unconstrained text). A failure that waiting cannot heal is a
 * StartupFatalError; anything else (refused, 5xx, timeouts) is retried by waitUntilReady.
 */
import type { CompletionCall, CompletionOutput } from "../../engine.js";
import { DeliberateError } from "../../errors.js";
import { ASSISTANT_PREFIX, noThinkPrompt, renderConversation } from "../../prompt.js";

/**
 * structured_outputs was merged before v0.10.2 was tagged but first released in v0.11.0; at
 * 0.10.2 the field is accepted and silently dropped.
 */
export const MIN_VERSION: readonly [number, number, number] = [0, 11, 0];

/** A start-up failure that cannot heal (wrong model, too old, constraints off, refused): stop. */
export class StartupFatalError extends DeliberateError {
  constructor(message: string) {
    super("engine_error", message);
    this.name = "StartupFatalError";
  }
}

export const NOT_ENFORCED = "structured outputs are not enforced (is vLLM running with --reasoning-parser?)";

/** `0.25.1`, `v0.11.0`, `0.10.2rc1`, `0.11.1.dev12+gabc` → major, minor, patch; else undefined. */
export function parseVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

/** Fails closed: an old or unreadable version is refused with a message saying what is needed. */
export function checkVersion(json: unknown): string {
  const raw = (json as { version?: unknown } | null)?.version;
  const need = MIN_VERSION.join(".");
  const parsed = typeof raw === "string" ? parseVersion(raw) : undefined;
  if (!parsed) {
    throw new StartupFatalError(
      `vLLM reports version ${JSON.stringify(raw ?? null)}, which Deliberate cannot read; ` +
        `it needs vLLM ${need} or later (structured_outputs), so it will not start`,
    );
  }
  for (let i = 0; i < 3; i++) {
    if (parsed[i]! > MIN_VERSION[i]!) break;
    if (parsed[i]! < MIN_VERSION[i]!) {
      throw new StartupFatalError(
        `vLLM ${raw} is too old: Deliberate needs ${need} or later, the first version with structured_outputs`,
      );
    }
  }
  return raw as string;
}

/** The served model's card in GET /v1/models, and its context length. */
export function findModel(json: unknown, model: string): number {
  const data = (json as { data?: unknown } | null)?.data;
  const cards = Array.isArray(data) ? (data as { id?: unknown; max_model_len?: unknown }[]) : [];
  const card = cards.find((c) => c?.id === model);
  if (!card) {
    const served = cards.map((c) => String(c?.id)).join(", ") || "none";
    throw new StartupFatalError(
      `vLLM does not serve the model \`${model}\` (it serves: ${served}); set MODEL_NAME to the served name`,
    );
  }
  const len = card.max_model_len;
  if (typeof len !== "number" || !Number.isInteger(len) || len <= 0) {
    throw new StartupFatalError(`vLLM's /v1/models gives no max_model_len for \`${model}\``);
  }
  return len;
}

/**
 * The canary asks for a word and constrains the answer to three digits: a server that enforces
 * the constraint answers digits, one that does not answers the word (or starts thinking), so only
 * an enforcing server can pass.
 */
const CANARY_MESSAGES = [{ role: "user" as const, content: "Reply with the word OK." }];
export const CANARY_REGEX = "[0-9]{3}";

/**
 * Two prompts: the final step's shape (ending `</think>\n\n`) and a bare assistant prefix, which
 * also exposes a configured reasoning parser (with one, vLLM stops enforcing the constraint).
 */
export const CANARY_PROMPTS: readonly string[] = [
  noThinkPrompt(CANARY_MESSAGES),
  renderConversation(CANARY_MESSAGES) + ASSISTANT_PREFIX,
];

export function canaryCall(prompt: string, signal?: AbortSignal): CompletionCall {
  return {
    prompt,
    // Three digits are three tokens in Qwen's tokenizer; one more lets the end of text through.
    maxTokens: 4,
    constraint: { kind: "regex", pattern: CANARY_REGEX },
    // Greedy: top_k 1 is valid on every version (older ones reject 0).
    sampling: { temperature: 0, topP: 1, topK: 1, minP: 0, seed: 0 },
    ...(signal ? { signal } : {}),
  };
}

export function checkCanary(output: CompletionOutput): void {
  if (!new RegExp(`^(?:${CANARY_REGEX})$`).test(output.text)) {
    throw new StartupFatalError(
      `${NOT_ENFORCED}: a completion constrained to the regex "${CANARY_REGEX}" returned ${JSON.stringify(output.text.slice(0, 80))}`,
    );
  }
}
