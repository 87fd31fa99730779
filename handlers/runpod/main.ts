/**
 * Entry of the RunPod serverless worker (`ORCH_MODE=runpod npm start`, dist/runpod-worker.js):
 * runs the worker until SIGTERM; exit 0 after a clean drain, 2 for a configuration problem, 1 when
 * the engine cannot start.
 */
import { runWorkerProcess } from "./worker-process.js";

await runWorkerProcess(process.env);
