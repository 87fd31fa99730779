/**
 * What becomes of a request the engine host held when the host ended: its one terminal error, or
 * "retry" (sent again, once, to the new host).
 */
import { DeliberateError } from "../../../errors.js";
import type { HostEnd } from "./host-process.js";
import type { HostCall } from "./protocol.js";

export interface HeldRequest {
  id: number;
  op: HostCall["op"];
  /** Deltas already passed to the caller. */
  deltas: number;
  retried: boolean;
  cancelled: boolean;
}

/** Calls that change nothing and emit nothing: safe to send again after any end. */
const READ_ONLY = new Set<HostCall["op"]>(["countTokens", "embeddings", "health", "stats"]);

/**
 * The culprit fails naming the bound it exceeded. Another request is re-sent once where nothing
 * of it was seen and it cannot be the cause: read-only calls always; a completion or a grammar
 * compile only when the culprit is known to be another request (a crash may come from its own
 * grammar, and would come again). Everything else fails saying what happened to the host.
 */
export function afterHostEnd(request: HeldRequest, end: HostEnd): DeliberateError | "retry" {
  if (request.id === end.culprit) {
    return new DeliberateError("engine_error", `the request ${end.reason}; the engine host was restarted`);
  }
  if (!request.retried && !request.cancelled) {
    if (READ_ONLY.has(request.op)) return "retry";
    if (end.attributed && request.deltas === 0) return "retry";
  }
  const what = end.attributed
    ? `was restarted: another request ${end.reason}`
    : `${end.reason} while this request ran; it is being restarted`;
  return new DeliberateError("engine_error", `the engine host ${what}`);
}
