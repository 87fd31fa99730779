/** A client that drips its body is answered invalid_request once ORCH_BODY_TIMEOUT_S passes; others are not. */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, type TestServer } from "../../test/support/server.js";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer(new ScriptedEngine({ fallback: { text: "ok" } }), { bodyTimeoutMs: 400 });
});
afterAll(() => server?.shutdown());

/** Sends the headers and the first bytes of a body that says it is longer, then waits for the answer. */
function dripping(path: string): Promise<string> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nx-api-key: ${TEST_KEY}\r\n` +
          "content-type: application/json\r\ncontent-length: 200\r\n\r\n" +
          '{"prompt": "h',
      );
    });
    let answer = "";
    socket.on("data", (d) => {
      answer += String(d);
      if (answer.includes("\r\n\r\n") && answer.includes("}}")) {
        socket.destroy();
        resolve(answer);
      }
    });
    socket.on("error", reject);
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer: ${answer}`));
    }, 10_000);
  });
}

describe("body deadline", () => {
  it.each(["/completions", "/v1/chat/completions", "/embeddings"])(
    "%s: a body that never completes gets 400",
    async (path) => {
      const answer = await dripping(path);
      expect(answer).toMatch(/^HTTP\/1\.1 400/);
      expect(answer).toContain("ORCH_BODY_TIMEOUT_S");
    },
  );

  it("a whole body is read as before", async () => {
    const res = await fetch(`${server.url}/completions`, {
      method: "POST",
      headers: { "x-api-key": TEST_KEY, "content-type": "application/json" },
      body: JSON.stringify({ prompt: "hi", thinking_effort: "none" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ text: "ok" });
  });
});
