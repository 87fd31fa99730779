/**
 * A character split over three or more byte tokens that ends a generation right before the
 * end-of-generation token (choice "☃" or "😀" on the demo model's byte vocabulary) comes back from
 * node-llama-cpp 3.21.1's LlamaCompletion as U+FFFD: it holds back one partial token, not several,
 * and drops the rest at the stop. The context sequence still holds every generated token, so the
 * text is decoded again from them; streamed pieces that end in U+FFFD are held until the character
 * completes, and whatever the final text adds to what was streamed is sent last.
 */
const REPLACEMENT = "\uFFFD";

/** The response, or the text decoded from the generated tokens where that only completes its tail. */
export function repairTrailingChar(response: string, decoded: () => string): string {
  if (!response.endsWith(REPLACEMENT)) return response;
  const kept = response.replace(/\uFFFD+$/, "");
  const full = decoded();
  return full.startsWith(kept) && !full.endsWith(REPLACEMENT) ? full : response;
}

/** Streams text pieces so that they add up to the final text. */
export class DeltaGate {
  private held = "";
  private sent = "";

  constructor(private readonly emit: (text: string) => void) {}

  push(piece: string): void {
    const text = this.held + piece;
    if (text.endsWith(REPLACEMENT)) {
      this.held = text;
      return;
    }
    this.held = "";
    this.send(text);
  }

  /** Sends what the final text has beyond the pieces sent so far. */
  finish(text: string): void {
    this.held = "";
    if (text.startsWith(this.sent)) this.send(text.slice(this.sent.length));
  }

  private send(text: string): void {
    if (!text) return;
    this.sent += text;
    this.emit(text);
  }
}
