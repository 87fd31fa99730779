/**
 * Test support for the server: an in-process server on 127.0.0.1 and a free port, with a
 * logger captured in memory, and a small WebSocket client that waits for matching messages.
 */
import { Writable } from "node:stream";
import WebSocket from "ws";
import { DEFAULT_BUDGETS } from "../../core/effort.js";
import type { Engine } from "../../core/engine.js";
import { generateKey } from "../../core/seal.js";
import { createLogger } from "../shared/logger.js";
import type { RequestLog } from "../shared/request-log.js";
import { type RunningServer, type ServerConfig, startServer } from "./server.js";

export const TEST_KEY = "test-key-0123456789abcdef";

export interface TestServer extends RunningServer {
  wsUrl: string;
  logs: string[];
}

export async function startTestServer(
  engine: Engine,
  config: Partial<ServerConfig> = {},
  extra: { requestLog?: RequestLog; sealKey?: Buffer; defaultMetrics?: boolean } = {},
): Promise<TestServer> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const server = await startServer({
    config: {
      host: "127.0.0.1",
      port: 0,
      budgets: DEFAULT_BUDGETS,
      answerMaxTokens: 256,
      maxConcurrency: 4,
      maxQueue: 4,
      maxWsInflight: 8,
      maxBodyBytes: 64 * 1024,
      requestTimeoutMs: 60_000,
      drainMs: 5_000,
      cache: { ttlMs: 60_000, maxEntries: 100 },
      ...config,
    },
    engine,
    log: createLogger("debug", sink),
    apiKey: TEST_KEY,
    sealKey: extra.sealKey ?? generateKey(),
    defaultMetrics: extra.defaultMetrics ?? false,
    ...(extra.requestLog ? { requestLog: extra.requestLog } : {}),
  });
  return { ...server, wsUrl: `${server.url.replace(/^http/, "ws")}/ws/completions`, logs };
}

export type Message = Record<string, unknown> & { type: string; id?: string };

/** A ws client that records every message and can wait for one matching a predicate. */
export class TestClient {
  readonly messages: Message[] = [];
  private waiters: { match: (m: Message) => boolean; resolve: (m: Message) => void }[] = [];
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => {
      const message = JSON.parse(String(data)) as Message;
      this.messages.push(message);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(message)) return true;
        w.resolve(message);
        return false;
      });
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static open(url: string, headers: Record<string, string> = { "x-api-key": TEST_KEY }): Promise<TestClient> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(new TestClient(ws)));
      ws.once("error", reject);
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === "string" ? message : JSON.stringify(message));
  }

  /** Resolves with the first message (already received or future) that matches. */
  next(match: (m: Message) => boolean, timeoutMs = 10_000): Promise<Message> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("timed out waiting for a message")), timeoutMs);
      this.waiters.push({
        match,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** The terminal message (result or error) of a request id. */
  terminal(id: string, timeoutMs?: number): Promise<Message> {
    return this.next((m) => m.id === id && (m.type === "completion.result" || m.type === "error"), timeoutMs);
  }

  /** Round-trips a ping: every message sent before it has been answered by then (or never will be). */
  async sync(): Promise<void> {
    const pongs = this.messages.filter((m) => m.type === "pong").length;
    this.send({ type: "ping" });
    await this.next(() => this.messages.filter((m) => m.type === "pong").length > pongs);
  }

  ofId(id: string): Message[] {
    return this.messages.filter((m) => m.id === id);
  }

  close(): void {
    this.ws.close();
  }
}
