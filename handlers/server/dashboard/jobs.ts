/**
 * The dashboard's recent jobs: what each request did (its real steps, tokens and times, and the
 * error of a failed one). Content (prompt and answer) is kept only when request logs are on, and
 * then sealed like the request log itself.
 */
import type { SettledRecord } from "../../../core/completion-service.js";
import type { StepFigures } from "../../../core/protocol.js";
import { requestMessages } from "../../../core/prompt.js";
import { openJson, sealJson } from "../../../core/seal.js";

export interface JobView {
  job_id: string;
  at: string;
  transport: string;
  effort: string | null;
  outcome: string;
  cached: boolean;
  ms: number;
  queue_ms: number | null;
  steps: StepFigures[];
  tokens: number;
  error: { code: string; message: string; step?: string } | null;
}

export interface JobContent {
  messages: { role: string; content: string }[];
  answer: string | null;
}

export function jobView(record: SettledRecord, transport: string): JobView {
  const steps = record.result?.steps ?? record.steps;
  return {
    job_id: record.jobId,
    at: new Date().toISOString(),
    transport,
    effort: record.request?.thinking_effort ?? null,
    outcome: record.outcome,
    cached: record.cached,
    ms: record.ms,
    queue_ms: record.queueMs ?? null,
    steps,
    tokens: steps.reduce((n, s) => n + s.prompt_tokens + s.completion_tokens, 0),
    error: record.error
      ? {
          code: record.error.code,
          message: record.error.message,
          ...(record.error.step ? { step: record.error.step } : {}),
        }
      : null,
  };
}

export class RecentJobs {
  private readonly ring: { view: JobView; content?: Buffer }[] = [];

  constructor(
    private readonly limit = 100,
    /** Set when request logs are on: content is kept, sealed under this key. */
    private readonly contentKey?: Buffer,
  ) {}

  push(record: SettledRecord, transport: string): void {
    const entry: { view: JobView; content?: Buffer } = { view: jobView(record, transport) };
    if (this.contentKey && record.request) {
      const content: JobContent = {
        messages: requestMessages(record.request),
        answer: record.result?.text ?? null,
      };
      entry.content = sealJson(this.contentKey, content);
    }
    this.ring.push(entry);
    if (this.ring.length > this.limit) this.ring.shift();
  }

  /** Newest first. */
  list(): JobView[] {
    return this.ring.map((e) => e.view).reverse();
  }

  get(jobId: string): { view: JobView; content: JobContent | null } | undefined {
    const entry = this.ring.find((e) => e.view.job_id === jobId);
    if (!entry) return undefined;
    return {
      view: entry.view,
      content: entry.content && this.contentKey ? openJson<JobContent>(this.contentKey, entry.content) : null,
    };
  }
}
