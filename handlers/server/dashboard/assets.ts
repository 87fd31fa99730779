/**
 * The dashboard's browser script. The build writes it beside the server bundle
 * (dist/dashboard.js, see scripts/build.mjs); run from source (tests, tsx) it is bundled once in
 * memory with esbuild from client/main.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const CLIENT_ENTRY = fileURLToPath(new URL("./client/main.ts", import.meta.url));

let script: Promise<string> | undefined;

async function load(): Promise<string> {
  const built = fileURLToPath(new URL("./dashboard.js", import.meta.url));
  if (existsSync(built)) return readFileSync(built, "utf8");
  const { build } = await import("esbuild");
  const result = await build({
    entryPoints: [CLIENT_ENTRY],
    bundle: true,
    write: false,
    format: "iife",
    platform: "browser",
    target: "es2020",
    minify: true,
    loader: { ".css": "text" },
  });
  return result.outputFiles[0]!.text;
}

export function dashboardScript(): Promise<string> {
  script ??= load().catch((err) => {
    script = undefined;
    throw err;
  });
  return script;
}
