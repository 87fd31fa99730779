import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { bufferedRequest } from "./upstream.js";

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** An HTTP server on 127.0.0.1 and a one-connection pool to it (so a second request must wait). */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.url ?? "");
    handle(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const agent = new Agent({ connections: 1, headersTimeout: 0, bodyTimeout: 0 });
  const close = async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  stop = async () => {
    await close();
    await agent.destroy();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, agent, seen, close };
}

describe("bufferedRequest", () => {
  it("answers once the body is complete: status, headers and every chunk", async () => {
    const { url, agent } = await serve((_req, res) => {
      res.writeHead(503, { "retry-after": "2" });
      res.write('{"error":');
      setTimeout(() => res.end('"busy"}'), 5);
    });
    const response = await bufferedRequest(agent, `${url}/v1/completions?x=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("2");
    expect(await response.body.text()).toBe('{"error":"busy"}');
  });

  it("a request aborted while it waits for the pool's connection never reaches the server", async () => {
    let release: (() => void) | undefined;
    const { url, agent, seen } = await serve((req, res) => {
      release = () => res.end(req.url);
    });
    const first = bufferedRequest(agent, `${url}/first`, { method: "GET", headers: {} });
    await expect.poll(() => seen).toEqual(["/first"]);
    const controller = new AbortController();
    const second = bufferedRequest(agent, `${url}/second`, {
      method: "GET",
      headers: {},
      signal: controller.signal,
    });
    const reason = new Error("gone");
    controller.abort(reason);
    await expect(second).rejects.toBe(reason);
    release!();
    expect(await (await first).body.text()).toBe("/first");
    // The pool serves its queue in order: by the time a third request is answered, the second was dropped.
    const third = bufferedRequest(agent, `${url}/third`, { method: "GET", headers: {} });
    await expect.poll(() => seen).toEqual(["/first", "/third"]);
    release!();
    expect(await (await third).body.text()).toBe("/third");
  });

  it("a refused connection rejects with the socket's code", async () => {
    const { url, agent, close } = await serve((_req, res) => res.end());
    await close();
    const error = await bufferedRequest(agent, url, { method: "GET", headers: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
  });
});
