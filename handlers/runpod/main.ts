/**
 * Entry of the RunPod serverless worker (`ORCH_MODE=runpod npm start`, dist/runpod-worker.js):
 * reads the environment once and runs the worker until SIGTERM; exit 0 after a clean drain,
 * 2 for a configuration problem, 1 when the engine cannot start.
 */
// The server's engine choice (vLLM when VLLM_URL is set, else embedded); shared until the lead's
// handlers/shared/engine-from-config.ts lands.
import { createEngineFromConfig } from "../shared/engine-from-config.js";
import { runWorkerMain } from "./worker-process.js";

try {
  process.exit(await runWorkerMain(process.env, { createEngine: createEngineFromConfig }));
} catch (err) {
  process.stderr.write(`RunPod worker failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
