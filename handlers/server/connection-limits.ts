/**
 * Connection limits of the HTTP server: a cap on open TCP connections (over it, a connection gets
 * a 429 `queue_full` envelope at once and is closed, so a flood of half-open requests cannot use up the file
 * descriptors), and Node's header and request timeouts, checked every second rather than Node's
 * default 30 s so that stalled connections are reaped promptly.
 */
import { readFileSync } from "node:fs";
import type { Server, ServerOptions } from "node:http";
import type { Socket } from "node:net";
import { DeliberateError } from "../../core/errors.js";

export interface ConnectionLimits {
  maxConnections: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export function httpServerOptions(limits: Omit<ConnectionLimits, "maxConnections">): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    // Off: Node's requestTimeout also runs while the response is pending, so it would cut long
    // /completions calls (found by test/reliability/upstream-faults.test.ts); the body's own deadline
    // is body-deadline.ts.
    requestTimeout: 0,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
}

/** The soft "Max open files" limit of this process (Linux), or undefined where it cannot be read. */
export function fileDescriptorLimit(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8")
      .split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.split(/\s{2,}/)[1];
    const n = Number(soft);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * ORCH_MAX_CONNECTIONS when unset: three quarters of the descriptor limit, leaving the rest for
 * upstream connections, log files and the engine; 4096 where the limit is unknown.
 */
export function defaultMaxConnections(fdLimit = fileDescriptorLimit()): number {
  if (fdLimit === undefined) return 4096;
  return Math.max(16, Math.floor(fdLimit * 0.75) - 32);
}

function overCapResponse(max: number): string {
  const error = new DeliberateError(
    "queue_full",
    `the server has ${max} connections open (ORCH_MAX_CONNECTIONS); retry later`,
  );
  const body = JSON.stringify(error.toEnvelope());
  return [
    `HTTP/1.1 ${error.status} Too Many Requests`,
    "content-type: application/json",
    "connection: close",
    "retry-after: 1",
    `content-length: ${Buffer.byteLength(body)}`,
    "",
    body,
  ].join("\r\n");
}

/**
 * Puts a gate in front of the HTTP server's own connection handling: connections over the cap
 * are answered and closed without being parsed. Returns the number of connections open now.
 */
export function capConnections(server: Server, max: number, onReject: () => void): () => number {
  const handlers = server.listeners("connection") as ((socket: Socket) => void)[];
  server.removeAllListeners("connection");
  const response = overCapResponse(max);
  let open = 0;
  server.on("connection", (socket: Socket) => {
    if (open >= max) {
      onReject();
      socket.on("error", () => {});
      socket.end(response);
      // A client that never reads its answer must not keep the descriptor.
      setTimeout(() => socket.destroy(), 1000).unref();
      return;
    }
    open++;
    socket.once("close", () => open--);
    for (const handler of handlers) handler.call(server, socket);
  });
  return () => open;
}
