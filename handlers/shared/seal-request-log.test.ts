import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { generateKey } from "../../core/seal.js";
import { openLine } from "../../scripts/decrypt-request-logs.js";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY } from "../../test/support/server.js";
import { createLogger } from "./logger.js";
import { createRequestLog } from "./request-log.js";

const dir = mkdtempSync(join(tmpdir(), "deliberate-reqlog-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("sealed request logs", () => {
  it("writes one sealed line per request, with no plaintext, that the key opens", async () => {
    const key = generateKey();
    const path = join(dir, "nested", "requests.jsonl");
    const server = await startTestServer(
      new ScriptedEngine({ fallback: { text: "the answer is PINEAPPLE" } }),
      {},
      { requestLog: createRequestLog(path, key), sealKey: key },
    );
    const secretPrompt = "my password is HUNTER2-SWORDFISH";
    for (const prompt of [secretPrompt, ""]) {
      await fetch(`${server.url}/completions`, {
        method: "POST",
        headers: { "x-api-key": TEST_KEY },
        body: JSON.stringify({ prompt, thinking_effort: "none" }),
      });
    }
    await server.shutdown(); // flushes and closes the log
    const text = readFileSync(path, "utf8");
    const lines = text
      .trim()
      .split("\n")
      .filter((l) => JSON.parse(l).kind === "record");
    expect(lines).toHaveLength(2);
    for (const needle of ["HUNTER2", "SWORDFISH", "PINEAPPLE", "password", "thinking_effort", "job_"]) {
      expect(text).not.toContain(needle);
    }
    const [ok, bad] = lines.map((line) => openLine(key, line)) as Record<string, unknown>[];
    expect(ok).toMatchObject({
      outcome: "ok",
      transport: "http",
      request: { prompt: secretPrompt },
      result: { text: "the answer is PINEAPPLE" },
    });
    expect(bad).toMatchObject({ outcome: "invalid_request", error: { code: "invalid_request" } });
    expect(() => openLine(generateKey(), lines[0]!)).toThrow();
  });
});

describe("logger", () => {
  it("redacts credentials wherever they sit", () => {
    const out: string[] = [];
    const log = createLogger(
      "info",
      new Writable({
        write(chunk, _e, done) {
          out.push(String(chunk));
          done();
        },
      }),
    );
    log.info(
      {
        apiKey: "K1-secret",
        headers: { authorization: "Bearer K2-secret", "x-api-key": "K3-secret" },
        config: { apiKey: "K4-secret", encryptionKey: "K5-secret" },
      },
      "hello",
    );
    const line = out.join("");
    expect(line).toContain("hello");
    expect(line).not.toMatch(/K[1-5]-secret/);
  });
});
