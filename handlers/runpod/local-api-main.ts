/**
 * The local RunPod-compatible test API:
 *   npx tsx handlers/runpod/local-api-main.ts [--port 8010] [--host 127.0.0.1] [--endpoint ID]
 *                                            [--concurrency N] [--api-key KEY]
 * Serves /v2/<endpoint>/{run,runsync,status,status-sync,stream,cancel,health,purge-queue} on the
 * engine the environment selects (embedded by default; VLLM_URL for vLLM), through the same job
 * handler as the worker. The key is --api-key, else RUNPOD_API_KEY; with neither, any Bearer key
 * is accepted, so a non-loopback --host without a key refuses to start (exit 2).
 */
import { randomBytes } from "node:crypto";
import { parseArgs } from "node:util";
import { z } from "zod";
import { CompletionService } from "../../core/completion-service.js";
import { serviceLimits } from "../shared/service-limits.js";
import { ConfigError, parseConfig } from "../shared/config.js";
import { createEngineFromConfig } from "../shared/engine-from-config.js";
import { createLogger } from "../shared/logger.js";
import { openEndpointProblem, startLocalApi } from "./local-api.js";
import { createServiceJobServices } from "./services.js";

const Args = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(8010),
  host: z.string().min(1).default("127.0.0.1"),
  endpoint: z.string().min(1).optional(),
  concurrency: z.coerce.number().int().min(1).max(4096).optional(),
  "api-key": z.string().min(1).optional(),
});

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    host: { type: "string" },
    endpoint: { type: "string" },
    concurrency: { type: "string" },
    "api-key": { type: "string" },
  },
});
const args = Args.safeParse(values);
if (!args.success) {
  process.stderr.write(`${args.error.issues.map((i) => `--${i.path.join(".")}: ${i.message}`).join("\n")}\n`);
  process.exit(2);
}
const apiKey = args.data["api-key"] ?? (process.env.RUNPOD_API_KEY?.trim() || undefined);
const openProblem = openEndpointProblem(args.data.host, apiKey);
if (openProblem) {
  process.stderr.write(`${openProblem}\n`);
  process.exit(2);
}
let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
}
const log = createLogger(config.logLevel);
const concurrency = args.data.concurrency ?? config.maxConcurrency;
const engine = await createEngineFromConfig(config, log, { concurrency });
const service = new CompletionService({
  engine,
  ...serviceLimits(config),
  maxConcurrency: concurrency,
  sealKey: config.encryptionKey ?? randomBytes(32),
});
let ready = false;
const api = await startLocalApi({
  services: createServiceJobServices(service),
  apiKey,
  ...(args.data.endpoint ? { endpointId: args.data.endpoint } : {}),
  concurrency,
  isReady: () => ready,
  host: args.data.host,
  port: args.data.port,
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
const endpoint = args.data.endpoint ?? "<any endpoint id>";
log.info(
  {
    baseUrl: api.baseUrl,
    endpoint,
    auth: apiKey ? "Bearer key required" : "any Bearer key",
    engine: engine.kind,
  },
  `local RunPod API: runpodSdk(key, { baseUrl: "${api.baseUrl}" }).endpoint("${args.data.endpoint ?? "local"}")`,
);

let closing = false;
const stop = async () => {
  if (closing) process.exit(1);
  closing = true;
  clearInterval(poll);
  await api.close();
  await service.drain(0);
  await engine.close?.();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
