/**
 * Server-sent events as vLLM writes them: `data: <json>` events separated by blank lines, ending
 * with `data: [DONE]`; no `event:` or `id:` lines, though other fields and comments are ignored.
 */

/** A response body as undici's request() gives it (a Node stream): chunks, and destroy() to cut it. */
export interface SseBody extends AsyncIterable<Uint8Array> {
  destroy(error?: Error): unknown;
}

/**
 * Calls onData with the payload of each event until `[DONE]` ("done") or the end of the body
 * ("eof": the stream broke off). If onData throws, or reading fails, the body is destroyed,
 * which closes the connection so vLLM stops generating.
 */
export async function readSse(body: SseBody, onData: (data: string) => void): Promise<"done" | "eof"> {
  const reader = body[Symbol.asyncIterator]();
  const decoder = new TextDecoder();
  let buffer = "";
  let finished = false;
  const drain = (final: boolean): "done" | undefined => {
    // Hold a trailing \r back: its \n may arrive in the next chunk.
    let text = buffer;
    let held = "";
    if (!final && text.endsWith("\r")) {
      held = "\r";
      text = text.slice(0, -1);
    }
    text = text.replace(/\r\n?/g, "\n");
    let boundary = text.indexOf("\n\n");
    while (boundary >= 0 || (final && text.length > 0)) {
      const block = boundary >= 0 ? text.slice(0, boundary) : text;
      text = boundary >= 0 ? text.slice(boundary + 2) : "";
      const data = block
        .split("\n")
        .filter((line) => line.startsWith("data:"))
        .map((line) => line.slice(5).replace(/^ /, ""))
        .join("\n");
      if (data === "[DONE]") return "done";
      if (data !== "") onData(data);
      boundary = text.indexOf("\n\n");
    }
    buffer = text + held;
    return undefined;
  };
  try {
    for (;;) {
      const { value, done } = await reader.next();
      if (done) {
        buffer += decoder.decode();
        finished = true;
        return drain(true) ?? "eof";
      }
      buffer += decoder.decode(value, { stream: true });
      if (drain(false) === "done") {
        finished = await readToEnd(reader);
        return "done";
      }
    }
  } finally {
    if (!finished) body.destroy();
  }
}

/** How long, and how many bytes, the end of a body may take after `[DONE]` before it is cut. */
const END_GRACE_MS = 1000;
const END_GRACE_BYTES = 64 * 1024;

/**
 * vLLM ends the response right after `[DONE]`. Reading to that end, rather than destroying it, lets
 * undici keep the connection alive for the next call instead of opening a new one per step. A
 * body that does not end promptly is left to the caller to cancel (false).
 */
async function readToEnd(reader: AsyncIterator<Uint8Array>): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), END_GRACE_MS);
    timer.unref?.();
  });
  try {
    let extra = 0;
    for (;;) {
      const next = await Promise.race([reader.next(), late]);
      if (next === "late") return false;
      if (next.done) return true;
      extra += next.value.byteLength;
      if (extra > END_GRACE_BYTES) return false;
    }
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
