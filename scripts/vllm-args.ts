/**
 * Environment → `vllm serve` arguments, for the two vLLM servers the container can run.
 * Pure and dependency-free (in the style of worker-vllm's args builder) so it is tested without vLLM.
 *
 * Roles: `main` serves MODEL_NAME on 127.0.0.1:8000 for the pipeline; `embed` serves EMBEDDING_MODEL on
 * 127.0.0.1:8001 with the pooling runner, and is disabled when EMBEDDING_MODEL is unset.
 * Secrets (HF_TOKEN, VLLM_API_KEY) reach vLLM through the environment, never the command line, because
 * command lines end up in logs and in `ps`.
 */
import { ConfigError } from "../handlers/shared/config.js";

export type VllmRole = "main" | "embed";
export type VllmPlan = { enabled: true; args: string[] } | { enabled: false; reason: string };
type Env = Record<string, string | undefined>;

export const VLLM_HOST = "127.0.0.1";
export const MAIN_PORT = 8000;
export const EMBED_PORT = 8001;
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;
export const DEFAULT_EMBEDDING_GPU_SHARE = 0.1;

/**
 * Flags VLLM_EXTRA_ARGS may not carry, with the reason. A reasoning parser silently disables constraints
 * on /v1/completions (README, Engines); the others are wired by the container or are secrets.
 * Names are normalised like vLLM's FlexibleArgumentParser does (`_` → `-`); we also lower-case them.
 */
const FORBIDDEN_FLAGS: Array<[flag: string, why: string]> = [
  ["--enable-reasoning", "Deliberate splits thinking itself; never enable vLLM's reasoning parser"],
  [
    // Only takes effect with a reasoning parser (the thinking budget's delimiters); without one it would
    // suggest a server-side budget that never runs. Deliberate budgets thinking in the client.
    "--reasoning-config",
    "it only works with a reasoning parser, which Deliberate never enables (thinking is budgeted by Deliberate)",
  ],
  [
    "--config",
    "flags must be given directly so they can be checked (a config file could enable a reasoning parser)",
  ],
  ["--host", "the container binds vLLM to 127.0.0.1; only the orchestrator is exposed"],
  ["--port", "the ports are fixed (8000 main, 8001 embeddings) because the orchestrator is wired to them"],
  ["--uds", "the orchestrator reaches vLLM over TCP"],
  ["--model", "set MODEL_NAME / EMBEDDING_MODEL instead"],
  ["--served-model-name", "the served name is the model name the orchestrator asks for"],
  ["--hf-token", "secrets stay off the command line: set HF_TOKEN in the environment"],
  ["--api-key", "secrets stay off the command line: set VLLM_API_KEY in the environment"],
];

const REASONING_WHY =
  "Deliberate splits thinking itself; with a reasoning parser vLLM stops enforcing constraints";

/**
 * vLLM's parser is argparse with abbreviations allowed (FlexibleArgumentParser does not pass
 * `allow_abbrev=False`), so `--hos` means `--host` when unambiguous. A flag name of two or more characters
 * that is a proper prefix of a forbidden flag is refused: such a word is either that flag or an ambiguous
 * abbreviation vLLM would reject anyway, and no real vLLM flag is a prefix of a forbidden one.
 */
const MIN_ABBREVIATION = "--xx".length;

/**
 * `--structured-outputs-config` carries the `reasoning_parser` and `enable_in_reasoning` fields, as JSON or as
 * dotted keys (`--structured-outputs-config.reasoning_parser qwen3`). It has no short form: vLLM's only
 * one-letter flag in that area, `-O`, is the compilation config / optimisation level.
 */
const STRUCTURED_OUTPUTS_CONFIG = "--structured-outputs-config";

