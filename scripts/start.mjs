/**
 * `npm start`: builds the bundles when a source is newer, then runs the server bundle, or the
 * RunPod worker's when ORCH_MODE=runpod. The bundle runs in this process, so SIGTERM reaches it.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const mode = (process.env.ORCH_MODE ?? "server").trim().toLowerCase() || "server";
const bundle = join(root, mode === "runpod" ? "dist/runpod-worker.js" : "dist/server.js");

try {
  const { buildAll } = await import("./build.mjs");
  await buildAll({ ifStale: true, quiet: true });
} catch (err) {
  // No esbuild (a production install): run the bundle that shipped.
  if (!existsSync(bundle)) throw err;
}
if (!existsSync(bundle)) {
  console.error(`start: ${bundle} does not exist (ORCH_MODE=${mode}); its entry is not written yet`);
  process.exit(1);
}
await import(pathToFileURL(bundle).href);
