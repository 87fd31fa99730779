/**
 * The bundled server's life as a process: limits and deadline against a slow vLLM stand-in,
 * SIGTERM drain, sealed request logs and their decryption script, and start-up rules.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TestClient } from "../support/server.js";
import {
  authHeaders,
  buildBundle,
  freePort,
  type Proc,
  run,
  startServerProcess,
  startStandIn,
} from "../support/server-process.js";
import { sleep } from "../../core/sleep.js";

const MODEL = "stand-in-model";
let bundle: string;
let standIn: Proc & { url: string };
const tmp = mkdtempSync(join(tmpdir(), "deliberate-lifecycle-"));

beforeAll(async () => {
  bundle = await buildBundle("lifecycle");
  // 40 ms per token: a thinking step of the stand-in takes about a second.
  standIn = await startStandIn(MODEL, 40);
}, 120_000);
afterAll(async () => {
  standIn?.kill();
  await standIn?.exited;
  rmSync(tmp, { recursive: true, force: true });
});

const vllmEnv = () => ({ VLLM_URL: standIn.url, MODEL_NAME: MODEL, ORCH_MODEL: undefined });
const create = (id: string, request: object) => ({ type: "completion.create", id, request });
const long = { prompt: "Think it over.", thinking_effort: "high" };
const short = {
  prompt: "Yes or no?",
  thinking_effort: "none",
  structured_outputs: { choice: ["yes", "no"] },
};

async function ready(url: string) {
  for (let i = 0; i < 400; i++) {
    const res = await fetch(`${url}/ready`, { headers: authHeaders });
    if (res.status === 200) return;
    await sleep(25);
  }
  throw new Error("never ready");
}

describe("limits against a slow engine", () => {
  it("queue_full beyond concurrency + queue, and timeout at the deadline", async () => {
    const server = await startServerProcess(bundle, {
      ...vllmEnv(),
      ORCH_MAX_CONCURRENCY: "1",
      ORCH_MAX_QUEUE: "1",
      ORCH_REQUEST_TIMEOUT_S: "0.5",
    });
    try {
      await ready(server.url);
      const client = await TestClient.open(server.wsUrl, authHeaders);
      for (const id of ["a", "b", "c"]) client.send(create(id, long));
      expect(await client.terminal("c")).toMatchObject({ error: { code: "queue_full" } });
      expect(client.ofId("a")[0]).toMatchObject({ type: "completion.queued", position: 0 });
      expect(client.ofId("b")[0]).toMatchObject({ type: "completion.queued", position: 1 });
      expect(await client.terminal("a")).toMatchObject({ error: { code: "timeout", step: "think" } });
      expect(await client.terminal("b")).toMatchObject({ error: { code: "timeout" } });
      client.close();
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });
});

describe("SIGTERM", () => {
  it("drains: short work finishes, long work ends with shutting_down, sockets close 1001, exit 0", async () => {
    const server = await startServerProcess(bundle, { ...vllmEnv(), ORCH_DRAIN_S: "0.6" });
    await ready(server.url);
    const client = await TestClient.open(server.wsUrl, authHeaders);
    client.send(create("long", long));
    await client.next((m) => m.id === "long" && m.type === "completion.step");
    client.send(create("short", short));
    await client.next((m) => m.id === "short" && m.type === "completion.step");
    server.kill("SIGTERM");
    expect(await client.terminal("short")).toMatchObject({ type: "completion.result" });
    expect(await client.terminal("long")).toMatchObject({ type: "error", error: { code: "shutting_down" } });
    expect((await client.closed).code).toBe(1001);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stdout.some((l) => l.includes('"msg":"draining"'))).toBe(true);
  });
});

describe("sealed request logs", () => {
  it("holds no plaintext, and the script opens them with the key", async () => {
    const path = join(tmp, "requests.jsonl");
    const key = Buffer.alloc(32, 7).toString("base64");
    const server = await startServerProcess(bundle, {
      ORCH_ENABLE_REQUEST_LOGS: "true",
      ORCH_REQUEST_LOG_PATH: path,
      ORCH_ENCRYPTION_KEY: key,
    });
    const secret = "the vault code is ZEBRA-4471";
    const res = await fetch(`${server.url}/completions`, {
      method: "POST",
      headers: authHeaders,
      body: JSON.stringify({
        prompt: secret,
        thinking_effort: "none",
        structured_outputs: { choice: ["A", "B"] },
      }),
    });
    expect(res.status).toBe(200);
    expect((await server.stop()).code).toBe(0);
    const sealed = readFileSync(path, "utf8");
    // The file's chain start, the one record, and the chain end written at the clean stop.
    expect(
      sealed
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).kind),
    ).toEqual(["start", "record", "end"]);
    for (const needle of ["ZEBRA", "vault", "choice", "prompt"]) expect(sealed).not.toContain(needle);

    const opened = run(process.execPath, ["--import", "tsx", "scripts/decrypt-request-logs.ts", path], {
      ORCH_ENCRYPTION_KEY: key,
    });
    expect((await opened.exited).code).toBe(0);
    const record = JSON.parse(opened.stdout[0]!);
    expect(record).toMatchObject({ outcome: "ok", transport: "http", request: { prompt: secret } });

    const wrong = run(process.execPath, ["--import", "tsx", "scripts/decrypt-request-logs.ts", path], {
      ORCH_ENCRYPTION_KEY: Buffer.alloc(32, 8).toString("base64"),
    });
    expect((await wrong.exited).code).toBe(1);
    expect(wrong.stdout).toEqual([]);
    expect(wrong.stderr.join("\n")).toContain("wrong key");
  });
});

describe("start-up", () => {
  it("refuses to bind a public address without a key", async () => {
    const proc = run(process.execPath, [bundle], {
      ORCH_HOST: "0.0.0.0",
      ORCH_PORT: String(await freePort()),
    });
    expect((await proc.exited).code).toBe(2);
    expect(proc.stderr.join("\n")).toContain("ORCH_API_KEY");
  });

  it("reports every configuration problem at once", async () => {
    const proc = run(process.execPath, [bundle], {
      ORCH_PORT: "not-a-port",
      ORCH_MAX_QUEUE: "-1",
      ORCH_ENCRYPTION_KEY: "short",
    });
    expect((await proc.exited).code).toBe(2);
    const text = proc.stderr.join("\n");
    for (const name of ["ORCH_PORT", "ORCH_MAX_QUEUE", "ORCH_ENCRYPTION_KEY"]) expect(text).toContain(name);
  });

  it("npm start's script generates a key on loopback and prints the URLs and the key", async () => {
    const port = await freePort();
    const proc = run(process.execPath, ["scripts/start.mjs"], {
      ORCH_PORT: String(port),
      ORCH_MODEL: "demo",
    });
    try {
      const keyLine = await proc.line((l) => l.includes("API key"), 120_000);
      const key = /API key\s+(\S+)/.exec(keyLine)?.[1] ?? "";
      expect(key.length).toBeGreaterThanOrEqual(32);
      expect(proc.stdout.join("\n")).toContain(`ws://127.0.0.1:${port}/ws/completions`);
      expect(proc.stdout.join("\n")).toContain(`http://127.0.0.1:${port}/docs`);
      expect(proc.stdout.join("\n")).toMatch(/ORCH_ENCRYPTION_KEY is not set/);
      const ok = await fetch(`http://127.0.0.1:${port}/ready`, { headers: { "x-api-key": key } });
      expect(ok.status).toBe(200);
      const open = await fetch(`http://127.0.0.1:${port}/ready`);
      expect([open.status, await open.json()]).toEqual([200, { ready: true }]);
      const no = await fetch(`http://127.0.0.1:${port}/dashboard/state`);
      expect(no.status).toBe(401);
      // the printed page URLs work as pasted: the pages ask for the key themselves
      for (const page of ["/docs", "/dashboard"]) {
        expect(proc.stdout.join("\n")).toContain(`http://127.0.0.1:${port}${page}`);
        expect((await fetch(`http://127.0.0.1:${port}${page}`)).status).toBe(200);
      }
    } finally {
      proc.kill("SIGTERM");
      expect((await proc.exited).code).toBe(0);
    }
  });
});
