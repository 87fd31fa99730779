/**
 * The embedded engine as the server sees it: the Engine interface, served by an engine host
 * process (child.ts) that this side supervises. Tokenization and grammar compilation run there,
 * never on the server's event loop. When the host crashes, exceeds its memory bound, holds a
 * request past the time bound, or does not free a cancelled request's sequence within
 * `cancelGraceMs`, it is killed and restarted; every request it held ends exactly once: failed
 * with engine_error naming what happened, or re-sent to the new host where that is safe.
 */
import { EventEmitter } from "node:events";
import type * as api from "../../../engine.js";
import { DeliberateError, throwIfAborted, toDeliberateError } from "../../../errors.js";
import { SequencePool } from "../sequence-pool.js";
import { type HostEnd, type HostLimits, type HostLog, HostProcess, type HostReady } from "./host-process.js";
import { afterHostEnd } from "./host-end.js";
import { checkPromptBytes } from "./prompt-bytes.js";
import {
  type FromHost,
  fromWire,
  type HostCall,
  type HostEngineOptions,
  type HostFault,
  type HostResult,
} from "./protocol.js";

export interface HostEngineConfig {
  engine: HostEngineOptions;
  limits?: Partial<HostLimits>;
  /** Time bound: a request the host has not moved for this long (no token, no answer) ends it. */
  stallMs?: number;
  /** How long a cancelled completion may keep its sequence before the host is killed. */
  cancelGraceMs?: number;
  log?: HostLog;
  /** Accept test-only faults (fault()); never set outside tests. */
  faults?: boolean;
}

interface Pending {
  id: number;
  call: HostCall;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal | undefined;
  onDelta: ((text: string) => void) | undefined;
  deltas: number;
  /** The host it was sent to; undefined while it waits for one. */
  host: HostProcess | undefined;
  lastProgress: number;
  retried: boolean;
  cancelledAt: number | undefined;
  cancelTimer: NodeJS.Timeout | undefined;
  onAbort: () => void;
}

const DEFAULT_LIMITS: HostLimits = { maxHeapMb: 1024, rssHeadroomMb: 2048, rssCheckMs: 250 };

