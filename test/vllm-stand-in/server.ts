/**
 * A vLLM stand-in: a node:http server on loopback that speaks vLLM's OpenAI-compatible surface
 * (/v1/completions, /v1/models, /tokenize, /version, /v1/embeddings) in its exact JSON and SSE
 * shapes, rejects request bodies real vLLM would silently mis-handle (recording them as violations), records every request and every early
 * connection close, and has switchable faults (faults.ts).
 */
import { once } from "node:events";
import { sleep } from "../../core/sleep.js";
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { type CallFault, type Faults, type Planned, errorBody } from "./faults.js";
import { Batch } from "./batch.js";
import { card, typeOf } from "./models.js";
import { handleCompletion } from "./completions.js";
import { handleEmbeddings, handleTokenize } from "./pooling.js";
import { detokenize, type ScriptedReply } from "./generate.js";
import type { CompletionBody, TextCompletionBody } from "./schemas.js";

export interface StandInOptions {
  /** The served model name (MODEL_NAME). */
  model?: string;
  maxModelLen?: number;
  /** What GET /version reports. */
  version?: string;
  /** A generate server has no /v1/embeddings; a pooling server answers completions with the 200-error quirk. */
  runner?: "generate" | "pooling";
  /** Like `vllm serve --api-key`: enforced under /v1 only. */
  apiKey?: string;
  /** Like --enable-prompt-tokens-details: report cached prefix tokens. */
  promptTokensDetails?: boolean;
  /** Use the pre-v0.10.1 flat error shape. */
  legacyErrors?: boolean;
  embeddingDims?: number;
  /** Like --max-num-seqs: completions generating at once; the rest wait (batch.ts). */
  maxNumSeqs?: number;
  host?: string;
  port?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON (undefined for no body). */
  body: unknown;
}

/** A response the client abandoned: its connection closed before the answer was complete. */
export interface RecordedClose {
  path: string;
  body: unknown;
  streaming: boolean;
  tokensSent: number;
  totalTokens: number;
}

export type ReplyFunction = (body: TextCompletionBody, index: number) => ScriptedReply | undefined;

export class VllmStandIn {
  readonly options: Required<Omit<StandInOptions, "apiKey" | "port" | "maxNumSeqs">> & { apiKey?: string };
  readonly batch: Batch;
  readonly requests: RecordedRequest[] = [];
  readonly closes: RecordedClose[] = [];
  /** Bodies real vLLM would have accepted (and mis-handled) or rejected: must stay empty in tests. */
  readonly violations: string[] = [];
  /** TCP connections opened and closed (by either side), for keep-alive and abort checks. */
  readonly connections = { opened: 0, closed: 0 };
  faults: Faults = {};
  /** The calls `faults.perCall` faulted, in order, with their bodies. */
  readonly faulted: { kind: CallFault; body: unknown }[] = [];
  private perCallIndex = 0;
  /** Called for every completion (after the queue is empty); undefined = generate as usual. */
  replyWith: ReplyFunction | undefined;
  private readonly queue: ScriptedReply[] = [];
  private readonly planned: Planned[] = [];
  private readonly prefixes: number[][] = [];
  private completionIndex = 0;
  private server: Server | undefined;
  private port: number;
  private closeWaiters: ((close: RecordedClose) => void)[] = [];

  constructor(options: StandInOptions = {}) {
    this.options = {
      model: options.model ?? "Qwen/Qwen3-8B",
      maxModelLen: options.maxModelLen ?? 32_768,
      version: options.version ?? "0.30.1",
      runner: options.runner ?? "generate",
      promptTokensDetails: options.promptTokensDetails ?? false,
      legacyErrors: options.legacyErrors ?? false,
      embeddingDims: options.embeddingDims ?? 8,
      host: options.host ?? "127.0.0.1",
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
    };
    this.port = options.port ?? 0;
    // vLLM's default on most GPUs.
    this.batch = new Batch(options.maxNumSeqs ?? 256);
  }

