/**
 * Test support for the server: an in-process server on 127.0.0.1 and a free port, with a
 * logger captured in memory, and a small WebSocket client that waits for matching messages.
 */
import { Writable } from "node:stream";
import WebSocket from "ws";
import { DEFAULT_BUDGETS } from "../../core/effort.js";
import type { Engine } from "../../core/engine.js";
import { generateKey } from "../../core/seal.js";
import { type Config, parseConfig } from "../../handlers/shared/config.js";
import { createLogger } from "../../handlers/shared/logger.js";
import type { RequestLog } from "../../handlers/shared/request-log.js";
import { createRuntime } from "../../handlers/shared/runtime.js";
import { Arrivals } from "./arrivals.js";
import { type RunningServer, startServer } from "../../handlers/server/server.js";

export const TEST_KEY = "test-key-0123456789abcdef";

export interface TestServer extends RunningServer {
  wsUrl: string;
  logs: string[];
}

export async function startTestServer(
  engine: Engine,
  config: Partial<Config> = {},
  extra: { requestLog?: RequestLog; sealKey?: Buffer; defaultMetrics?: boolean } = {},
): Promise<TestServer> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(...String(chunk).split("\n").filter(Boolean));
      done();
    },
  });
  const runtime = createRuntime({
    config: {
      ...parseConfig({}),
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
    sealKey: extra.sealKey ?? generateKey(),
    requestLog: extra.requestLog,
  });
  const server = await startServer({
    runtime,
    apiKey: TEST_KEY,
    defaultMetrics: extra.defaultMetrics ?? false,
  });
  return { ...server, wsUrl: `${server.url.replace(/^http/, "ws")}/ws/completions`, logs };
}

export type Message = Record<string, unknown> & { type: string; id?: string };

/** A ws client that records every message and can wait for one matching a predicate. */
export class TestClient {
  private readonly arrived = new Arrivals<Message>();
  readonly messages: Message[] = this.arrived.items;
  closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data) => this.arrived.push(JSON.parse(String(data)) as Message));
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
    return this.arrived.next(match, timeoutMs, () => "timed out waiting for a message");
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
