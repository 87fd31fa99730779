/**
 * The documented command: `npx tsx handlers/runpod/local-api-main.ts --port N` starts the local API
 * on the embedded engine (demo model here); runpod-sdk talks to it; SIGTERM stops it with exit 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import runpodSdk from "runpod-sdk";
import { afterEach, describe, expect, it } from "vitest";

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
