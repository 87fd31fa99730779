/**
 * A stand-in of RunPod's worker-facing job API for tests: job-take (single and batch), job-stop,
 * job-done, job-stream and ping, under the URL shapes RunPod injects. It records every request
 * (method, route, query, headers, parsed body), holds empty polls like a long poll, and can be
 * scripted to answer 204/400/429 or malformed jobs.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Arrivals } from "../arrivals.js";

export type Route = "job-take" | "job-take-batch" | "job-stop" | "job-done" | "job-stream" | "ping" | "other";

export interface RecordedRequest {
  method: string;
  route: Route;
  /** Path without the query. */
  path: string;
  url: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  /** Raw body text; `json` is its parse when it is JSON. */
  body: string;
  json: unknown;
  podId: string | undefined;
  jobId: string | undefined;
}

export interface ScriptedResponse {
  status: number;
  body?: unknown;
}

export interface StandInOptions {
  endpointId?: string;
  podId?: string;
  apiKey?: string;
  /** How long an empty job-take or job-stop poll is held before 204. */
  holdMs?: number;
}

export class JobApiStandIn {
  private readonly recorded = new Arrivals<RecordedRequest>();
  readonly requests: RecordedRequest[] = this.recorded.items;
  readonly endpointId: string;
  readonly podId: string;
  readonly apiKey: string;
  private readonly holdMs: number;
  private readonly jobs: unknown[] = [];
  private readonly stops: string[] = [];
  private readonly scripted: Partial<Record<Route, ScriptedResponse[]>> = {};
  private readonly held = new Set<() => void>();
  private server: Server | undefined;
  private streamGate: Promise<void> | undefined;
  private streamRelease: (() => void) | undefined;
  private openTakes = 0;
  private readonly idleWaiters: (() => void)[] = [];
  baseUrl = "";

  constructor(options: StandInOptions = {}) {
    this.endpointId = options.endpointId ?? "stand-in-endpoint";
    this.podId = options.podId ?? "pod-1";
    this.apiKey = options.apiKey ?? "rp-ai-key-0123456789";
    this.holdMs = options.holdMs ?? 100;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.listen(0, "127.0.0.1");
    await once(this.server, "listening");
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const release of this.held) release();
    this.streamRelease?.();
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
  }

  /** The RUNPOD_* environment a deployed worker would get, pointing here. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    const base = `${this.baseUrl}/v2/${this.endpointId}`;
    return {
      RUNPOD_WEBHOOK_GET_JOB: `${base}/job-take/$ID?`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${base}/job-done/$RUNPOD_POD_ID/$ID?`,
      RUNPOD_WEBHOOK_POST_STREAM: `${base}/job-stream/$RUNPOD_POD_ID/$ID?`,
      RUNPOD_WEBHOOK_PING: `${base}/ping/$RUNPOD_POD_ID`,
      RUNPOD_POD_ID: this.podId,
      RUNPOD_AI_API_KEY: this.apiKey,
      RUNPOD_ENDPOINT_ID: this.endpointId,
      ...extra,
    };
  }

  /** Queues jobs (any JSON: malformed ones too) for the next takes. */
  enqueue(...jobs: unknown[]): void {
    this.jobs.push(...jobs);
    this.wake();
  }

  /** Resolves once no job-take poll is open (e.g. after the worker aborted its long poll). */
  noOpenTakes(): Promise<void> {
    if (this.openTakes === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Jobs enqueued and not yet handed out. */
  get queuedJobs(): number {
    return this.jobs.length;
  }

  /** Makes the next job-stop poll answer these ids. */
  stopJobs(...ids: string[]): void {
    this.stops.push(...ids);
    this.wake();
  }

  /** The next request(s) on `route` get these answers instead of the default behaviour. */
  script(route: Route, ...responses: ScriptedResponse[]): void {
    const queue = this.scripted[route] ?? [];
    queue.push(...responses);
    this.scripted[route] = queue;
    this.wake();
  }

  /** Job-stream POSTs are recorded but not answered until the returned function is called. */
  holdStreams(): () => void {
    let release!: () => void;
    this.streamGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gate = this.streamGate;
    this.streamRelease = release;
    return () => {
      release();
      if (this.streamGate === gate) this.streamGate = undefined;
    };
  }

  of(route: Route): RecordedRequest[] {
    return this.requests.filter((r) => r.route === route);
  }

  /** Resolves with the first recorded request (past or future) matching `predicate`. */
  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs = 20_000): Promise<RecordedRequest> {
    return this.recorded.next(predicate, timeoutMs, () => "stand-in: request not seen in time");
  }

  waitForDone(jobId: string): Promise<RecordedRequest> {
    return this.waitFor((r) => r.route === "job-done" && r.jobId === jobId);
  }

  private wake(): void {
    for (const release of [...this.held]) release();
  }

  private record(request: RecordedRequest): void {
    this.recorded.push(request);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://stand-in");
    const parts = url.pathname.split("/").filter(Boolean); // v2, endpoint, route, pod, job?
    const known: Route[] = ["job-take", "job-take-batch", "job-stop", "job-done", "job-stream", "ping"];
    const route = (known.includes(parts[2] as Route) ? parts[2] : "other") as Route;
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      route,
      path: url.pathname,
      url: req.url ?? "",
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      json,
      podId: parts[3],
      jobId: parts[4],
    };
    this.record(recorded);

    const scripted = this.scripted[route]?.shift();
    if (scripted) return send(res, scripted.status, scripted.body);
    if (req.headers.authorization !== this.apiKey) return send(res, 401, { error: "unauthorized" });
    switch (route) {
      case "job-take":
      case "job-take-batch": {
        let gone = false;
        this.openTakes++;
        res.once("close", () => {
          gone = true;
          this.openTakes--;
          if (this.openTakes === 0) for (const idle of this.idleWaiters.splice(0)) idle();
        });
        if (this.jobs.length === 0) await this.hold();
        // A poll the worker gave up on (aborted) gets no job: it would be lost.
        if (gone) return;
        if (this.jobs.length === 0) return send(res, 204);
        if (route === "job-take") return send(res, 200, this.jobs.shift());
        const size = Number(recorded.query.batch_size ?? "1");
        return send(res, 200, this.jobs.splice(0, Math.max(1, size)));
      }
      case "job-stop": {
        if (this.stops.length === 0) await this.hold();
        if (this.stops.length === 0) return send(res, 204);
        return send(res, 200, { jobsToStop: this.stops.splice(0) });
      }
      case "job-stream":
        await this.streamGate;
        return send(res, 200, {});
      case "job-done":
      case "ping":
        return send(res, 200, {});
      default:
        return send(res, 404, { error: "not found" });
    }
  }

  private hold(): Promise<void> {
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        this.held.delete(release);
        resolve();
      };
      const timer = setTimeout(release, this.holdMs);
      this.held.add(release);
    });
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (res.writableEnded) return;
  if (body === undefined || status === 204) {
    res.writeHead(status).end();
    return;
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json" }).end(text);
}
