/** The shared start-up path: one report of every problem, the same wiring for every transport. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { openJson } from "../../core/seal.js";
import { ScriptedEngine } from "../../test/support/scripted-engine.js";
import { parseWorkerConfig } from "../runpod/worker-config.js";
import { ConfigError } from "./config.js";
import { parseEntryConfig, startRuntime } from "./runtime.js";
import { drainAndClose } from "./shutdown.js";

function sink() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

const request = { prompt: "Pick one", thinking_effort: "none", structured_outputs: { choice: ["a"] } };

describe("parseEntryConfig", () => {
  it("reports the configuration's and the transport's problems in one ConfigError", () => {
    const env = { ORCH_PORT: "eighty", ORCH_ENABLE_REQUEST_LOGS: "true", RUNPOD_CONCURRENCY: "0" };
    try {
      parseEntryConfig(env, (config) => parseWorkerConfig(env, config?.maxConcurrency ?? 1));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const names = (err as ConfigError).problems.map((p) => p.split(":")[0]);
      expect(names.sort()).toEqual(
        ["ORCH_ENCRYPTION_KEY", "ORCH_PORT", "RUNPOD_CONCURRENCY", "RUNPOD_WEBHOOK_GET_JOB"].sort(),
      );
    }
  });

  it("hands the parsed configuration to the transport's parse", () => {
    const { config, settings } = parseEntryConfig({ ORCH_MAX_CONCURRENCY: "3" }, (c) => c?.maxConcurrency);
    expect(config.maxConcurrency).toBe(3);
    expect(settings).toBe(3);
  });
});

describe("startRuntime", () => {
  it("warns about an ephemeral sealing key and logs each settled request once", async () => {
    const logs = sink();
    const runtime = await startRuntime(
      { ORCH_LOG_LEVEL: "info" },
      {
        transport: "test",
        createEngine: async () => new ScriptedEngine({ fallback: { text: "a" } }),
        logDestination: logs.stream,
      },
    );
    const settled: string[] = [];
    runtime.observe({ onSettled: (r) => settled.push(r.outcome) });
    await runtime.service.submit(request, { transport: "http" });
    await runtime.close();
    expect(logs.lines.filter((l) => /ephemeral key/.test(String(l.msg))).map((l) => l.level)).toEqual([40]);
    expect(logs.lines.find((l) => l.msg === "completion")).toMatchObject({
      transport: "http",
      outcome: "ok",
    });
    expect(settled).toEqual(["ok"]);
  });

  it("seals request logs under the configured key, labelled with the transport", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "runtime-"));
    const key = Buffer.alloc(32, 3);
    try {
      const logs = sink();
      const runtime = await startRuntime(
        {
          ORCH_ENABLE_REQUEST_LOGS: "true",
          ORCH_ENCRYPTION_KEY: key.toString("hex"),
          ORCH_REQUEST_LOG_PATH: path.join(dir, "requests.jsonl"),
        },
        {
          transport: "test",
          createEngine: async () => new ScriptedEngine({ fallback: { text: "a" } }),
          logDestination: logs.stream,
        },
      );
      await runtime.service.submit(request, { transport: "runpod" });
      await runtime.close();
      expect(logs.lines.some((l) => /ephemeral key/.test(String(l.msg)))).toBe(false);
      // The chained log: a start line, the record, an end line on close.
      const entries = (await readFile(path.join(dir, "requests.jsonl"), "utf8"))
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { kind: string; box?: string });
      expect(entries.map((e) => e.kind)).toEqual(["start", "record", "end"]);
      const record = openJson(key, Buffer.from(entries[1]!.box!, "base64"));
      expect(record).toMatchObject({ outcome: "ok", transport: "runpod" });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("drainAndClose", () => {
  it("stops the transport, lets work finish within the drain, then ends the transport and closes", async () => {
    const logs = sink();
    let closed = 0;
    const engine = Object.assign(new ScriptedEngine({ fallback: { text: "a" }, delayMs: 50 }), {
      close: async () => {
        closed++;
      },
    });
    const runtime = await startRuntime(
      { ORCH_DRAIN_S: "5" },
      { transport: "test", createEngine: async () => engine, logDestination: logs.stream },
    );
    const order: string[] = [];
    const running = runtime.service.submit(request).then(() => order.push("finished"));
    await drainAndClose(runtime, {
      stopAccepting: () => order.push("stop accepting"),
      finish: async () => {
        order.push("finish");
      },
    });
    await running;
    expect(order).toEqual(["stop accepting", "finished", "finish"]);
    expect(closed).toBe(1);
    await expect(runtime.service.submit(request)).rejects.toMatchObject({ code: "shutting_down" });
  });
});
