/**
 * Shutdown, the same for every entry: stop the transport taking work, drain the service for up to
 * ORCH_DRAIN_S (what still runs then fails with shutting_down), let the transport end (final frames,
 * job results), close the runtime. SIGTERM and SIGINT start it; a second signal aborts what still runs.
 */
import type { Runtime } from "./runtime.js";

/** What an entry adds to the runtime: the part that takes work from outside. */
export interface Transport {
  /** Stop taking new work (close the listener, stop taking jobs). */
  stopAccepting(): void;
  /** After the drain: let the transport end (send what is left, close sockets). */
  finish?(): Promise<void>;
}

export async function drainAndClose(
  runtime: Pick<Runtime, "config" | "log" | "service" | "close">,
  transport: Transport,
): Promise<void> {
  transport.stopAccepting();
  const { drainMs } = runtime.config;
  runtime.log.info({ drain_ms: drainMs, in_flight: runtime.service.stats().inFlight }, "draining");
  await runtime.service.drain(drainMs);
  await transport.finish?.();
  await runtime.close();
  runtime.log.info("stopped");
}

export interface ShutdownSignals {
  /** Resolves with the first SIGTERM or SIGINT. */
  first: Promise<NodeJS.Signals>;
  /** Called on each later signal. */
  onRepeat(handler: (signal: NodeJS.Signals) => void): void;
  /** Removes the handlers. */
  dispose(): void;
}

/** Listens for SIGTERM and SIGINT from now on (also while the engine is still loading). */
export function shutdownSignals(): ShutdownSignals {
  let resolveFirst!: (signal: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((resolve) => {
    resolveFirst = resolve;
  });
  let count = 0;
  let repeat: ((signal: NodeJS.Signals) => void) | undefined;
  const handler = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) resolveFirst(signal);
    else repeat?.(signal);
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
  return {
    first,
    onRepeat: (h) => {
      repeat = h;
    },
    dispose: () => {
      process.off("SIGTERM", handler);
      process.off("SIGINT", handler);
    },
  };
}
