/**
 * The documented command: `npx tsx handlers/runpod/local-api-main.ts --port N` starts the local API
 * on the embedded engine (demo model here); runpod-sdk talks to it; SIGTERM stops it with exit 0.
 * Without an API key it refuses a non-loopback --host (exit 2) instead of serving an open endpoint.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import runpodSdk from "runpod-sdk";
import { afterEach, describe, expect, it } from "vitest";
import { openEndpointProblem } from "./local-api.js";

const here = path.dirname(fileURLToPath(import.meta.url));
let child: ChildProcess | undefined;
let cacheDir: string | undefined;

afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  if (cacheDir) await rm(cacheDir, { recursive: true, force: true });
});

describe("local-api-main", () => {
  it("serves runpod-sdk on the embedded engine and exits 0 on SIGTERM", async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), "runpod-local-main-"));
    child = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        path.join(here, "local-api-main.ts"),
        "--port",
        "0",
        "--endpoint",
        "dev",
        "--api-key",
        "k-123",
      ],
      {
        env: {
          PATH: process.env.PATH,
          ORCH_MODEL: "demo",
          ORCH_MODEL_CACHE_DIR: cacheDir,
          ORCH_LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    const baseUrl = await new Promise<string>((resolve, reject) => {
      let out = "";
      child!.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        const match = /"baseUrl":"([^"]+)"/.exec(out);
        if (match) resolve(match[1]!);
      });
      child!.once("exit", () => reject(new Error(`exited early:\n${out}\n${stderr}`)));
    });

    const ep = runpodSdk("k-123", { baseUrl }).endpoint("dev")!;
    expect((await ep.health()).workers.ready).toBe(1);
    const out = await ep.runSync({
      input: { prompt: "Yes?", thinking_effort: "none", structured_outputs: { choice: ["yes", "no"] } },
    });
    expect(out.status).toBe("COMPLETED");
    expect(["yes", "no"]).toContain((out.output as { output: string }).output);

    child.kill("SIGTERM");
    expect(await exited, stderr).toBe(0);
  });
});

describe("local-api-main without an API key", () => {
  it.each([
    ["no key at all", {}],
    ["a blank RUNPOD_API_KEY", { RUNPOD_API_KEY: "  " }],
  ])("refuses a non-loopback --host with exit 2 (%s)", async (_name, extraEnv) => {
    cacheDir = await mkdtemp(path.join(tmpdir(), "runpod-local-main-"));
    child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(here, "local-api-main.ts"), "--host", "0.0.0.0", "--port", "0"],
      {
        env: {
          PATH: process.env.PATH,
          ORCH_MODEL: "demo",
          ORCH_MODEL_CACHE_DIR: cacheDir,
          ORCH_LOG_LEVEL: "info",
          ...extraEnv,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    // Either it exits, or it starts serving (the bug): then say so at once instead of waiting.
    const outcome = await new Promise<{ code: number | null } | { listening: string }>((resolve) => {
      let out = "";
      child!.stdout?.on("data", (d: Buffer) => {
        out += d.toString();
        if (/"baseUrl":"[^"]+"/.test(out)) resolve({ listening: out });
      });
      child!.once("exit", (code) => resolve({ code }));
    });
    expect(outcome).toEqual({ code: 2 });
    expect(stderr).toContain("--api-key (or RUNPOD_API_KEY): required to bind 0.0.0.0");
  });

  it("decides like the server: loopback needs no key, anything else does", () => {
    for (const host of ["127.0.0.1", "127.0.0.2", "::1", "localhost"]) {
      expect(openEndpointProblem(host, undefined)).toBeUndefined();
    }
    for (const host of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) {
      expect(openEndpointProblem(host, undefined)).toMatch(/required to bind/);
      expect(openEndpointProblem(host, "k-123")).toBeUndefined();
    }
  });
});
