/**
 * The RunPod worker loop: waits for the engine, then takes jobs while slots are free (a batch take
 * when more than one is), runs each through the job handler, streams its items, reports job-done,
 * pings the heartbeat and listens on the job-stop channel. shutdown() stops taking and resolves
 * run() once the running jobs have finished and reported.
 */
import type { Logger } from "pino";
import type { CompletionService } from "../../core/completion-service.js";
import { DeliberateError } from "../../core/errors.js";
import { type FetchLike, JobApiClient, sleep } from "./job-api-client.js";
import { failureBody, type JobServices, outcomeBody, runJob } from "./job-handler.js";
import { createServiceJobServices } from "./services.js";
import { runHeartbeat } from "./heartbeat.js";
import { fitResult } from "./result-size.js";
import { runStopChannel } from "./stop-channel.js";
import { StreamSender } from "./stream-sender.js";
import type { WorkerConfig } from "./worker-config.js";

export interface WorkerOptions {
  config: WorkerConfig;
  service: CompletionService;
  log: Logger;
  /**
   * Polled before the first take until it answers true; default: the service's engine is ready
   * (loaded, canary passed).
   */
  isReady?: (signal: AbortSignal) => Promise<boolean>;
  fetch?: FetchLike;
}

interface RunningJob {
  controller: AbortController;
  stoppedByPlatform: boolean;
  done: Promise<void>;
}

export class RunPodWorker {
  readonly client: JobApiClient;
  private readonly running = new Map<string, RunningJob>();
  /** Fires on shutdown: ends the take loop (aborting a long poll in flight). */
  private readonly taking = new AbortController();
  /** Fires once the jobs have drained: ends heartbeat and stop channel. */
  private readonly background = new AbortController();
  private slotFreed: (() => void) | undefined;
  private readonly log: Logger;
  private readonly services: JobServices;

  constructor(private readonly options: WorkerOptions) {
    this.log = options.log;
    this.services = createServiceJobServices(options.service);
    this.client = new JobApiClient(options.config, options.log, options.fetch);
  }

  get runningJobIds(): string[] {
    return [...this.running.keys()];
  }

  get stopping(): boolean {
    return this.taking.signal.aborted;
  }

  /** Stop taking jobs; run() resolves after the running ones finish. `force` also aborts them. */
  shutdown(force = false): void {
    if (!this.stopping) this.log.info({ running: this.running.size }, "shutting down: no new jobs");
    this.taking.abort();
    this.slotFreed?.();
    if (force) {
      for (const job of this.running.values()) {
        job.controller.abort(new DeliberateError("shutting_down", "the worker is shutting down"));
      }
    }
  }

  /** Aborts the named jobs (from the job-stop channel); unknown ids are ignored. */
  stopJobs(ids: string[]): void {
    for (const id of ids) {
      const job = this.running.get(id);
      if (!job) continue;
      this.log.info({ jobId: id }, "job stopped by RunPod");
      job.stoppedByPlatform = true;
      job.controller.abort(new DeliberateError("cancelled", "the job was stopped by RunPod"));
    }
  }

  async run(): Promise<void> {
    const { config } = this.options;
    const bg = this.background.signal;
    const heartbeat = runHeartbeat(this.client, config.pingIntervalMs, () => this.runningJobIds, bg);
    await this.waitReady();
    const stopChannel = this.stopping
      ? Promise.resolve()
      : runStopChannel(this.client, (ids) => this.stopJobs(ids), config.timings, this.log, bg);
    if (!this.stopping) this.log.info({ concurrency: config.concurrency }, "taking jobs");
    await this.takeLoop();
    await Promise.all([...this.running.values()].map((job) => job.done));
    this.background.abort();
    await Promise.all([heartbeat, stopChannel]);
    this.log.info("worker stopped");
  }

  private async waitReady(): Promise<void> {
    const { config, service } = this.options;
    const isReady =
      this.options.isReady ?? (async (signal: AbortSignal) => (await service.engine.health(signal)).ready);
    let logged = false;
    while (!this.stopping) {
      const ready = await isReady(this.taking.signal).catch(() => false);
      if (ready) return;
      if (!logged) this.log.info("waiting for the engine to be ready before taking jobs");
      logged = true;
      await sleep(config.timings.readyPollMs, this.taking.signal);
    }
  }

  private async takeLoop(): Promise<void> {
    const { config } = this.options;
    const { timings } = config;
    const signal = this.taking.signal;
    while (!signal.aborted) {
      const free = config.concurrency - this.running.size;
      if (free <= 0) {
        await new Promise<void>((resolve) => {
          this.slotFreed = resolve;
        });
        this.slotFreed = undefined;
        continue;
      }
      const started = performance.now();
      const result = await this.client.take(free, this.running.size > 0, signal);
      if (result.kind === "jobs") {
        // Jobs already handed to us are run even if shutdown began meanwhile: dropping them would lose them.
        for (const job of result.jobs) this.accept(job);
        continue;
      }
      if (result.kind === "backoff") {
        this.log.debug("job-take answered 429; backing off");
        await sleep(timings.backoffMs, signal);
      } else if (result.kind === "error") {
        this.log.warn({ err: result.message }, "job-take failed");
        await sleep(timings.errorDelayMs, signal);
      }
      const elapsed = performance.now() - started;
      if (elapsed < timings.minPollIntervalMs) await sleep(timings.minPollIntervalMs - elapsed, signal);
    }
  }

  /** Starts one taken job; a job without an id cannot be answered, so it is only logged. */
  private accept(raw: unknown): void {
    const job = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
    const id = typeof job.id === "string" && job.id !== "" ? job.id : undefined;
    if (!id) {
      this.log.error({ keys: Object.keys(job) }, "job without an id dropped");
      return;
    }
    if (this.running.has(id)) {
      this.log.warn({ jobId: id }, "job already running; duplicate ignored");
      return;
    }
    const controller = new AbortController();
    const entry: RunningJob = { controller, stoppedByPlatform: false, done: Promise.resolve() };
    this.running.set(id, entry);
    entry.done = this.execute(id, job.input, entry).finally(() => {
      this.running.delete(id);
      this.slotFreed?.();
    });
  }

  private async execute(id: string, input: unknown, entry: RunningJob): Promise<void> {
    const never = new AbortController().signal; // result POSTs outlive shutdown; they have their own timeout
    if (input === undefined || input === null) {
      const error = new DeliberateError("invalid_request", "the job has no input", { param: "input" });
      await this.client.done(id, failureBody(error), false, never);
      return;
    }
    const sender = new StreamSender((item) => this.client.stream(id, item, never));
    const outcome = await runJob(
      input,
      { jobId: id, signal: entry.controller.signal, onStream: (item) => sender.push(item) },
      this.services,
    );
    await sender.flush();
    if (entry.stoppedByPlatform) return; // RunPod already ended it; runpod-python posts nothing either
    if (outcome.status === "failed") {
      this.log.info({ jobId: id, code: outcome.error.code }, "job failed");
    }
    const full = outcomeBody(outcome);
    const body = fitResult(full);
    if (body !== full) this.log.warn({ jobId: id }, "job result over RunPod's size limit: sent as an error");
    await this.client.done(id, body, outcome.streamed, never);
  }
}
