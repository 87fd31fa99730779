/**
 * Environment → `vllm serve` arguments, for the two vLLM servers the container can run.
 * Pure and dependency-free (in the style of worker-vllm's args builder) so it is tested without vLLM.
 *
 * Roles: `main` serves MODEL_NAME on 127.0.0.1:8000 for the pipeline; `embed` serves EMBEDDING_MODEL on
 * 127.0.0.1:8001 with the pooling runner, and is disabled when EMBEDDING_MODEL is unset.
 * Secrets (HF_TOKEN, VLLM_API_KEY) reach vLLM through the environment, never the command line, because
 * command lines end up in logs and in `ps`.
 */

export type VllmRole = "main" | "embed";
export type VllmPlan = { enabled: true; args: string[] } | { enabled: false; reason: string };
type Env = Record<string, string | undefined>;

export const VLLM_HOST = "127.0.0.1";
export const MAIN_PORT = 8000;
export const EMBED_PORT = 8001;
export const DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;
export const DEFAULT_EMBEDDING_GPU_SHARE = 0.1;

export class VllmArgsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid vLLM settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "VllmArgsError";
  }
}

/**
 * Flags VLLM_EXTRA_ARGS may not carry, with the reason. --reasoning-parser silently disables constraints
 * on /v1/completions (ARCHITECTURE §1); the others are wired by the container or are secrets.
 */
const FORBIDDEN_FLAGS: Array<[prefix: string, exact: boolean, why: string]> = [
  [
    "--reasoning-parser",
    false,
    "Deliberate splits thinking itself; with a reasoning parser vLLM stops enforcing constraints",
  ],
  ["--enable-reasoning", true, "Deliberate splits thinking itself; never enable vLLM's reasoning parser"],
  [
    "--config",
    true,
    "flags must be given directly so they can be checked (a config file could enable a reasoning parser)",
  ],
  ["--host", true, "the container binds vLLM to 127.0.0.1; only the orchestrator is exposed"],
  [
    "--port",
    true,
    "the ports are fixed (8000 main, 8001 embeddings) because the orchestrator is wired to them",
  ],
  ["--uds", true, "the orchestrator reaches vLLM over TCP"],
  ["--model", true, "set MODEL_NAME / EMBEDDING_MODEL instead"],
  ["--served-model-name", true, "the served name is the model name the orchestrator asks for"],
  ["--hf-token", true, "secrets stay off the command line: set HF_TOKEN in the environment"],
  ["--api-key", true, "secrets stay off the command line: set VLLM_API_KEY in the environment"],
];

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

/** vLLM's parser turns `--a_b` into `--a-b`, so compare normalised flag names. */
function flagName(word: string): string | undefined {
  if (!word.startsWith("--")) return undefined;
  return word.split("=", 1)[0]!.replace(/_/g, "-").toLowerCase();
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
  for (const word of words) {
    const flag = flagName(word);
    if (!flag) continue;
    const hit = FORBIDDEN_FLAGS.find(([prefix, exact]) =>
      exact ? flag === prefix : flag.startsWith(prefix),
    );
    if (hit) problems.push(`${name}: ${flag} is not allowed: ${hit[2]}`);
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

/** The arguments after `vllm serve` for one role; throws VllmArgsError listing every problem. */
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
      if (problems.length > 0) throw new VllmArgsError(problems);
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
  if (problems.length > 0) throw new VllmArgsError(problems);
  return { enabled: true, args };
}
