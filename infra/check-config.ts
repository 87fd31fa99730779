/**
 * `node dist/deploy/check-config.cjs`: validates the container's whole configuration before supervisord
 * starts anything, so a typo fails the container at once with every problem listed, instead of after a
 * multi-minute model load. Checks the orchestrator's config (handlers/shared/config.ts) and both vLLM servers'
 * arguments (scripts/vllm-args.ts). Exit 0 "config: ok", or 1 with the problems on stderr.
 */
import { ConfigError, parseConfig } from "../handlers/shared/config.js";
import { buildVllmArgs } from "../scripts/vllm-args.js";

export function containerConfigProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  try {
    parseConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems);
  }
  for (const role of ["main", "embed"] as const) {
    try {
      buildVllmArgs(env, role);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      // Both roles share checks (GPU memory, REASONING_PARSER): report each problem once.
      for (const p of err.problems) if (!problems.includes(p)) problems.push(p);
    }
  }
  return problems;
}

export function runCheckConfig(
  env: Record<string, string | undefined>,
  out: (t: string) => void,
  err: (t: string) => void,
): number {
  const problems = containerConfigProblems(env);
  if (problems.length === 0) {
    out("config: ok\n");
    return 0;
  }
  err(`config: invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}\n`);
  return 1;
}

// Bundled as CJS by infra/build.mjs; `require.main === module` is the bundle's own entry check.
if (typeof require !== "undefined" && require.main === module) {
  process.exitCode = runCheckConfig(
    process.env,
    (t) => process.stdout.write(t),
    (t) => process.stderr.write(t),
  );
}
