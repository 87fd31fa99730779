/**
 * The dashboard's data: a ring of the most recent requests and a snapshot of the queue. The page
 * itself is in dashboard-page.ts.
 */
import type { ServiceStats, SettledRecord } from "../../core/completion-service.js";

export interface RecentRequest {
  at: string;
  job_id: string;
  transport: string;
  effort: string | null;
  steps: number;
  tokens: number;
  ms: number;
  outcome: string;
  cached: boolean;
}

export interface DashboardState extends ServiceStats {
  engine: string;
  model: string;
  recent: RecentRequest[];
}

export class RecentRequests {
  private readonly ring: RecentRequest[] = [];

  constructor(private readonly limit = 50) {}

  push(record: SettledRecord, transport: string): void {
    this.ring.push(summarize(record, transport));
    if (this.ring.length > this.limit) this.ring.shift();
  }

  /** Newest first. */
  list(): RecentRequest[] {
    return [...this.ring].reverse();
  }
}

export function summarize(record: SettledRecord, transport: string): RecentRequest {
  return {
    at: new Date().toISOString(),
    job_id: record.jobId,
    transport,
    effort: record.request?.thinking_effort ?? null,
    steps: record.result?.steps.length ?? 0,
    tokens: record.result?.usage.total_tokens ?? 0,
    ms: record.ms,
    outcome: record.outcome,
    cached: record.cached,
  };
}
