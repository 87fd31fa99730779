/**
 * WebSocket upgrades that keep nothing of the upgrade request. The route (routes/ws.ts) runs the
 * usual middleware (key, draining) over a Request built from the upgrade and marks it accepted;
 * then ws completes the handshake, and only the socket and its WsSession stay. @hono/node-server's
 * upgradeWebSocket keeps the Hono context, its Request and the IncomingMessage reachable from the
 * socket's listeners for the socket's whole life (several KB per idle socket; bench/server-idle.ts).
 */
import type { IncomingMessage, Server } from "node:http";
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import { batchedSender } from "./batched-send.js";
import { WsSession, type WsSessionOptions } from "./ws-session.js";

/** The env key an upgrade's fetch carries; the route sets `accepted` when the middleware let it through. */
export const WS_UPGRADE = Symbol("deliberate.ws-upgrade");

export interface UpgradeEnv {
  incoming: IncomingMessage;
  outgoing: undefined;
  [WS_UPGRADE]: { accepted: boolean };
}

type Fetch = (request: Request, env: UpgradeEnv) => Response | Promise<Response>;

const ignore = () => {};

/** The refusal as @hono/node-server writes it: the status, no body, connection closed. */
function refuse(socket: Duplex, status: number, headers?: Headers): void {
  if (socket.destroyed) return;
  const lines = ["Connection: close", "Content-Length: 0"];
  headers?.forEach((value, key) => {
    if (!["content-length", "connection", "transfer-encoding"].includes(key)) lines.push(`${key}: ${value}`);
  });
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n${lines.join("\r\n")}\r\n\r\n`);
}

function upgradeRequest(request: IncomingMessage): Request {
  const headers = new Headers();
  for (const [key, value] of Object.entries(request.headers)) {
    if (value) headers.append(key, Array.isArray(value) ? value[0]! : value);
  }
  const path = request.url?.startsWith("/") ? request.url : "/";
  return new Request(`http://${request.headers.host ?? "localhost"}${path}`, { headers });
}

/** Routes every WebSocket upgrade through `fetch` (the app) and opens the accepted ones. */
export function attachWebSockets(
  server: Server,
  fetch: Fetch,
  wss: WebSocketServer,
  open: (ws: WebSocket) => void,
): void {
  server.on("upgrade", async (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", ignore);
    const env: UpgradeEnv = { incoming: request, outgoing: undefined, [WS_UPGRADE]: { accepted: false } };
    let response: Response;
    try {
      response = await fetch(upgradeRequest(request), env);
    } catch {
      return refuse(socket, 500);
    }
    if (socket.destroyed) return;
    if (!env[WS_UPGRADE].accepted) return refuse(socket, response.status, response.headers);
    wss.handleUpgrade(request, socket, head, (ws) => {
      socket.off("error", ignore);
      open(ws);
    });
  });
}

/**
 * One session per socket: frames in, messages out (batched per tick, or through the caller's `send`,
 * e.g. a backpressure bound), aborted on close.
 */
export function openSession(
  ws: WebSocket,
  options: Omit<WsSessionOptions, "send"> & { send?: WsSessionOptions["send"] },
): WsSession {
  const session = new WsSession({ ...options, send: options.send ?? batchedSender(ws) });
  ws.on("message", (data, isBinary) => {
    const frame = data as Buffer;
    session.handleFrame(isBinary ? frame : frame.toString("utf8"), isBinary);
  });
  ws.on("close", () => session.close());
  // ws reports protocol errors (e.g. an oversized frame) here before closing the socket.
  ws.on("error", ignore);
  return session;
}
