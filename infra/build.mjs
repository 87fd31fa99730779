// Bundles the container's deploy tools into dist/deploy/*.cjs (CommonJS, because the AWS SDK's
// CommonJS dependencies require() node builtins, which an ESM bundle cannot do).
// Usage: node infra/build.mjs [outdir]   (default dist/deploy)
import { build } from "esbuild";
import { fileURLToPath } from "node:url";
import path from "node:path";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.resolve(process.argv[2] ?? path.join(root, "dist", "deploy"));

export const ENTRIES = {
  "vllm-args": "scripts/vllm-args-cli.ts",
  secrets: "infra/secrets/cli.ts",
  "check-config": "infra/check-config.ts",
};

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
console.log(`deploy tools bundled into ${path.relative(process.cwd(), outdir) || "."}`);
