/** The upgrade path of /ws/completions (ws-upgrade.ts): who gets a socket, and what the rest get. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { startTestServer, TEST_KEY, TestClient, type TestServer } from "../../test/support/server.js";

function upgradeStatus(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once("open", () => {
      ws.close();
      resolve(101);
    });
    ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.once("error", reject);
  });
}

describe("WebSocket upgrades", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(new ScriptedEngine({ fallback: async () => ({ text: "ok" }) }));
  });
  afterAll(async () => {
    await server.shutdown();
  });

  it("opens with the key (header or query) and refuses without it with 401", async () => {
    expect(await upgradeStatus(server.wsUrl, { "x-api-key": TEST_KEY })).toBe(101);
    expect(await upgradeStatus(`${server.wsUrl}?api_key=${TEST_KEY}`, {})).toBe(101);
    expect(await upgradeStatus(server.wsUrl, {})).toBe(401);
    expect(await upgradeStatus(server.wsUrl, { "x-api-key": "wrong-key-0123456789" })).toBe(401);
  });

  it("a plain GET is told the route speaks WebSocket only (426)", async () => {
    const res = await fetch(server.url.replace(/\/$/, "") + "/ws/completions", {
      headers: { "x-api-key": TEST_KEY },
    });
    expect(res.status).toBe(426);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_request");
  });

  it("many sockets at once each get their own session; closing one leaves the others serving", async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => TestClient.open(server.wsUrl)));
    clients[0]!.close();
    const pongs = await Promise.all(
      clients.slice(1).map(async (client) => {
        client.send({ type: "ping" });
        return (await client.next((m) => m.type === "pong")).type;
      }),
    );
    expect(pongs).toEqual(Array(19).fill("pong"));
    for (const client of clients.slice(1)) client.close();
  });
});
