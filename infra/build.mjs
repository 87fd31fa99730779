// Bundles the container's deploy tools into dist/deploy/*.cjs (CommonJS, because the AWS SDK's
// CommonJS dependencies require() node builtins, which an ESM bundle cannot do).
// Usage: node infra/build.mjs [outdir]   (default dist/deploy)
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Output name → source. scripts/entrypoint.sh and scripts/vllm-launch.sh call dist/deploy/<name>.cjs. */
export const ENTRIES = {
  "vllm-args": "scripts/vllm-args-cli.ts",
  secrets: "infra/secrets/cli.ts",
  "check-config": "infra/check-config.ts",
};

export async function buildDeployTools(outdir = path.join(root, "dist", "deploy")) {
  await build({
    entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([k, v]) => [k, path.join(root, v)])),
    outdir,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outExtension: { ".js": ".cjs" },
    legalComments: "none",
    logLevel: "warning",
  });
  return outdir;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildDeployTools(process.argv[2] ? path.resolve(process.argv[2]) : undefined);
  console.log(`deploy tools bundled into ${path.relative(process.cwd(), out) || "."}`);
}
