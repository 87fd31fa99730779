/**
 * The pipelines-at-once limit from vLLM's own queue (ORCH_ADAPTIVE_CONCURRENCY): vLLM runs up to
 * its batch and queues the rest itself. A request waiting there starts the moment a batch slot
 * frees, so a short queue keeps the GPU busy; an empty one while we hold requests back leaves slots
 * idle; a long one only adds latency that our own queue holds as well, and where a cancel costs
 * nothing. Pure: handlers/server/adapt-to-vllm.ts reads vLLM's /metrics and applies the answer.
 */

export interface AdaptInput {
  /** The limit now. */
  limit: number;
  /** vLLM's `vllm:num_requests_running` and `vllm:num_requests_waiting`. */
  vllmRunning: number;
  vllmWaiting: number;
  /** Requests waiting in our own queue. */
  ourWaiting: number;
  min: number;
  max: number;
}

/** The most vLLM's queue may hold and still count as short: a few requests, or 1/16 of its batch. */
export function shortQueue(vllmRunning: number): number {
  return Math.max(2, Math.ceil(vllmRunning / 16));
}

/** The next limit: up by an eighth while vLLM waits on nothing and we hold work back, down while its queue is long. */
export function adaptConcurrency(input: AdaptInput): number {
  const { limit, vllmWaiting } = input;
  const step = Math.max(1, Math.ceil(limit / 8));
  const short = shortQueue(input.vllmRunning);
  let next = limit;
  if (vllmWaiting === 0 && input.ourWaiting > 0) next = limit + step;
  else if (vllmWaiting > short) next = limit - Math.min(step, vllmWaiting - short);
  return Math.min(input.max, Math.max(input.min, next));
}
