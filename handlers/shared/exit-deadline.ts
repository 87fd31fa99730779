/**
 * Makes shutdown end whatever the process is doing. Once armed, a timer on the main thread exits
 * the process (after flushing the log) when the deadline passes; a watchdog thread, which runs
 * even while native code holds the main thread, kills it two seconds later if that did not work.
 * Both are unref'd: a shutdown that finishes in time exits as usual.
 */
import { Worker } from "node:worker_threads";
import type { Logger } from "./logger.js";

export const FORCED_EXIT_CODE = 1;

const WATCHDOG = `
const { workerData } = require("node:worker_threads");
setTimeout(() => process.kill(workerData.pid, "SIGKILL"), workerData.ms);
`;

/** Returns the watchdog thread (undefined where threads are unavailable). */
export function armExitDeadline(ms: number, log: Logger): Worker | undefined {
  const timer = setTimeout(() => {
    log.error({ deadline_ms: ms }, "shutdown did not finish in time: exiting");
    log.flush(() => process.exit(FORCED_EXIT_CODE));
    // Should the flush callback never come.
    setTimeout(() => process.exit(FORCED_EXIT_CODE), 500).unref();
  }, ms);
  timer.unref();
  try {
    // execArgv: [] so that no loader (tsx, ...) of the main thread is needed to start it.
    const watchdog = new Worker(WATCHDOG, {
      eval: true,
      execArgv: [],
      workerData: { pid: process.pid, ms: ms + 2000 },
    });
    watchdog.unref();
    watchdog.on("error", () => {});
    return watchdog;
  } catch {
    // Without threads the main-thread timer still stands.
    return undefined;
  }
}

/** Node's own warnings become log records instead of raw stderr lines. */
export function logProcessWarnings(log: Logger): void {
  process.removeAllListeners("warning");
  process.on("warning", (warning) => log.warn({ err: warning }, "node warning"));
}
