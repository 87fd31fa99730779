/**
 * Bundles each handler into one ESM file with esbuild: dist/server.js, dist/runpod-worker.js and the
 * engine host they fork, dist/engine-host.js.
 * A missing entry is skipped with a notice. Native and optional packages stay external.
 *   node scripts/build.mjs            build everything
 *   node scripts/build.mjs --if-stale build only when a source is newer than its bundle
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export const ENTRIES = [
  { entry: "handlers/server/main.ts", out: "dist/server.js" },
  { entry: "handlers/runpod/main.ts", out: "dist/runpod-worker.js" },
  // The embedded engine's host process, forked by both bundles from beside them.
  { entry: "core/engines/llamacpp/host/child.ts", out: "dist/engine-host.js" },
  // runs in the production image, which has no dev dependencies (no tsx)
  { entry: "scripts/decrypt-request-logs.ts", out: "dist/decrypt-request-logs.js" },
];

export const EXTERNAL = [
  "node-llama-cpp",
  "@node-llama-cpp/*",
  "@aws-sdk/*",
  "runpod-sdk",
  // ws's optional native speed-ups, loaded with try/require
  "bufferutil",
  "utf-8-validate",
  // pino's transports run in worker threads from files; we only log to stdout
  "pino-pretty",
  // only imported when the dashboard's script was not built beside the bundle (run from source)
  "esbuild",
];

/** Browser bundles, written beside the server bundle (handlers/server/dashboard/assets.ts reads it). */
export const BROWSER_ENTRIES = [
  { entry: "handlers/server/dashboard/client/main.ts", out: "dist/dashboard.js" },
];

// CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
const banner = {
  js: [
    "import { createRequire as __createRequire } from 'node:module';",
    "const require = __createRequire(import.meta.url);",
  ].join("\n"),
};

function newestSource(dir, newest = 0) {
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    if (name.name === "node_modules" || name.name.startsWith(".")) continue;
    const path = join(dir, name.name);
    if (name.isDirectory()) newest = newestSource(path, newest);
    else if (/\.(ts|mts|json)$/.test(name.name) && !name.name.endsWith(".test.ts")) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

export function isStale(out) {
  const bundle = resolve(root, out);
  if (!existsSync(bundle)) return true;
  const built = statSync(bundle).mtimeMs;
  const sources = Math.max(
    newestSource(join(root, "core")),
    newestSource(join(root, "handlers")),
    newestSource(join(root, "scripts")),
    statSync(join(root, "package.json")).mtimeMs,
  );
  return sources > built;
}

const NODE_OPTIONS = {
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  external: EXTERNAL,
  banner,
};
const BROWSER_OPTIONS = {
  platform: "browser",
  format: "iife",
  target: "es2020",
  minify: true,
  loader: { ".css": "text" },
};

/** `outDir` replaces dist/ (tests build their own copy so that parallel runs never share a file). */
export async function buildAll({ ifStale = false, quiet = false, outDir = undefined } = {}) {
  const built = [];
  const targets = [
    ...ENTRIES.map((e) => ({ ...e, options: NODE_OPTIONS })),
    ...BROWSER_ENTRIES.map((e) => ({ ...e, options: BROWSER_OPTIONS })),
  ];
  for (const { entry, out: path, options } of targets) {
    const out = outDir ? join(outDir, path.replace(/^dist\//, "")) : path;
    if (!existsSync(join(root, entry))) {
      if (!quiet) console.error(`build: skipping ${out}: ${entry} does not exist yet`);
      continue;
    }
    if (ifStale && !isStale(out)) continue;
    await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: out,
      bundle: true,
      logLevel: quiet ? "error" : "warning",
      legalComments: "none",
      ...options,
    });
    built.push(out);
    if (!quiet) console.error(`build: ${out}`);
  }
  return built;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildAll({ ifStale: process.argv.includes("--if-stale") }).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
