/**
 * Process-level test support: builds the real bundle (into a directory of its own per test file,
 * so parallel files never share a file), starts `node server.js` on 127.0.0.1 and a free port,
 * and a vLLM stand-in process where a slow, controllable engine is wanted.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Arrivals } from "./arrivals.js";
// @ts-expect-error: a plain .mjs script without types
import { buildAll } from "../../scripts/build.mjs";
import { sleep } from "../../core/sleep.js";

export const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
export const PROCESS_KEY = "process-test-key-0123456789";

export async function buildBundle(name: string): Promise<string> {
  const outDir = join(ROOT, "dist", `.test-${name}`);
  await buildAll({ outDir, quiet: true });
  return join(outDir, "server.js");
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });
}

export interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  /** Resolves with the first stdout line that matches. */
  line(match: (line: string) => boolean, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

export function run(command: string, args: string[], env: Record<string, string | undefined>): Proc {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines = new Arrivals<string>();
  const stdout = lines.items;
  const stderr: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (l) => lines.push(l));
  createInterface({ input: child.stderr! }).on("line", (l) => stderr.push(l));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once("exit", (code, signal) => r({ code, signal })),
  );
  const output = () => `stdout:\n${stdout.join("\n")}\nstderr:\n${stderr.join("\n")}`;
  return {
    child,
    stdout,
    stderr,
    exited,
    line(match, timeoutMs = 30_000) {
      return Promise.race([
        lines.next(match, timeoutMs, () => `no matching line; ${output()}`),
        exited.then(({ code }) => {
          // A line may still arrive between the exit and the end of the output.
          const seen = stdout.find(match);
          if (seen !== undefined) return seen;
          throw new Error(`exited ${code}; ${output()}`);
        }),
      ]);
    },
    kill(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

export interface ServerProc extends Proc {
  url: string;
  wsUrl: string;
  /** SIGTERM, then wait for the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns the bundled server without waiting for it; `env` overrides the defaults (demo engine, test key). */
export async function spawnServerProcess(
  bundle: string,
  env: Record<string, string | undefined> = {},
): Promise<Proc & { port: number }> {
  const port = await freePort();
  const proc = run(process.execPath, [bundle], {
    ORCH_HOST: "127.0.0.1",
    ORCH_PORT: String(port),
    ORCH_API_KEY: PROCESS_KEY,
    ORCH_MODEL: "demo",
    ORCH_MODEL_CACHE_DIR: join(ROOT, ".cache", "models"),
    ORCH_LOG_LEVEL: "info",
    ORCH_ENCRYPTION_KEY: "11".repeat(32),
    ...env,
  });
  return { ...proc, port };
}

/** Starts the bundled server and waits until it listens. */
export async function startServerProcess(
  bundle: string,
  env: Record<string, string | undefined> = {},
): Promise<ServerProc> {
  const proc = await spawnServerProcess(bundle, env);
  const { port } = proc;
  // The banner is printed at every log level; the pino line only at info and below.
  await proc.line(
    (l) => l.startsWith("Deliberate is listening on") || l.includes('"msg":"listening"'),
    60_000,
  );
  const url = `http://127.0.0.1:${port}`;
  return {
    ...proc,
    url,
    wsUrl: `ws://127.0.0.1:${port}/ws/completions`,
    stop: async () => {
      proc.kill("SIGTERM");
      return proc.exited;
    },
  };
}

/** A vLLM stand-in process (`--token-delay-ms` makes every generated token take that long). */
export async function startStandIn(
  model: string,
  tokenDelayMs: number,
  extraArgs: string[] = [],
): Promise<Proc & { url: string }> {
  const port = await freePort();
  const proc = run(
    process.execPath,
    [
      "--import",
      "tsx",
      "test/vllm-stand-in/main.ts",
      "--port",
      String(port),
      "--model",
      model,
      "--token-delay-ms",
      String(tokenDelayMs),
      ...extraArgs,
    ],
    {},
  );
  await proc.line((l) => l.includes("stand-in listening"));
  return { ...proc, url: `http://127.0.0.1:${port}` };
}

export const authHeaders = { "x-api-key": PROCESS_KEY };

export async function dashboardState(url: string): Promise<{
  queued: number;
  running: number;
  inFlight: number;
  recent: { job_id: string; outcome: string; transport: string }[];
}> {
  return (await fetch(`${url}/dashboard/state`, { headers: authHeaders })).json();
}

export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await sleep(25);
  }
  throw new Error("condition not met in time");
}
