/**
 * The engine's readiness as probes and dashboards see it: one health check at a time, reused for a
 * few seconds, so an unauthenticated load-balancer probe can never make the engine do work on demand.
 */
import type { Engine, EngineHealth } from "../../../core/engine.js";
import { toDeliberateError } from "../../../core/errors.js";

export interface EngineStatus extends EngineHealth {
  /** When the check behind this status finished (ISO time). */
  checkedAt: string;
}

export class EngineMonitor {
  private last: EngineStatus | undefined;
  private pending: Promise<EngineStatus> | undefined;
  private lastAt = 0;

  constructor(
    private readonly engine: Engine,
    private readonly freshMs = 5_000,
    private readonly timeoutMs = 10_000,
  ) {}

  /** The last status, without checking: false until a check passed. */
  get ready(): boolean {
    return this.last?.ready ?? false;
  }

  current(): EngineStatus | undefined {
    return this.last;
  }

  /** A status no older than freshMs; concurrent callers share one check. */
  async check(): Promise<EngineStatus> {
    if (this.last && Date.now() - this.lastAt < this.freshMs) return this.last;
    this.pending ??= this.engine
      .health(AbortSignal.timeout(this.timeoutMs))
      .catch((err: unknown): EngineHealth => ({ ready: false, detail: toDeliberateError(err).message }))
      .then((health) => {
        this.last = { ...health, checkedAt: new Date().toISOString() };
        this.lastAt = Date.now();
        this.pending = undefined;
        return this.last;
      });
    return this.pending;
  }
}
