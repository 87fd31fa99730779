/**
 * A local stand-in of RunPod's public serverless API (README, RunPod), for users and tests: the
 * routes `runpod-sdk` calls under /v2/<endpoint>/, RunPod's status names, `Authorization: Bearer`,
 * backed by the same job handler as the worker. Point the SDK at it with
 * `runpodSdk(key, { baseUrl: "http://127.0.0.1:8010/v2" })`.
 */
import { timingSafeEqual } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import { isLoopback } from "../server/keys.js";
import type { CompletionService } from "../../core/completion-service.js";
import { createServiceJobServices } from "./services.js";
import { isTerminal, type LocalJob, LocalJobs, statusBody } from "./local-jobs.js";

export interface LocalApiOptions {
  service: CompletionService;
  /** The Bearer key clients must send; undefined accepts any non-empty one (say so in the log). */
  apiKey: string | undefined;
  /** Only this endpoint id is served; undefined serves any id. */
  endpointId?: string;
  /** Jobs run at once. */
  concurrency: number;
  /** Reported by /health as a ready (vs initializing) worker. */
  isReady?: () => boolean;
  /** How long an empty /stream poll is held before answering (the SDK re-polls at once). */
  streamHoldMs?: number;
  log?: Logger;
}

// RunPod's payload limits: 10 MB for /run, 20 MB for /runsync. Enforced while the body streams in.
export const RUN_MAX_BODY_BYTES = 10 * 1024 * 1024;
export const RUNSYNC_MAX_BODY_BYTES = 20 * 1024 * 1024;
const limitBody = (maxSize: number) =>
  bodyLimit({
    maxSize,
    onError: (c) => c.json({ error: `payload too large: the limit of this route is ${maxSize} bytes` }, 413),
  });
const RETENTION_RUN_MS = 30 * 60_000;
const RETENTION_RUNSYNC_MS = 60_000;

const clampWait = (raw: string | undefined, fallback: number) => {
  const n = Number(raw);
  return Number.isFinite(n) && raw !== undefined && raw !== ""
    ? Math.min(300_000, Math.max(1_000, n))
    : fallback;
};

