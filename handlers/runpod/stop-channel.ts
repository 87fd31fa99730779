/**
 * The job-stop long poll: the platform answers the ids of jobs to stop (cancel,
 * expiry, execution timeout); each one's AbortController fires, which aborts its pipeline.
 */
import { type JobApiClient, sleep } from "./job-api-client.js";
import type { WorkerTimings } from "./worker-config.js";
import type { Logger } from "pino";

export async function runStopChannel(
  client: JobApiClient,
  onStop: (ids: string[]) => void,
  timings: WorkerTimings,
  log: Logger,
  signal: AbortSignal,
): Promise<void> {
  if (!client.stopUrl) {
    log.info("job-take URL has no /job-take/ segment: the job-stop channel is off");
    return;
  }
  while (!signal.aborted) {
    const started = performance.now();
    const result = await client.pollStop(signal);
    if (signal.aborted) return;
    if (result.kind === "ids" && result.ids.length > 0) onStop(result.ids);
    if (result.kind === "backoff") await sleep(timings.backoffMs, signal);
    if (result.kind === "error") {
      log.warn({ err: result.message }, "job-stop poll failed");
      await sleep(timings.errorDelayMs, signal);
    }
    // A poll that returns at once must not turn into a busy loop.
    const elapsed = performance.now() - started;
    if (elapsed < timings.minPollIntervalMs) await sleep(timings.minPollIntervalMs - elapsed, signal);
  }
}
