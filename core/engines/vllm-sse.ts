/**
 * Server-sent events as vLLM writes them: `data: <json>` events separated by blank lines, ending
 * with `data: [DONE]`; no `event:` or `id:` lines, though other fields and comments are ignored.
 */

/**
 * Calls onData with the payload of each event until `[DONE]` ("done") or the end of the body
 * ("eof": the stream broke off). If onData throws, or reading fails, the body is cancelled,
 * which closes the connection so vLLM stops generating.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onData: (data: string) => void,
): Promise<"done" | "eof"> {
  const reader = body.getReader();
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
      const { value, done } = await reader.read();
      if (done) {
        buffer += decoder.decode();
        finished = true;
        return drain(true) ?? "eof";
      }
      buffer += decoder.decode(value, { stream: true });
      if (drain(false) === "done") return "done";
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => undefined);
  }
}