function sameKey(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createLocalApi(options: LocalApiOptions): { app: Hono; jobs: LocalJobs } {
  const jobs = new LocalJobs(createServiceJobServices(options.service), options.concurrency);
  const holdMs = options.streamHoldMs ?? 1_000;
  const app = new Hono();

  app.onError((err, c) => {
    options.log?.error({ err }, "local API error");
    return c.json({ error: "internal error" }, 500);
  });
  app.notFound((c) => c.json({ error: "not found" }, 404));

  const v2 = new Hono();
  v2.use("/:endpoint/*", async (c, next) => {
    // RunPod's hosted API takes the raw key as the header's value, and also the Bearer form.
    const header = (c.req.header("authorization") ?? "").trim();
    const given = /^Bearer\s+/i.test(header) ? header.replace(/^Bearer\s+/i, "").trim() : header;
    const ok = given !== "" && (options.apiKey === undefined || sameKey(given, options.apiKey));
    if (!ok)
      return c.json({ error: "Unauthorized: send Authorization: <api key> (or Bearer <api key>)" }, 401);
    if (options.endpointId !== undefined && c.req.param("endpoint") !== options.endpointId) {
      return c.json({ error: `endpoint ${c.req.param("endpoint")} not found` }, 404);
    }
    await next();
  });

  const readRun = async (c: Context) => {
    const text = await c.req.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { error: 'the body must be JSON: {"input": {...}}', status: 400 as const };
    }
    if (typeof body !== "object" || body === null || !("input" in body) || body.input == null) {
      return { error: "missing required field: input", status: 400 as const };
    }
    const policy = (body as { policy?: { executionTimeout?: unknown } }).policy;
    const timeout = typeof policy?.executionTimeout === "number" ? policy.executionTimeout : undefined;
    return { input: (body as { input: unknown }).input, executionTimeoutMs: timeout };
  };

  const jobOr404 = (c: Context): LocalJob | Response => {
    const job = jobs.get(c.req.param("id") ?? "");
    return job ?? c.json({ error: "request does not exist" }, 404);
  };

  /** Holds the request until the job is terminal or `waitMs` has passed. */
  const settle = async (c: Context, job: LocalJob, waitMs: number) => {
    const until = Date.now() + waitMs;
    while (!isTerminal(job.status) && Date.now() < until && !c.req.raw.signal.aborted) {
      await jobs.waitForChange(job, until - Date.now(), c.req.raw.signal);
    }
    return c.json(statusBody(job));
  };

  /** Reads a /run or /runsync body and queues its job, kept `retentionMs` after it ends. */
  const submit = async (c: Context, retentionMs: number) => {
    const run = await readRun(c);
    if ("error" in run) return c.json({ error: run.error }, run.status);
    return jobs.submit(run.input, {
      retentionMs,
      ...(run.executionTimeoutMs ? { executionTimeoutMs: run.executionTimeoutMs } : {}),
    });
  };

  v2.post("/:endpoint/run", limitBody(RUN_MAX_BODY_BYTES), async (c) => {
    const job = await submit(c, RETENTION_RUN_MS);
    return job instanceof Response ? job : c.json({ id: job.id, status: "IN_QUEUE" });
  });

  v2.post("/:endpoint/runsync", limitBody(RUNSYNC_MAX_BODY_BYTES), async (c) => {
    const job = await submit(c, RETENTION_RUNSYNC_MS);
    return job instanceof Response ? job : settle(c, job, clampWait(c.req.query("wait"), 90_000));
  });

  const status = (c: Context) => {
    const job = jobOr404(c);
    return job instanceof Response ? job : c.json(statusBody(job));
  };
  v2.get("/:endpoint/status/:id", status);
  v2.post("/:endpoint/status/:id", status);

  v2.get("/:endpoint/status-sync/:id", async (c) => {
    const job = jobOr404(c);
    if (job instanceof Response) return job;
    return settle(c, job, clampWait(c.req.query("wait"), 90_000));
  });

  const stream = async (c: Context) => {
    const job = jobOr404(c);
    if (job instanceof Response) return job;
    // Hold an empty poll a little: runpod-sdk polls again at once, with no delay of its own.
    if (job.pending.length === 0 && !isTerminal(job.status)) {
      await jobs.waitForChange(job, holdMs, c.req.raw.signal);
    }
    const chunks = job.pending.splice(0);
    const body: Record<string, unknown> = { ...statusBody(job), stream: chunks };
    delete body.output; // RunPod's /stream carries the chunks; the output is on /status
    return c.json(body);
  };
  v2.get("/:endpoint/stream/:id", stream);
  v2.post("/:endpoint/stream/:id", stream);

  v2.post("/:endpoint/cancel/:id", (c) => {
    const job = jobOr404(c);
    if (job instanceof Response) return job;
    jobs.cancel(job);
    return c.json(statusBody(job));
  });

  v2.get("/:endpoint/health", (c) => {
    const ready = options.isReady?.() ?? true;
    const busy = jobs.runningCount > 0;
    return c.json({
      jobs: jobs.counts(),
      // One local worker: running while any job runs, idle otherwise; initializing until ready.
      workers: {
        idle: ready && !busy ? 1 : 0,
        initializing: ready ? 0 : 1,
        ready: ready ? 1 : 0,
        running: busy ? 1 : 0,
        throttled: 0,
      },
    });
  });

  v2.post("/:endpoint/purge-queue", (c) => c.json({ removed: jobs.purgeQueue(), status: "completed" }));

  app.route("/v2", v2);
  return { app, jobs };
}

export interface RunningLocalApi {
  url: string;
  port: number;
  baseUrl: string;
  jobs: LocalJobs;
  close(): Promise<void>;
}

/**
 * Without a key any Bearer key is accepted, which is only safe on a loopback address (the server's rule,
 * handlers/server/keys.ts). Returns why `host` may not be bound, or undefined.
 */
export function openEndpointProblem(host: string, apiKey: string | undefined): string | undefined {
  if (apiKey !== undefined || isLoopback(host)) return undefined;
  return (
    `--api-key (or RUNPOD_API_KEY): required to bind ${host}; without a key any Bearer key is accepted, ` +
    "so the local API only binds a loopback address such as 127.0.0.1"
  );
}

/**
 * Listens on host:port (port 0 = a free one) and returns the base URL for runpod-sdk.
 * Throws on a non-loopback host without an API key (openEndpointProblem).
 */
export async function startLocalApi(
  options: LocalApiOptions & { host?: string; port?: number },
): Promise<RunningLocalApi> {
  const host = options.host ?? "127.0.0.1";
  const problem = openEndpointProblem(host, options.apiKey);
  if (problem) throw new Error(problem);
  const { app, jobs } = createLocalApi(options);
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    baseUrl: `${url}/v2`,
    jobs,
    async close() {
      jobs.abortAll();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
