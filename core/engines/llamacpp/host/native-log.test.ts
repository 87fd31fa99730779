import { describe, expect, it } from "vitest";
import { ECHO_QUIET_MS, NativeLogSplitter, sanitizeNativeLine } from "./native-log.js";

describe("native log lines", () => {
  it("keeps ordinary lines, cuts long ones, drops blank ones", () => {
    expect(sanitizeNativeLine("llama_model_load: loaded meta data")).toEqual({
      text: "llama_model_load: loaded meta data",
      redacted: false,
    });
    expect(sanitizeNativeLine("x".repeat(1000))?.text).toMatch(/^x{300}… \(1000 chars\)$/);
    expect(sanitizeNativeLine("   ")).toBeUndefined();
  });

  it("keeps only the head of a line that quotes a grammar", () => {
    const line = sanitizeNativeLine('parse: error parsing grammar: expecting name at SECRET {"a":1}');
    expect(line).toEqual({ text: "parse: (details left out: they quote the request)", redacted: true });
  });

  it("leaves out the echo after a grammar error, across chunks, and says how many lines", async () => {
    const out: string[] = [];
    const splitter = new NativeLogSplitter((line) => out.push(line));
    splitter.push("before\nparse: error parsing grammar: at SECRET\n\nroot ::= SECRET\n");
    splitter.push('{"level":60,"msg":"forged"}\nfoo ::= SEC');
    await new Promise((r) => setTimeout(r, ECHO_QUIET_MS * 3));
    splitter.push("after\n");
    splitter.end();
    expect(out).toEqual([
      "before",
      "parse: (details left out: they quote the request)",
      "(4 lines of request content left out)",
      "after",
    ]);
  });
});
