/** Sends one completion request to a running Deliberate over HTTP and sorts what comes back. */
import type { CompletionRequestInput, CompletionResult } from "../core/protocol.js";

export type Outcome =
  | { kind: "result"; result: CompletionResult }
  | { kind: "error"; code: string; message: string };

export async function complete(
  url: string,
  apiKey: string,
  request: CompletionRequestInput,
  signal?: AbortSignal,
): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(`${url.replace(/\/$/, "")}/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify(request),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted) throw err;
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { kind: "error", code: "connection_failed", message: `${url}: ${cause ?? String(err)}` };
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { kind: "error", code: `http_${response.status}`, message: text.slice(0, 200) };
  }
  const error = (body as { error?: { code?: string; message?: string } }).error;
  if (!response.ok || error) {
    return {
      kind: "error",
      code: error?.code ?? `http_${response.status}`,
      message: error?.message ?? text.slice(0, 200),
    };
  }
  return { kind: "result", result: body as CompletionResult };
}
