/**
 * RunPod's worker URL templates: plain string replacement of `$ID` and
 * `$RUNPOD_POD_ID`, query parameters appended with `&`. Real templates end in `?`; we also
 * accept templates without a query so hand-written ones work.
 */

/** Replaces `$RUNPOD_POD_ID` with the worker id and `$ID` with `id` (the worker id for job-take). */
export function fillTemplate(template: string, podId: string, id: string = podId): string {
  // `$RUNPOD_POD_ID` first: it does not contain `$ID`, but replacing it first keeps that obvious.
  return template.replaceAll("$RUNPOD_POD_ID", podId).replaceAll("$ID", id);
}

/** Appends `params` as a query, tolerating a URL with no `?`, an open `?`, or a trailing `&`. */
export function withQuery(url: string, params: Record<string, string | number | undefined>): string {
  const pairs = Object.entries(params)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  if (pairs.length === 0) return url;
  const query = pairs.join("&");
  if (!url.includes("?")) return `${url}?${query}`;
  if (url.endsWith("?") || url.endsWith("&")) return url + query;
  return `${url}&${query}`;
}

/** The job-take-batch URL, or undefined when the template has no `/job-take/` segment to swap. */
export function batchUrlOf(takeUrl: string): string | undefined {
  return takeUrl.includes("/job-take/") ? takeUrl.replace("/job-take/", "/job-take-batch/") : undefined;
}

/** The job-stop long-poll URL (query kept); undefined disables the stop channel, as in runpod-python. */
export function stopUrlOf(takeUrl: string): string | undefined {
  return takeUrl.includes("/job-take/") ? takeUrl.replace("/job-take/", "/job-stop/") : undefined;
}