  get url(): string {
    return `http://${this.options.host}:${this.port}`;
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) this.sendError(res, 500, String(err), "InternalServerError", null);
        else res.destroy();
      });
    });
    server.on("connection", (socket) => {
      this.connections.opened++;
      socket.on("close", () => this.connections.closed++);
    });
    server.listen(this.port, this.options.host);
    await once(server, "listening");
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this.url;
  }

  /** Stops listening and drops every connection: clients now see connection refused. */
  async refuse(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port after refuse(). */
  async resume(): Promise<void> {
    if (!this.server) await this.start();
  }

  stop(): Promise<void> {
    return this.refuse();
  }

  /** Scripts the next completions, in order. */
  enqueue(...replies: ScriptedReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  /** The next `count` requests to `path` (default /v1/completions) are answered with this status. */
  failNext(
    status: number,
    count = 1,
    options: { path?: string; message?: string; body?: unknown; type?: string; retryAfter?: string } = {},
  ): this {
    this.planned.push({ status, remaining: count, path: options.path ?? "/v1/completions", ...options });
    return this;
  }

  /** Forgets the requests and closes recorded so far (violations are kept). */
  clearRecords(): void {
    this.requests.length = 0;
    this.closes.length = 0;
  }

  /** The completion bodies received, in order; a prompt sent as token ids is decoded to its text. */
  completionBodies(): TextCompletionBody[] {
    return this.requests
      .filter((r) => r.path === "/v1/completions")
      .map((r) => {
        const body = r.body as CompletionBody;
        if (typeof body.prompt === "string" || body.prompt.length === 0) return body as TextCompletionBody;
        const decoded = detokenize(body.prompt as number[]);
        return { ...body, prompt: "text" in decoded ? decoded.text : "" };
      });
  }

  count(path: string): number {
    return this.requests.filter((r) => r.path === path).length;
  }

  /** Resolves with the next connection the client closes before its answer was complete. */
  nextClose(): Promise<RecordedClose> {
    return new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  recordClose(close: RecordedClose): void {
    this.closes.push(close);
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of waiters) w(close);
  }

  nextReply(body: TextCompletionBody): ScriptedReply | undefined {
    const index = this.completionIndex++;
    return this.queue.shift() ?? this.replyWith?.(body, index);
  }

  /**
   * Longest cached prefix in whole 16-token blocks, as vLLM's prefix cache would report it: vLLM
   * keeps each call's prompt and generated tokens, compared by id (a prompt sent as ids as sent).
   */
  cachedTokens(tokens: number[], generated: number[]): number {
    let best = 0;
    for (const prev of this.prefixes) {
      let n = 0;
      while (n < prev.length && n < tokens.length && prev[n] === tokens[n]) n++;
      best = Math.max(best, n);
    }
    this.prefixes.push(tokens.concat(generated));
    if (this.prefixes.length > 64) this.prefixes.shift();
    return Math.min(Math.floor(best / 16) * 16, Math.max(0, tokens.length - 1));
  }

  sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  sendError(res: ServerResponse, status: number, message: string, type: string, param: string | null): void {
    this.sendJson(res, status, errorBody(message, type, param, status, this.options.legacyErrors));
  }

  /** Answers vLLM's 404 for a model this server does not serve; true when it did. */
  rejectUnknownModel(res: ServerResponse, model: string | null | undefined): boolean {
    if (model == null || model === this.options.model) return false;
    this.sendError(res, 404, `The model \`${model}\` does not exist.`, "NotFoundError", "model");
    return true;
  }

  /** Records a client mistake and answers it like pydantic's validation error. */
  violation(res: ServerResponse, message: string, param = "body"): void {
    this.violations.push(message);
    this.sendError(res, 400, message, "Bad Request", param);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "/").split("?")[0]!;
    let body: unknown = raw === "" ? undefined : raw;
    let parsed = raw === "";
    try {
      if (raw !== "") {
        body = JSON.parse(raw);
        parsed = true;
      }
    } catch {
      // left as text; a POST handler reports it
    }
    this.requests.push({ method: req.method ?? "GET", path, headers: req.headers, body });

    if (path.startsWith("/v1/") && this.options.apiKey !== undefined) {
      if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
        this.sendJson(res, 401, { error: "Unauthorized" });
        return;
      }
    }
    const callFault =
      path === "/v1/completions" && this.faults.perCall
        ? this.faults.perCall(body, this.perCallIndex++)
        : undefined;
    if (callFault) this.faulted.push({ kind: callFault, body });
    if (callFault === "reset") {
      req.socket.destroy();
      return;
    }
    if (callFault === "status500" || callFault === "status503") {
      const status = callFault === "status500" ? 500 : 503;
      return this.sendError(res, status, `stand-in fault ${status}`, typeOf(status), null);
    }
    const plan = this.planned.find((p) => p.path === path && p.remaining > 0);
    if (plan) {
      plan.remaining--;
      if (plan.retryAfter !== undefined) res.setHeader("retry-after", plan.retryAfter);
      if (plan.body !== undefined) this.sendJson(res, plan.status, plan.body);
      else
        this.sendError(
          res,
          plan.status,
          plan.message ?? `stand-in fault ${plan.status}`,
          plan.type ?? typeOf(plan.status),
          null,
        );
      return;
    }
    if (req.method === "POST") {
      if (!(req.headers["content-type"] ?? "").includes("application/json")) {
        return this.violation(res, `POST ${path} without Content-Type: application/json`);
      }
      if (!parsed) return this.violation(res, `POST ${path} with a body that is not JSON`);
    }
    const route = `${req.method} ${path}`;
    switch (route) {
      case "GET /health":
        res.writeHead(this.faults.healthStatus ?? 200, { "content-length": 0 });
        res.end();
        return;
      case "GET /metrics":
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
        res.end(this.batch.metrics(this.options.model));
        return;
      case "GET /version":
        return this.sendJson(res, 200, { version: this.faults.version ?? this.options.version });
      case "GET /v1/models":
        return this.sendJson(res, 200, this.models());
      case "POST /tokenize":
        if (this.faults.tokenizeDelayMs) await sleep(this.faults.tokenizeDelayMs);
        return handleTokenize(this, res, body);
      case "POST /v1/completions":
        return handleCompletion(this, req, res, body, callFault);
      case "POST /v1/embeddings":
        return handleEmbeddings(this, res, body);
      default:
        // FastAPI's own 404 for an unknown route (e.g. /v1/embeddings on a generate server).
        return this.sendJson(res, 404, { detail: "Not Found" });
    }
  }

  private models(): unknown {
    const created = Math.floor(Date.now() / 1000);
    const id = this.options.model;
    const data = this.faults.omitModel
      ? [card("some/other-model", created, this.options.maxModelLen)]
      : [card(id, created, this.options.maxModelLen)];
    return { object: "list", data };
  }
}

export async function startStandIn(options: StandInOptions = {}): Promise<VllmStandIn> {
  const standIn = new VllmStandIn(options);
  await standIn.start();
  return standIn;
}
