/**
 * The life of every entry process: start the runtime (a configuration problem: every problem on
 * stderr, exit 2), start the transport, serve until SIGTERM/SIGINT, then drain and close (exit 0).
 * A failure to start, or an uncaught error, exits 1.
 */
import { ConfigError } from "./config.js";
import type { Logger } from "./logger.js";
import { type Runtime, type RuntimeOptions, startRuntime } from "./runtime.js";
import { drainAndClose, shutdownSignals, type Transport } from "./shutdown.js";
import { armExitDeadline, logProcessWarnings } from "./exit-deadline.js";

function exitAfterLogs(log: Logger | undefined, code: number): void {
  if (log) log.flush(() => process.exit(code));
  else process.exit(code);
}

function fatal(log: Logger | undefined, err: unknown): void {
  if (log) log.fatal({ err }, "fatal error");
  else
    process.stderr.write(
      `failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  exitAfterLogs(log, 1);
}

export async function runEntry<T>(
  env: Record<string, string | undefined>,
  options: RuntimeOptions<T>,
  serve: (runtime: Runtime & { settings: T }) => Promise<Transport>,
): Promise<void> {
  const signals = shutdownSignals();
  let runtime: (Runtime & { settings: T }) | undefined;
  try {
    runtime = await startRuntime(env, options);
  } catch (err) {
    if (!(err instanceof ConfigError)) return fatal(undefined, err);
    process.stderr.write(`${err.message}\n`);
    return process.exit(2);
  }
  const { log } = runtime;
  process.on("uncaughtException", (err) => fatal(log, err));
  process.on("unhandledRejection", (err) => fatal(log, err));
  logProcessWarnings(log);
  let transport: Transport;
  try {
    transport = await serve(runtime);
  } catch (err) {
    return fatal(log, err);
  }
  const signal = await signals.first;
  log.info({ signal }, "shutting down: finishing running jobs, then exiting");
  // Whatever native code or a stuck request does, the process ends within a bounded time.
  armExitDeadline(runtime.config.drainMs + 2000 + runtime.config.exitGraceMs, log);
  signals.onRepeat((again) => {
    log.warn({ signal: again }, "aborting running work");
    void runtime.service.drain(0);
  });
  drainAndClose(runtime, transport).then(
    () => exitAfterLogs(log, 0),
    (err: unknown) => fatal(log, err),
  );
}
