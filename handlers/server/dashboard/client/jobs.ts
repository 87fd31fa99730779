/** The recent-requests table and the job view (step timeline, error, content when kept). */
import type { JobContent, JobView } from "../jobs.js";
import { $, getJson, text } from "./api.js";

export function drawRecent(jobs: JobView[]): void {
  const body = $("recent").querySelector("tbody")!;
  body.replaceChildren(
    ...jobs.map((job) => {
      const tr = document.createElement("tr");
      tr.dataset.job = job.job_id;
      const cells = [
        new Date(job.at).toLocaleTimeString(),
        job.job_id.slice(0, 12),
        job.transport,
        job.effort ?? "-",
        String(job.steps.length),
        String(job.tokens),
        String(Math.round(job.ms)),
        job.cached ? `${job.outcome} (cached)` : job.outcome,
      ];
      tr.append(...cells.map((c, i) => text("td", c, i === 7 && job.outcome !== "ok" ? "bad" : undefined)));
      tr.append(text("td", job.error ? job.error.message : "", "err"));
      tr.addEventListener("click", () => void openJob(job.job_id));
      return tr;
    }),
  );
}

export async function openJob(jobId: string): Promise<void> {
  const job = await getJson<JobView & { content: JobContent | null }>(
    `/dashboard/jobs/${encodeURIComponent(jobId)}`,
  );
  $("jobid").textContent = job.job_id;
  const rows: [string, number, number | null, string][] = [];
  if (job.queue_ms !== null) rows.push(["queued", job.queue_ms, null, "queued"]);
  for (const s of job.steps) rows.push([s.step, s.ms, s.completion_tokens, ""]);
  if (job.error?.step && !job.steps.some((s) => s.step === job.error!.step))
    rows.push([job.error.step, 0, null, "failed"]);
  const longest = Math.max(1, ...rows.map((r) => r[1]));
  const table = document.createElement("table");
  table.className = "timeline";
  for (const [name, ms, tokens, cls] of rows) {
    const tr = document.createElement("tr");
    const bar = document.createElement("div");
    bar.className = `bar ${cls}`;
    bar.style.width = `${Math.max(1, (ms / longest) * 100)}%`;
    const barCell = document.createElement("td");
    barCell.style.width = "50%";
    barCell.append(bar);
    tr.append(
      text("td", name),
      text("td", `${Math.round(ms)} ms`),
      text("td", tokens === null ? "" : `${tokens} tokens`),
      barCell,
    );
    table.append(tr);
  }
  const parts: HTMLElement[] = [
    text(
      "p",
      `${job.transport} · effort ${job.effort ?? "-"} · ${job.outcome} · ${Math.round(job.ms)} ms total`,
    ),
    table,
  ];
  if (job.error)
    parts.push(
      text(
        "p",
        `${job.error.code}${job.error.step ? ` in ${job.error.step}` : ""}: ${job.error.message}`,
        "err",
      ),
    );
  if (job.content) {
    for (const m of job.content.messages) parts.push(text("pre", `${m.role}: ${m.content}`));
    if (job.content.answer !== null) parts.push(text("pre", `answer: ${job.content.answer}`));
  } else {
    parts.push(
      text("p", "Content is kept only when request logs are on (ORCH_ENABLE_REQUEST_LOGS).", "muted"),
    );
  }
  $("jobbody").replaceChildren(...parts);
  $("job").classList.add("open");
  $("job").scrollIntoView({ block: "nearest" });
}
