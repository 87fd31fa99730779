/**
 * The one start-up path of every entry (server, RunPod worker, local RunPod API): parse the
 * configuration once (every problem at once), build the logger, the sealing key (warned when
 * ephemeral), the engine, the request log and the CompletionService. Each entry adds only its
 * transport; handlers/shared/entry.ts runs it and handles the shutdown signals.
 */
import { CompletionService, type SettledRecord } from "../../core/completion-service.js";
import type { Engine } from "../../core/engine.js";
import type { StepFigures } from "../../core/protocol.js";
import { generateKey } from "../../core/seal.js";
import { type Config, ConfigError, parseConfig } from "./config.js";
import { warmUpValidators } from "../../core/constraints/index.js";
import { createEngineFromConfig } from "./engine-from-config.js";
import type { DestinationStream } from "pino";
import { createLogger, type Logger } from "./logger.js";
import { createRequestLog, type RequestLog } from "./request-log.js";
import { serviceLimits } from "./service-limits.js";

/** Watches the service off the per-token path (metrics, the dashboard). */
export interface ServiceObserver {
  onSettled?(record: SettledRecord): void;
  onStepCompleted?(figures: StepFigures): void;
}

export interface RuntimeParts {
  config: Config;
  log: Logger;
  engine: Engine;
  /** Seals queued payloads, cached results and request logs. */
  sealKey: Buffer;
  requestLog?: RequestLog | undefined;
}

export interface Runtime extends RuntimeParts {
  service: CompletionService;
  requestLog: RequestLog | undefined;
  observe(observer: ServiceObserver): void;
  /** Aborts what still runs, closes the request log and the engine. Idempotent. */
  close(): Promise<void>;
}

export interface RuntimeOptions<T> {
  /** Which entry this is ("server", "runpod", "local-api"), for the logs. */
  transport: string;
  /**
   * The entry's own settings, parsed from the same environment (or its arguments); its ConfigError
   * problems are reported together with the configuration's. Gets undefined when the configuration
   * itself has problems, so that its own are still found.
   */
  parseTransport?: (config: Config | undefined) => T;
  /** Values the entry's settings override (the local API's --concurrency). */
  overrides?: (config: Config, settings: T) => Partial<Config>;
  /** Tags on every log line of this process. */
  logBindings?: (settings: T) => Record<string, unknown>;
  /** Default: vLLM when VLLM_URL is set, else the embedded engine (engine-from-config.ts). */
  createEngine?: (config: Config, log: Logger) => Promise<Engine>;
  /** Where logs go; default stdout. */
  logDestination?: DestinationStream;
}

/** One line per settled request, the same for every transport. */
export function logLine(record: SettledRecord) {
  return {
    id: record.jobId,
    transport: record.transport,
    effort: record.request?.thinking_effort,
    steps: record.result?.steps.length ?? 0,
    tokens: record.result?.usage.total_tokens ?? 0,
    ms: record.ms,
    outcome: record.outcome,
    cached: record.cached,
    ...(record.error?.step ? { step: record.error.step } : {}),
  };
}

/** The service over already-built parts (tests build the parts themselves). */
export function createRuntime(parts: RuntimeParts): Runtime {
  const { config, log, engine, sealKey, requestLog } = parts;
  const observers: ServiceObserver[] = [];
  const service = new CompletionService({
    engine,
    ...serviceLimits(config),
    sealKey,
    onStepCompleted: (figures) => {
      for (const o of observers) o.onStepCompleted?.(figures);
    },
    onSettled: (record) => {
      for (const o of observers) o.onSettled?.(record);
      requestLog?.write(record, record.transport ?? "other");
      const level = record.error && record.error.code === "internal" ? "error" : "info";
      log[level](logLine(record), "completion");
    },
  });
  let closing: Promise<void> | undefined;
  return {
    config,
    log,
    engine,
    sealKey,
    requestLog,
    service,
    observe: (observer) => {
      observers.push(observer);
    },
    close: () => {
      closing ??= (async () => {
        await service.drain(0);
        await requestLog?.close();
        await engine.close?.();
      })();
      return closing;
    },
  };
}

/** Parses the configuration and the entry's settings; throws one ConfigError with every problem. */
export function parseEntryConfig<T>(
  env: Record<string, string | undefined>,
  parseTransport?: (config: Config | undefined) => T,
): { config: Config; settings: T } {
  const problems: string[] = [];
  const collect = <R>(parse: () => R): R | undefined => {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(...err.problems);
      return undefined;
    }
  };
  const config = collect(() => parseConfig(env));
  const settings = collect(() => parseTransport?.(config) as T);
  if (!config || problems.length > 0) throw new ConfigError(problems);
  return { config, settings: settings as T };
}

export async function startRuntime<T = undefined>(
  env: Record<string, string | undefined>,
  options: RuntimeOptions<T>,
): Promise<Runtime & { settings: T }> {
  const parsed = parseEntryConfig(env, options.parseTransport);
  const { settings } = parsed;
  const config = { ...parsed.config, ...options.overrides?.(parsed.config, settings) };
  const root = createLogger(config.logLevel, options.logDestination);
  const log = options.logBindings ? root.child(options.logBindings(settings)) : root;
  let sealKey = config.encryptionKey;
  if (!sealKey) {
    sealKey = generateKey();
    log.warn(
      "ORCH_ENCRYPTION_KEY is not set: sealing queued payloads and cached results with an ephemeral key",
    );
  }
  const engine = await (options.createEngine ?? createEngineFromConfig)(config, log);
  warmUpValidators(); // so the first JSON-schema request does not stall the event loop building Ajv
  log.info({ transport: options.transport, engine: engine.kind }, "engine started");
  // parseConfig refuses request logs without ORCH_ENCRYPTION_KEY, so sealKey is the configured key here.
  const requestLog = config.requestLogs.enabled
    ? createRequestLog(config.requestLogs.path, sealKey, config.requestLogRotation)
    : undefined;
  return { ...createRuntime({ config, log, engine, sealKey, requestLog }), settings };
}
