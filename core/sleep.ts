/**
 * The one pause of the code base: node's promise timer, which an AbortSignal ends at once. An
 * abort rejects with the signal's reason (what the caller aborted with), not node's AbortError.
 */
import { setTimeout as delay } from "node:timers/promises";

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}
