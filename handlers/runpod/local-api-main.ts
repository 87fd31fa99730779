/**
 * The local RunPod-compatible test API:
 *   npx tsx handlers/runpod/local-api-main.ts [--port 8010] [--host 127.0.0.1] [--endpoint ID]
 *                                            [--concurrency N] [--api-key KEY]
 * Serves /v2/<endpoint>/{run,runsync,status,status-sync,stream,cancel,health,purge-queue} on the
 * engine the environment selects (embedded by default; VLLM_URL for vLLM), through the same job
 * handler as the worker, on the shared start-up path (handlers/shared/entry.ts). The key is
 * --api-key, else RUNPOD_API_KEY; with neither, any Bearer key is accepted, so a non-loopback
 * --host without a key refuses to start (exit 2, with any other configuration problem).
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { ConfigError } from "../shared/config.js";
import { runEntry } from "../shared/entry.js";
import { openEndpointProblem, startLocalApi } from "./local-api.js";

const Args = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8010),
  host: z.string().min(1).default("127.0.0.1"),
  endpoint: z.string().min(1).optional(),
  concurrency: z.coerce.number().int().min(1).max(4096).optional(),
  "api-key": z.string().min(1).optional(),
});

/** The command line and RUNPOD_API_KEY; every problem as a ConfigError. */
function parseLocalApiArgs(env: Record<string, string | undefined>) {
  let values: unknown;
  try {
    values = parseArgs({
      options: {
        port: { type: "string" },
        host: { type: "string" },
        endpoint: { type: "string" },
        concurrency: { type: "string" },
        "api-key": { type: "string" },
      },
    }).values;
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
  const args = Args.safeParse(values);
  if (!args.success) {
    throw new ConfigError(args.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`));
  }
  const apiKey = args.data["api-key"] ?? (env.RUNPOD_API_KEY?.trim() || undefined);
  const openProblem = openEndpointProblem(args.data.host, apiKey);
  if (openProblem) throw new ConfigError([openProblem]);
  return { ...args.data, apiKey };
}

await runEntry(
  process.env,
  {
    transport: "local-api",
    parseTransport: () => parseLocalApiArgs(process.env),
    overrides: (config, args) => ({ maxConcurrency: args.concurrency ?? config.maxConcurrency }),
  },
  async ({ config, engine, log, service, settings: args }) => {
    let ready = false;
    const api = await startLocalApi({
      service,
      apiKey: args.apiKey,
      ...(args.endpoint ? { endpointId: args.endpoint } : {}),
      concurrency: config.maxConcurrency,
      isReady: () => ready,
      host: args.host,
      port: args.port,
      log,
    });
    const poll = setInterval(() => {
      engine.health().then(
        (h) => {
          ready = h.ready;
        },
        () => {
          ready = false;
        },
      );
    }, 2_000);
    poll.unref();
    ready = (await engine.health().catch(() => ({ ready: false }))).ready;
    log.info(
      {
        baseUrl: api.baseUrl,
        endpoint: args.endpoint ?? "<any endpoint id>",
        auth: args.apiKey ? "Bearer key required" : "any Bearer key",
        engine: engine.kind,
      },
      `local RunPod API: runpodSdk(key, { baseUrl: "${api.baseUrl}" }).endpoint("${args.endpoint ?? "local"}")`,
    );
    return {
      stopAccepting: () => clearInterval(poll),
      finish: () => api.close(),
    };
  },
);