/** Splits like a POSIX shell without expansion: quotes, backslash escapes, whitespace. */
export function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === "\\" && i + 1 < text.length && '"\\$`\n'.includes(text[i + 1]!)) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === "\\") {
      if (i + 1 >= text.length) throw new Error("ends with a lone backslash");
      const next = text[++i]!;
      if (next !== "\n") word += next; // backslash-newline continues the line
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote === "'" ? "single" : "double"} quote`);
  if (inWord) words.push(word);
  return words;
}

/** Quotes one word for a POSIX shell (the launcher `eval`s the CLI's output). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A word as vLLM would read it: JSON `\uXXXX` escapes decoded (a JSON value could spell `reasoning\u005fparser`),
 * `_` → `-` (FlexibleArgumentParser does this for flag names; JSON keys are compared the same way), lower case.
 */
function normalise(word: string): string {
  return word
    .replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/_/g, "-")
    .toLowerCase();
}

/** The flag name of `--name`, `--name=value` or `--name.key.path value`, normalised; undefined otherwise. */
function flagName(word: string): string | undefined {
  if (!word.startsWith("--") || word === "--") return undefined;
  return normalise(word.split("=", 1)[0]!.split(".", 1)[0]!);
}

/** `flag` is `full` or an argparse abbreviation of it. */
function names(flag: string, full: string): boolean {
  return flag === full || (flag.length >= MIN_ABBREVIATION && full.startsWith(flag));
}

/** Why `words[i]` is refused, or undefined. `words[i + 1]` is the value of a flag given without `=`. */
function refusal(words: string[], i: number): string | undefined {
  const word = words[i]!;
  const flag = flagName(word);
  // Any word at all: a flag (`--reasoning-parser`, `--reasoning_parser-plugin`, a dotted
  // `--structured-outputs-config.reasoning_parser`) or a value (`{"reasoning_parser":"qwen3"}`).
  if (normalise(word).includes("reasoning-parser")) {
    return `${flag ?? "a value naming reasoning_parser"} is not allowed: ${REASONING_WHY}`;
  }
  if (!flag) return undefined;
  if (names(flag, "--reasoning-parser")) {
    return `${flag} (an abbreviation of --reasoning-parser) is not allowed: ${REASONING_WHY}`;
  }
  for (const [full, why] of FORBIDDEN_FLAGS) {
    if (flag === full) return `${flag} is not allowed: ${why}`;
    if (names(flag, full)) return `${flag} (an abbreviation of ${full}) is not allowed: ${why}`;
  }
  if (names(flag, STRUCTURED_OUTPUTS_CONFIG)) {
    // The key path and the value: `--x.enable_in_reasoning true`, `--x={"enable_in_reasoning":true}`,
    // `--x '{"enable_in_reasoning":true}'` (a reasoning_parser anywhere is refused above).
    const value = word.includes("=") ? "" : (words[i + 1] ?? "");
    if (normalise(`${word} ${value}`).includes("enable-in-reasoning")) {
      return `${flag} may not set enable_in_reasoning: ${REASONING_WHY}`;
    }
  }
  return undefined;
}

function extraArgs(env: Env, name: string, problems: string[]): string[] {
  const text = env[name]?.trim();
  if (!text) return [];
  let words: string[];
  try {
    words = splitShellWords(text);
  } catch (err) {
    problems.push(`${name}: ${(err as Error).message}`);
    return [];
  }
  for (let i = 0; i < words.length; i++) {
    const why = refusal(words, i);
    if (why) problems.push(`${name}: ${why}`);
  }
  return words;
}

function intVar(env: Env, name: string, min: number, max: number, problems: string[]): number | undefined {
  const text = env[name]?.trim();
  if (!text) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) {
    problems.push(`${name}: must be a whole number from ${min} to ${max}, got "${text}"`);
    return undefined;
  }
  return Number(text);
}

function fractionVar(env: Env, name: string, fallback: number, problems: string[]): number {
  const text = env[name]?.trim();
  if (!text) return fallback;
  const value = Number(text);
  if (!/^\d*\.?\d+$/.test(text) || value <= 0 || value > 1) {
    problems.push(`${name}: must be a fraction in (0, 1], got "${text}"`);
    return fallback;
  }
  return value;
}

/** Avoids 0.7999999999 on the command line. */
const fmt = (n: number) => String(Number(n.toFixed(4)));

/** GPU memory fractions: GPU_MEMORY_UTILIZATION is the budget of all vLLM servers together. */
function memorySplit(env: Env, problems: string[]): { main: number; embed: number } {
  const total = fractionVar(env, "GPU_MEMORY_UTILIZATION", DEFAULT_GPU_MEMORY_UTILIZATION, problems);
  if (!env.EMBEDDING_MODEL?.trim()) return { main: total, embed: 0 };
  const embed = fractionVar(env, "EMBEDDING_GPU_MEMORY_UTILIZATION", DEFAULT_EMBEDDING_GPU_SHARE, problems);
  if (total - embed < 0.05) {
    problems.push(
      `EMBEDDING_GPU_MEMORY_UTILIZATION (${fmt(embed)}) leaves too little of GPU_MEMORY_UTILIZATION (${fmt(total)}) for the main model`,
    );
  }
  return { main: total - embed, embed };
}

/** The arguments after `vllm serve` for one role; throws a ConfigError listing every problem. */
export function buildVllmArgs(env: Env, role: VllmRole): VllmPlan {
  const problems: string[] = [];
  if (env.REASONING_PARSER?.trim()) {
    problems.push(
      "REASONING_PARSER: not supported: Deliberate splits thinking itself and needs vLLM without one",
    );
  }
  const memory = memorySplit(env, problems);
  let args: string[];
  if (role === "main") {
    const model = env.MODEL_NAME?.trim();
    if (!model) problems.push("MODEL_NAME: required (the model vLLM serves)");
    const tp = intVar(env, "TENSOR_PARALLEL", 1, 64, problems) ?? 1;
    const maxLen = intVar(env, "MAX_MODEL_LEN", 1, 100_000_000, problems);
    args = [
      model ?? "",
      ...["--served-model-name", model ?? ""],
      ...["--host", VLLM_HOST, "--port", String(MAIN_PORT)],
      ...["--tensor-parallel-size", String(tp)],
      ...["--gpu-memory-utilization", fmt(memory.main)],
      ...(maxLen ? ["--max-model-len", String(maxLen)] : []),
      // Makes usage.prompt_tokens_details.cached_tokens appear, so steps report prefix-cache hits.
      "--enable-prompt-tokens-details",
      ...extraArgs(env, "VLLM_EXTRA_ARGS", problems),
    ];
  } else {
    const model = env.EMBEDDING_MODEL?.trim();
    if (!model) {
      if (problems.length > 0) throw new ConfigError(problems, "invalid vLLM settings");
      return { enabled: false, reason: "EMBEDDING_MODEL is not set" };
    }
    const maxLen = intVar(env, "EMBEDDING_MAX_MODEL_LEN", 1, 100_000_000, problems);
    args = [
      model,
      ...["--served-model-name", model],
      ...["--host", VLLM_HOST, "--port", String(EMBED_PORT)],
      ...["--runner", "pooling"],
      ...["--gpu-memory-utilization", fmt(memory.embed)],
      ...(maxLen ? ["--max-model-len", String(maxLen)] : []),
      ...extraArgs(env, "EMBEDDING_VLLM_EXTRA_ARGS", problems),
    ];
  }
  if (problems.length > 0) throw new ConfigError(problems, "invalid vLLM settings");
  return { enabled: true, args };
}
