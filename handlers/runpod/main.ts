/**
 * Entry of the RunPod serverless worker (`ORCH_MODE=runpod npm start`, dist/runpod-worker.js):
 * reads the environment once and runs the worker until SIGTERM; exit 0 after a clean drain.
 */
// The server's engine choice (vLLM when VLLM_URL is set, else embedded); shared until the lead's
// handlers/shared/engine-from-config.ts lands.
import { makeEngine } from "../server/make-engine.js";
import { runWorkerMain } from "./worker-process.js";

const code = await runWorkerMain(process.env, { createEngine: makeEngine });
process.exit(code);
