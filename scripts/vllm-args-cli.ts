/**
 * `node dist/deploy/vllm-args.cjs main|embed`: prints the `vllm serve` arguments for one role as
 * shell-quoted words on one line, for scripts/vllm-launch.sh to `eval`.
 * Exit codes: 0 arguments printed; 2 invalid settings (listed on stderr); 3 role disabled.
 */
import { ConfigError } from "../handlers/shared/config.js";
import { buildVllmArgs, shellQuote, type VllmRole } from "./vllm-args.js";

export const EXIT_INVALID = 2;
export const EXIT_DISABLED = 3;

export function runVllmArgsCli(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (text: string) => void,
  err: (text: string) => void,
): number {
  const role = argv[0];
  if (role !== "main" && role !== "embed") {
    err("usage: vllm-args main|embed\n");
    return EXIT_INVALID;
  }
  try {
    const plan = buildVllmArgs(env, role as VllmRole);
    if (!plan.enabled) {
      err(`vllm-args: ${role} server disabled: ${plan.reason}\n`);
      return EXIT_DISABLED;
    }
    out(`${plan.args.map(shellQuote).join(" ")}\n`);
    return 0;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`vllm-args: ${e.message}\n`);
    return EXIT_INVALID;
  }
}

// Bundled as CJS by infra/build.mjs; `require.main === module` is the bundle's own entry check.
if (typeof require !== "undefined" && require.main === module) {
  process.exitCode = runVllmArgsCli(
    process.argv.slice(2),
    process.env,
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