export class HostEngine implements api.Engine {
  readonly kind = "llamacpp";
  /** "cancel" {id, acked, ms}, "exit" HostEnd, "up" HostStatus: for tests and logs. */
  readonly events = new EventEmitter();
  private host: HostProcess;
  private ready: HostReady | undefined;
  private state: api.HostStatus["state"] = "starting";
  private restarts = 0;
  private crashes = 0;
  private lastExit: string | undefined;
  private quickFailures = 0;
  private upSince = 0;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private slots: SequencePool<{ contextTokens: number[] }> | undefined;
  private readonly limits: HostLimits;
  private readonly stallMs: number;
  private readonly cancelGraceMs: number;
  private readonly log: HostLog;
  private readonly stallTimer: NodeJS.Timeout;
  private restartTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly config: HostEngineConfig) {
    this.limits = { ...DEFAULT_LIMITS, ...config.limits };
    this.stallMs = config.stallMs ?? 60_000;
    this.cancelGraceMs = config.cancelGraceMs ?? 60;
    this.log = config.log ?? (() => undefined);
    this.host = this.spawn();
    this.stallTimer = setInterval(() => this.checkStalls(), Math.min(1000, this.stallMs / 4));
    this.stallTimer.unref();
  }

  /** Starts the host and waits for the model; fails as the host failed to load. */
  static async start(config: HostEngineConfig): Promise<HostEngine> {
    const engine = new HostEngine(config);
    try {
      engine.up(await engine.host.whenReady());
    } catch (err) {
      await engine.close();
      throw err;
    }
    return engine;
  }

  modelInfo(): api.ModelInfo {
    if (!this.ready) throw new DeliberateError("engine_unavailable", "the engine host is not loaded");
    return this.ready.info;
  }

  status(): api.HostStatus {
    return {
      state: this.state,
      ...(this.host.alive && this.host.pid !== undefined ? { pid: this.host.pid } : {}),
      restarts: this.restarts,
      crashes: this.crashes,
      ...(this.lastExit ? { lastExit: this.lastExit } : {}),
      ...(this.host.rssBoundMb === undefined ? {} : { rssBoundMb: this.host.rssBoundMb }),
    };
  }

  /** Completion slots of this side (one per host sequence): free and waiting. */
  stats(): { sequences: number; available: number; waiting: number; inFlight: number } {
    return {
      sequences: this.ready?.concurrency ?? 0,
      available: this.slots?.available ?? 0,
      waiting: this.slots?.waiting ?? 0,
      inFlight: this.pending.size,
    };
  }

  async countTokens(text: string, signal?: AbortSignal): Promise<number> {
    throwIfAborted(signal);
    checkPromptBytes(text, 0, this.modelInfo().maxModelLen, this.ready!.maxTokenBytes);
    return this.invoke<"countTokens">({ op: "countTokens", text }, signal);
  }

  async prepareConstraint(constraint: api.Constraint, signal?: AbortSignal): Promise<void> {
    await this.invoke<"prepareConstraint">({ op: "prepareConstraint", constraint }, signal);
  }

  async completion(call: api.CompletionCall): Promise<api.CompletionOutput> {
    const { signal, onDelta, ...rest } = call;
    throwIfAborted(signal);
    checkPromptBytes(call.prompt, call.maxTokens, this.modelInfo().maxModelLen, this.ready!.maxTokenBytes);
    const slot = await this.slots!.acquire([], signal);
    try {
      return await this.invoke<"completion">(
        { op: "completion", call: rest, stream: !!onDelta },
        signal,
        onDelta,
      );
    } finally {
      this.slots?.release(slot);
    }
  }

  async embeddings(call: api.EmbeddingsCall): Promise<api.EmbeddingsOutput> {
    const { signal, ...rest } = call;
    return this.invoke<"embeddings">({ op: "embeddings", ...rest }, signal);
  }

  async health(signal?: AbortSignal): Promise<api.EngineHealth> {
    const host = this.status();
    if (this.state !== "up") {
      const after = this.lastExit ? ` after it ${this.lastExit}` : "";
      return { ready: false, detail: `the engine host is ${this.state}${after}`, host };
    }
    try {
      const health = await this.invoke<"health">({ op: "health" }, signal);
      return { ...health, host: this.status() };
    } catch (err) {
      return { ready: false, detail: toDeliberateError(err, signal).message, host: this.status() };
    }
  }

  /** Test-only: makes the host crash or hold its event loop (ignored unless `faults` was set). */
  fault(fault: HostFault): void {
    this.host.send({ t: "fault", ...fault });
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    clearInterval(this.stallTimer);
    clearTimeout(this.restartTimer);
    this.slots?.close();
    for (const p of this.pending.values()) {
      this.settle(p, new DeliberateError("shutting_down", "the engine is closed"));
    }
    await this.host.close();
  }

  private spawn(): HostProcess {
    const host: HostProcess = new HostProcess(
      this.config.engine,
      this.limits,
      this.log,
      (message) => this.onMessage(host, message),
      (end) => this.onExit(host, end),
      this.config.faults ?? false,
    );
    return host;
  }

  private up(ready: HostReady): void {
    if (this.state === "closed") return;
    this.ready = ready;
    this.slots ??= new SequencePool(
      Array.from({ length: ready.concurrency }, () => ({ contextTokens: [] as number[] })),
    );
    this.state = "up";
    this.upSince = performance.now();
    this.log("info", `engine host up (pid ${this.host.pid}, RSS bound ${this.host.rssBoundMb ?? "?"} MB)`, {
      source: "engine-host",
      restarts: this.restarts,
      crashes: this.crashes,
    });
    this.events.emit("up", this.status());
    for (const p of this.pending.values()) if (!p.host) this.send(p);
  }

  private invoke<K extends HostCall["op"]>(
    call: HostCall & { op: K },
    signal?: AbortSignal,
    onDelta?: (text: string) => void,
  ): Promise<HostResult[K]> {
    throwIfAborted(signal);
    if (this.state === "closed") {
      return Promise.reject(new DeliberateError("shutting_down", "the engine is closed"));
    }
    return new Promise((resolve, reject) => {
      const p: Pending = {
        id: this.nextId++,
        call,
        resolve: resolve as (value: unknown) => void,
        reject,
        signal,
        onDelta,
        deltas: 0,
        host: undefined,
        lastProgress: performance.now(),
        retried: false,
        cancelledAt: undefined,
        cancelTimer: undefined,
        onAbort: () => this.abort(p),
      };
      signal?.addEventListener("abort", p.onAbort, { once: true });
      this.pending.set(p.id, p);
      if (this.state === "up") this.send(p);
    });
  }

  private send(p: Pending): void {
    p.host = this.host;
    p.lastProgress = performance.now();
    this.host.send({ t: "call", id: p.id, ...p.call });
  }

  /** Exactly one terminal outcome per request: the first settle wins, later ones are no-ops. */
  private settle(p: Pending, error: unknown, value?: unknown): void {
    if (!this.pending.delete(p.id)) return;
    clearTimeout(p.cancelTimer);
    p.signal?.removeEventListener("abort", p.onAbort);
    if (error === undefined) p.resolve(value);
    else p.reject(error);
  }

  private abort(p: Pending): void {
    const reason = toDeliberateError(p.signal?.reason, p.signal);
    const host = p.host;
    if (!host || p.call.op !== "completion") {
      if (host) host.send({ t: "cancel", id: p.id });
      this.settle(p, reason);
      return;
    }
    // A completion holds a sequence: it ends when the host says the sequence is free, or the
    // host is killed (and with it the sequence) when it does not say so in time.
    p.cancelledAt = performance.now();
    host.send({ t: "cancel", id: p.id });
    p.cancelTimer = setTimeout(() => {
      if (!this.pending.has(p.id)) return;
      this.settle(p, reason);
      this.events.emit("cancel", { id: p.id, acked: false, ms: performance.now() - p.cancelledAt! });
      host.kill({
        reason: `held a cancelled request's sequence for more than ${this.cancelGraceMs} ms`,
        culprit: p.id,
        attributed: true,
      });
    }, this.cancelGraceMs);
  }

  private onMessage(host: HostProcess, message: FromHost): void {
    if (message.t === "log") {
      this.log(message.level, message.msg, { source: "engine-host" });
      return;
    }
    if (host !== this.host || !("id" in message)) return;
    const p = this.pending.get(message.id);
    if (!p || p.host !== host) return;
    p.lastProgress = performance.now();
    switch (message.t) {
      case "delta":
        p.deltas++;
        if (p.cancelledAt === undefined) p.onDelta?.(message.text);
        return;
      case "progress":
        return;
      case "done":
      case "fail":
        if (p.cancelledAt !== undefined) {
          this.events.emit("cancel", { id: p.id, acked: true, ms: performance.now() - p.cancelledAt });
          this.settle(p, toDeliberateError(p.signal?.reason, p.signal));
        } else if (message.t === "done") this.settle(p, undefined, message.value);
        else this.settle(p, fromWire(message.error));
        return;
    }
  }

  private onExit(host: HostProcess, end: HostEnd): void {
    if (host !== this.host || this.state === "closed") return;
    const wasUp = this.state === "up";
    this.state = "restarting";
    this.lastExit = end.reason;
    if (!end.attributed) this.crashes++;
    this.log("error", `engine host ${end.reason}; restarting it`, { source: "engine-host", pid: host.pid });
    this.events.emit("exit", end);
    for (const p of [...this.pending.values()]) {
      if (p.host !== host) continue;
      const fate = afterHostEnd(
        {
          id: p.id,
          op: p.call.op,
          deltas: p.deltas,
          retried: p.retried,
          cancelled: p.cancelledAt !== undefined,
        },
        end,
      );
      if (fate === "retry") {
        p.retried = true;
        p.host = undefined;
      } else this.settle(p, fate);
    }
    this.quickFailures = wasUp && performance.now() - this.upSince > 30_000 ? 0 : this.quickFailures + 1;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = this.quickFailures <= 1 ? 0 : Math.min(10_000, 250 * 2 ** (this.quickFailures - 1));
    this.restartTimer = setTimeout(() => {
      if (this.state === "closed") return;
      this.restarts++;
      this.host = this.spawn();
      this.host.whenReady().then(
        (ready) => this.up(ready),
        (err: unknown) => {
          const message = `the engine host failed to restart: ${toDeliberateError(err).message}`;
          this.log("error", message);
          // Requests waiting for it fail now rather than at their deadline; the restarts go on.
          for (const p of [...this.pending.values()]) {
            if (!p.host) this.settle(p, new DeliberateError("engine_unavailable", message));
          }
        },
      );
    }, delay);
  }

  private checkStalls(): void {
    if (this.state !== "up") return;
    const now = performance.now();
    for (const p of this.pending.values()) {
      if (p.host !== this.host || p.cancelledAt !== undefined) continue;
      if (now - p.lastProgress > this.stallMs) {
        this.host.kill({
          reason: `exceeded the engine host's time bound (no progress for ${Math.round(this.stallMs / 1000)} s)`,
          culprit: p.id,
          attributed: true,
        });
        return;
      }
    }
  }
}
