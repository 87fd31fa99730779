/**
 * `node dist/deploy/secrets.cjs [--output PATH]`: loads ORCH_SECRETS_ID and prints `export K='V'` lines
 * (or writes them to PATH, mode 0600) for scripts/entrypoint.sh to source. Names of the variables loaded
 * go to stderr; values never do. Exit 1 with one clear line on any failure; 0 and no output when
 * ORCH_SECRETS_ID is unset.
 *
 * (The flag is not called --env-file because Node 20 claims that one even after the script name.)
 * ORCH_SECRETS_VAR names the variable a plain-string secret becomes (default ORCH_API_KEY).
 */
import { writeFileSync } from "node:fs";
import { fetchSecretText } from "./fetch.js";
import {
  DEFAULT_PLAIN_VAR,
  formatExports,
  mergeWithEnvironment,
  secretToVariables,
  SecretsError,
} from "./parse.js";

export interface CliIo {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
}

export async function runSecretsCli(argv: string[], io: CliIo): Promise<number> {
  let outFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--output" && argv[i + 1]) outFile = argv[++i];
    else {
      io.err(`usage: secrets [--output PATH]\n`);
      return 2;
    }
  }
  const secretId = io.env.ORCH_SECRETS_ID?.trim();
  if (!secretId) return 0;
  try {
    const text = await fetchSecretText(secretId, { env: io.env });
    const plainVar = io.env.ORCH_SECRETS_VAR?.trim() || DEFAULT_PLAIN_VAR;
    const { exported, kept } = mergeWithEnvironment(secretToVariables(text, secretId, plainVar), io.env);
    const lines = formatExports(exported);
    if (outFile) writeFileSync(outFile, lines, { mode: 0o600 });
    else io.out(lines);
    const names = Object.keys(exported);
    io.err(`secrets: loaded ${names.length ? names.join(", ") : "no variables"} from ${secretId}\n`);
    if (kept.length) io.err(`secrets: kept from the environment (already set): ${kept.join(", ")}\n`);
    return 0;
  } catch (err) {
    if (err instanceof SecretsError) {
      io.err(`secrets: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

// Bundled as CJS by infra/build.mjs; `require.main === module` is the bundle's own entry check.
if (typeof require !== "undefined" && require.main === module) {
  runSecretsCli(process.argv.slice(2), {
    env: process.env,
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`secrets: unexpected failure: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    },
  );
}
