/**
 * One engine host process: forked with an IPC channel and a JS heap bound, its stdout/stderr read
 * line by line into the log (never passed through raw), its RSS watched against a bound. It loads
 * the model on `start()` and reports how it ended exactly once, through `onExit`.
 */
import { type ChildProcess, fork } from "node:child_process";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { ModelInfo } from "../../../engine.js";
import { DeliberateError } from "../../../errors.js";
import { NativeLogSplitter } from "./native-log.js";
import { type FromHost, fromWire, type HostEngineOptions, type ToHost } from "./protocol.js";
import type { EngineLog } from "../../../engine.js";

export type HostLog = EngineLog;

export interface HostLimits {
  /** --max-old-space-size of the host, in MB. */
  maxHeapMb: number;
  /** RSS bound in MB; undefined = the RSS once loaded plus rssHeadroomMb. */
  maxRssMb?: number;
  rssHeadroomMb: number;
  /** How often the RSS is read. */
  rssCheckMs: number;
}

export interface HostReady {
  info: ModelInfo;
  maxTokenBytes: number;
  concurrency: number;
}

/** Why the host ended: set by whoever killed it, else read from the exit status. */
export interface HostEnd {
  reason: string;
  /** The request that caused it, when one did (a time bound, an unacknowledged cancel). */
  culprit?: number;
  /** True when the culprit is known, so the other requests are innocent. */
  attributed: boolean;
}

/** The host's script: the TypeScript source under tsx, or engine-host.js beside a bundle. */
export function hostEntry(): { file: string; execArgv: string[] } {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".ts")) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
    return { file: path.join(path.dirname(here), "child.ts"), execArgv: ["--import", tsx] };
  }
  return { file: path.join(path.dirname(here), "engine-host.js"), execArgv: [] };
}

/** VmRSS of a process in MB, or undefined where /proc is not readable. */
export async function readRssMb(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

export class HostProcess {
  readonly child: ChildProcess;
  ready: HostReady | undefined;
  rssBoundMb: number | undefined;
  private ended: HostEnd | undefined;
  private heapExhausted = false;
  private watchdog: NodeJS.Timeout | undefined;

  constructor(
    options: HostEngineOptions,
    private readonly limits: HostLimits,
    private readonly log: HostLog,
    private readonly onMessage: (message: FromHost) => void,
    private readonly onExit: (end: HostEnd) => void,
    faults: boolean,
  ) {
    const entry = hostEntry();
    this.child = fork(entry.file, [], {
      execArgv: [...entry.execArgv, `--max-old-space-size=${limits.maxHeapMb}`],
      stdio: ["ignore", "pipe", "pipe", "ipc"],
      serialization: "json",
    });
    for (const stream of ["stdout", "stderr"] as const) {
      const splitter = new NativeLogSplitter((line) => {
        if (/heap out of memory|Reached heap limit/i.test(line)) this.heapExhausted = true;
        this.log("warn", `engine host ${stream}: ${line}`, { source: "engine-host", stream });
      });
      this.child[stream]?.setEncoding("utf8");
      this.child[stream]?.on("data", (chunk: string) => splitter.push(chunk));
      this.child[stream]?.on("end", () => splitter.end());
    }
    this.child.on("message", (message: FromHost) => this.onMessage(message));
    this.child.on("error", (err) => this.log("error", `engine host: ${err.message}`));
    // "close" comes after the output is read, so a heap-limit message is seen before the end.
    this.child.on("close", (code, signal) => this.exited(code, signal));
    this.send({ t: "init", options, faults });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  /** Resolves once the model is loaded; rejects with the host's own error when it cannot load. */
  whenReady(): Promise<HostReady> {
    return new Promise((resolve, reject) => {
      const onMessage = (message: FromHost) => {
        if (message.t === "ready") {
          cleanup();
          this.ready = {
            info: message.info,
            maxTokenBytes: message.maxTokenBytes,
            concurrency: message.concurrency,
          };
          const ready = this.ready;
          void this.startWatchdog().then(() => resolve(ready));
        } else if (message.t === "fatal") {
          cleanup();
          reject(fromWire(message.error));
        }
      };
      const onExit = () => {
        cleanup();
        reject(
          new DeliberateError("engine_unavailable", `the engine host ${this.describeExit()} while loading`),
        );
      };
      const cleanup = () => {
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
      };
      this.child.on("message", onMessage);
      this.child.on("exit", onExit);
    });
  }

  send(message: ToHost): boolean {
    if (!this.alive || !this.child.connected) return false;
    try {
      return this.child.send(message);
    } catch {
      return false;
    }
  }

  /** Ends the host now (SIGKILL: native code may ignore anything gentler), naming why. */
  kill(end: HostEnd): void {
    if (this.ended || this.killedFor) return;
    this.killedFor = end;
    this.child.kill("SIGKILL");
  }

  /** Asks the host to unload and exit; kills it when it has not within `ms`. */
  async close(ms = 2000): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.killedFor = { reason: "was closed", attributed: true };
    this.child.disconnect?.();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), ms);
    await exited;
    clearTimeout(timer);
  }

  private killedFor: HostEnd | undefined;

  private async startWatchdog(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined) return;
    const baseline = await readRssMb(pid);
    if (baseline === undefined) {
      this.log("warn", "engine host: /proc is not readable, so its RSS bound is not enforced");
      return;
    }
    this.rssBoundMb = this.limits.maxRssMb ?? Math.ceil(baseline + this.limits.rssHeadroomMb);
    this.watchdog = setInterval(async () => {
      const rss = await readRssMb(pid);
      if (rss !== undefined && rss > (this.rssBoundMb ?? Number.POSITIVE_INFINITY) && this.alive) {
        this.kill({
          reason: `exceeded its memory bound (RSS ${Math.round(rss)} MB > ${this.rssBoundMb} MB)`,
          attributed: false,
        });
      }
    }, this.limits.rssCheckMs);
    this.watchdog.unref();
  }

  private describeExit(code = this.child.exitCode, signal = this.child.signalCode): string {
    if (this.heapExhausted)
      return `exceeded its JS heap bound (--max-old-space-size=${this.limits.maxHeapMb} MB)`;
    if (signal === "SIGKILL") return "was killed (SIGKILL: the system may have run out of memory)";
    if (signal) return `crashed (${signal})`;
    return `exited with code ${code}`;
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ended) return;
    clearInterval(this.watchdog);
    this.ended = this.killedFor ?? { reason: this.describeExit(code, signal), attributed: false };
    this.onExit(this.ended);
  }
}
