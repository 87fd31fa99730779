/**
 * The server's entry (bundled to dist/server.js): parse the config once, settle the API and
 * sealing keys, start the engine and the server, print where to find it, drain on SIGTERM.
 */
import { ConfigError, type Config, parseConfig } from "../shared/config.js";
import { generateKey } from "../../core/seal.js";
import { createLogger, type Logger } from "../shared/logger.js";
import { createRequestLog } from "../shared/request-log.js";
import { settleApiKey } from "./keys.js";
import { createEngineFromConfig } from "../shared/engine-from-config.js";
import { startServer } from "./server.js";
import { armExitDeadline, logProcessWarnings } from "../shared/exit-deadline.js";

function banner(url: string, key: { key: string; generated: boolean }, engine: string): string {
  const shown = url.replace("//0.0.0.0:", "//localhost:").replace("//[::]:", "//localhost:");
  const ws = shown.replace(/^http/, "ws");
  return [
    "",
    `Deliberate is listening on ${shown} (engine: ${engine})`,
    `  WebSocket  ${ws}/ws/completions`,
    `  Docs       ${shown}/docs`,
    `  Dashboard  ${shown}/dashboard${key.generated ? `?api_key=${key.key}` : "?api_key=<ORCH_API_KEY>"}`,
    key.generated
      ? `  API key    ${key.key}   (generated for this run; set ORCH_API_KEY to choose one)`
      : "  API key    from ORCH_API_KEY",
    "",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  let config: Config;
  let apiKey: { key: string; generated: boolean };
  try {
    config = parseConfig(process.env);
    apiKey = settleApiKey(config);
    if (config.requestLogs.enabled && !config.encryptionKey) {
      throw new ConfigError([
        "ORCH_ENCRYPTION_KEY: required with ORCH_ENABLE_REQUEST_LOGS (logs sealed under a throw-away key could never be read)",
      ]);
    }
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
  const log = createLogger(config.logLevel);
  process.on("uncaughtException", (err) => fatal(log, err));
  process.on("unhandledRejection", (err) => fatal(log, err));
  logProcessWarnings(log);

  let sealKey = config.encryptionKey;
  if (!sealKey) {
    sealKey = generateKey();
    log.warn(
      "ORCH_ENCRYPTION_KEY is not set: sealing queued payloads and cached results with an ephemeral key",
    );
  }
  const engine = await createEngineFromConfig(config, log);
  const requestLog = config.requestLogs.enabled
    ? createRequestLog(config.requestLogs.path, sealKey, config.requestLogRotation)
    : undefined;
  const server = await startServer({
    config,
    engine,
    log,
    apiKey: apiKey.key,
    sealKey,
    ...(requestLog ? { requestLog } : {}),
  });
  log.info({ url: server.url, port: server.port, engine: engine.kind }, "listening");
  process.stdout.write(banner(server.url, apiKey, engine.kind));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    // Drain window, the sockets' 2 s close grace, then ORCH_EXIT_GRACE_S for the engine to close.
    armExitDeadline(config.drainMs + 2000 + config.exitGraceMs, log);
    server.shutdown().then(
      () => log.flush(() => process.exit(0)),
      (err: unknown) => fatal(log, err),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

function fatal(log: Logger, err: unknown): void {
  log.fatal({ err }, "fatal error");
  log.flush(() => process.exit(1));
}

main().catch((err: unknown) => {
  process.stderr.write(
    `failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
