/**
 * The engine host's raw output (llama.cpp writes to stderr itself, bypassing any logger) as log
 * lines fit for the server log. llama.cpp echoes a grammar it fails to parse, whole, right after
 * its "error parsing grammar" line; that is client text, so the line's detail and the echo that
 * follows it are left out. Everything else is kept, one record per line, cut to MAX_LINE chars.
 */

const MAX_LINE = 300;
/** The echo follows its header in the same write; a quiet gap this long ends it. */
export const ECHO_QUIET_MS = 50;

/** Lines that name request content (grammar text, rule names) past their first colon. */
const CONTENT = /grammar|\brule\b/i;

export interface NativeLogLine {
  text: string;
  /** True when content was left out of it. */
  redacted: boolean;
}

/** One native line as it may be logged: its head only when it quotes request content. */
export function sanitizeNativeLine(raw: string): NativeLogLine | undefined {
  const line = raw.trimEnd();
  if (!line.trim()) return undefined;
  if (CONTENT.test(line)) {
    const head = line.slice(0, line.indexOf(":") + 1 || Math.min(line.length, 40)).slice(0, 80);
    return { text: `${head} (details left out: they quote the request)`, redacted: true };
  }
  return {
    text: line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}… (${line.length} chars)` : line,
    redacted: false,
  };
}

/**
 * Splits a stream of native output chunks into loggable lines. After a line that quotes request
 * content, every following line is dropped until the output has been quiet for ECHO_QUIET_MS
 * (the grammar echo arrives in the same burst); the number dropped is reported once.
 */
export class NativeLogSplitter {
  private partial = "";
  private skipping = false;
  private skipped = 0;
  private quiet: NodeJS.Timeout | undefined;

  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line);
    if (this.skipping) {
      // The echo arrives in one burst: quiet output ends it.
      clearTimeout(this.quiet);
      this.quiet = setTimeout(() => this.endSkip(), ECHO_QUIET_MS);
      this.quiet.unref();
    }
  }

  /** The stream ended: the last unterminated line, and the count of skipped lines. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = "";
    this.endSkip();
  }

  private line(raw: string): void {
    if (this.skipping) {
      this.skipped++;
      return;
    }
    const clean = sanitizeNativeLine(raw);
    if (!clean) return;
    this.emit(clean.text);
    if (clean.redacted) this.skipping = true;
  }

  private endSkip(): void {
    clearTimeout(this.quiet);
    // A partial line held back while skipping belongs to the echo too.
    if (this.skipping && this.partial) {
      this.skipped++;
      this.partial = "";
    }
    if (this.skipped) this.emit(`(${this.skipped} lines of request content left out)`);
    this.skipping = false;
    this.skipped = 0;
  }
}
