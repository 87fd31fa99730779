/**
 * Shared by the server benches: the bundled server and the vLLM stand-in as child processes,
 * percentiles, WebSocket clients, RSS of a process, and the RESULT line the bench runner collects.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  buildBundle,
  PROCESS_KEY,
  type Proc,
  type ServerProc,
  startServerProcess,
  startStandIn,
} from "../test/support/server-process.js";
import WebSocket from "ws";
import { percentile as nearestRank } from "../core/percentile.js";
import { sleep } from "../core/sleep.js";

export { PROCESS_KEY };

/**
 * BENCH_SERVER_CPU_PROF=<dir>: the server process writes a V8 CPU profile there when it exits
 * (open it in Chrome DevTools or speedscope). `--cpu-prof` is refused in NODE_OPTIONS, so a
 * preload starts the profiler through node:inspector instead.
 */
function profilingEnv(): Record<string, string> {
  const dir = process.env.BENCH_SERVER_CPU_PROF;
  if (!dir) return {};
  const outDir = resolve(dir);
  mkdirSync(outDir, { recursive: true });
  const preload = join(tmpdir(), `deliberate-bench-cpuprof-${process.pid}.cjs`);
  writeFileSync(
    preload,
    `const { Session } = require("node:inspector");
const { writeFileSync } = require("node:fs");
const session = new Session();
session.connect();
session.post("Profiler.enable");
session.post("Profiler.setSamplingInterval", { interval: 200 });
session.post("Profiler.start");
process.on("exit", () => {
  session.post("Profiler.stop", (err, result) => {
    if (!err) writeFileSync(${JSON.stringify(outDir)} + "/server-" + process.pid + ".cpuprofile", JSON.stringify(result.profile));
  });
});
`,
  );
  return { NODE_OPTIONS: `--require ${preload}` };
}

export async function startStack(
  name: string,
  env: Record<string, string> = {},
  standInArgs: string[] = [],
): Promise<{ standIn: Proc & { url: string }; server: ServerProc; model: string; stop(): Promise<void> }> {
  const model = "bench-model";
  const standIn = await startStandIn(model, 0, standInArgs);
  const bundle = await buildBundle(`bench-${name}`);
  const server = await startServerProcess(bundle, {
    VLLM_URL: standIn.url,
    MODEL_NAME: model,
    ORCH_MODEL: undefined,
    ...profilingEnv(),
    ...env,
  });
  for (let i = 0; i < 400; i++) {
    const res = await fetch(`${server.url}/ready`, { headers: { "x-api-key": PROCESS_KEY } });
    if (res.ok) break;
    await sleep(25);
  }
  return {
    standIn,
    server,
    model,
    async stop() {
      await server.stop();
      standIn.kill();
      await standIn.exited;
    },
  };
}

/** Nearest-rank percentile (core/percentile.ts); NaN for no values. */
export function percentile(values: readonly number[], p: number): number {
  return nearestRank(values, p) ?? Number.NaN;
}

/** `n` authenticated WebSocket clients of the server, all open. */
export function openClients(url: string, n: number): Promise<WebSocket[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url, { headers: { "x-api-key": PROCESS_KEY }, perMessageDeflate: false });
          ws.once("open", () => resolve(ws));
          ws.once("error", reject);
        }),
    ),
  );
}

/** Resident set size of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const status = readFileSync(join("/proc", String(pid), "status"), "utf8");
  const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}

/** CPU time (user + system) a process has used, in milliseconds (Linux /proc). */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(join("/proc", String(pid), "stat"), "utf8")
    .split(") ")[1]!
    .split(" ");
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in clock ticks.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export function selfCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** The bench's lines for people, then one machine-readable line for bench/run.ts's summary. */
export function report(
  name: string,
  figures: Record<string, number | string | boolean>,
  lines: string[] = [],
): void {
  if (lines.length) console.log(lines.join("\n"));
  process.stdout.write(`RESULT ${JSON.stringify({ name, ...figures })}\n`);
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
