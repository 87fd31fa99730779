/**
 * The heartbeat: a ping every RUNPOD_PING_INTERVAL ms listing the jobs in flight, first one at
 * start (as runpod-python's heartbeat process does). Runs until `signal` fires.
 */
import { type JobApiClient, sleep } from "./job-api-client.js";

export async function runHeartbeat(
  client: JobApiClient,
  intervalMs: number,
  jobIds: () => string[],
  signal: AbortSignal,
): Promise<void> {
  while (!signal.aborted) {
    await client.ping(jobIds(), signal);
    await sleep(intervalMs, signal);
  }
}
