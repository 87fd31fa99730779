/**
 * Turns a Secrets Manager secret's text into environment variables, and those into shell `export` lines.
 * Pure. Error messages never contain the secret's value: they end up in container logs.
 */

export class SecretsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SecretsError";
  }
}

export const DEFAULT_PLAIN_VAR = "ORCH_API_KEY";
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Names a secret may not set (compared upper-cased). The entrypoint `eval`s the exports in bash before
 * anything else runs, so these would change how the shell, the dynamic loader, Node or Python behave
 * (PATH, LD_PRELOAD, BASH_ENV, NODE_OPTIONS, PYTHONPATH...), fake the shell's own state (HOME, PWD, UID...),
 * or rewire the container's internals (DELIBERATE_*, SUPERVISOR_*, FATAL_MARKER).
 */
const RESERVED_NAMES = new Set([
  "PATH",
  "ENV",
  "IFS",
  "PS4",
  "SHELLOPTS",
  "BASHOPTS",
  "HOME",
  "PWD",
  "OLDPWD",
  "UID",
  "EUID",
  "PPID",
  "GROUPS",
  "NODE_OPTIONS",
  "NODE_PATH",
  "PYTHONPATH",
  "PYTHONHOME",
  "PYTHONSTARTUP",
  "FATAL_MARKER",
]);
const RESERVED_PREFIXES = ["LD_", "BASH_", "DELIBERATE_", "SUPERVISOR_"];

/** Why `name` may not come from a secret, or undefined. Names the variable only, never a value. */
function reservedName(name: string): string | undefined {
  const upper = name.toUpperCase();
  const prefix = RESERVED_PREFIXES.find((p) => upper.startsWith(p));
  if (RESERVED_NAMES.has(upper) || prefix) {
    return (
      `${name} may not be set from a secret: ${prefix ? `${prefix}* variables` : "it"} ` +
      "would change how the container's shell, loader or programs run"
    );
  }
  return undefined;
}

/**
 * A secret is either a JSON object of variables (`{"ORCH_API_KEY": "...", "HF_TOKEN": "..."}`) or a plain
 * string, which becomes the one variable `plainVar` names. Text starting with `{` must be a valid object,
 * so a typo in a JSON secret is an error rather than an API key that happens to be JSON.
 */
export function secretToVariables(
  text: string,
  secretId: string,
  plainVar: string = DEFAULT_PLAIN_VAR,
): Record<string, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch (err) {
      // JSON.parse's message quotes the text near the error: keep only its position.
      const where = /position \d+(?: \(line \d+ column \d+\))?/.exec((err as Error).message)?.[0];
      throw new SecretsError(
        `secret ${secretId} is not valid JSON${where ? ` (at ${where})` : ""}; ` +
          `store a JSON object of variables, or a plain string for ${plainVar}`,
      );
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw new SecretsError(`secret ${secretId} must be a JSON object of variables, not an array`);
    }
    const vars: Record<string, string> = {};
    const problems: string[] = [];
    for (const [key, value] of Object.entries(parsed)) {
      const reserved = reservedName(key);
      if (!NAME.test(key)) problems.push(`"${key}" is not a valid variable name`);
      else if (reserved) problems.push(reserved);
      else if (typeof value === "string") vars[key] = value;
      else if (typeof value === "number" || typeof value === "boolean") vars[key] = String(value);
      else problems.push(`${key} must be a string, number or boolean`);
    }
    if (problems.length > 0) throw new SecretsError(`secret ${secretId}: ${problems.join("; ")}`);
    return vars;
  }
  if (!NAME.test(plainVar))
    throw new SecretsError(`ORCH_SECRETS_VAR "${plainVar}" is not a valid variable name`);
  const reserved = reservedName(plainVar);
  if (reserved) throw new SecretsError(`ORCH_SECRETS_VAR: ${reserved}`);
  if (trimmed === "") throw new SecretsError(`secret ${secretId} is empty`);
  return { [plainVar]: trimmed };
}

/** Single-quotes a value for a POSIX shell: safe for any byte but NUL. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function formatExports(vars: Record<string, string>): string {
  return Object.entries(vars)
    .map(([k, v]) => {
      if (v.includes("\0")) throw new SecretsError(`${k} contains a NUL byte, which no environment can hold`);
      return `export ${k}=${shellQuote(v)}\n`;
    })
    .join("");
}

/**
 * Variables already set (non-empty) in the environment win over the secret, so an operator can override one
 * value for a task without editing the shared secret. Returns what to export and what was kept.
 */
export function mergeWithEnvironment(
  vars: Record<string, string>,
  env: Record<string, string | undefined>,
): { exported: Record<string, string>; kept: string[] } {
  const exported: Record<string, string> = {};
  const kept: string[] = [];
  for (const [k, v] of Object.entries(vars)) {
    if (env[k]?.trim()) kept.push(k);
    else exported[k] = v;
  }
  return { exported, kept };
}
