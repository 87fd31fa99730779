/**
 * scripts/submit-job against the local RunPod API (ScriptedEngine behind it): the real command as a
 * process, and submitJob's failure path.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningLocalApi, startLocalApi } from "../handlers/runpod/local-api.js";
import { ScriptedEngine } from "../test/support/scripted-engine.js";
import { testService } from "../test/support/service.js";
import { optionsFromArgs, submitJob } from "./submit-job.js";

const here = path.dirname(fileURLToPath(import.meta.url));
let api: RunningLocalApi;

beforeAll(async () => {
  const engine = new ScriptedEngine({ fallback: { text: "yes" } });
  api = await startLocalApi({
    service: testService(engine, { answerCap: 64, maxConcurrency: 2 }),
    apiKey: "submit-key-123",
    endpointId: "local",
    concurrency: 2,
    streamHoldMs: 50,
  });
});
afterAll(async () => {
  await api?.close();
});

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "submit-job.ts"), ...args], {
      env: { PATH: process.env.PATH, RUNPOD_API_KEY: "submit-key-123" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("submit-job", () => {
  it("streams step events to stderr and prints the result JSON on stdout", async () => {
    const { code, stdout, stderr } = await run([
      "--base-url",
      api.baseUrl,
      "--prompt",
      "Is it?",
      "--effort",
      "low",
      "--choice",
      "yes,no",
    ]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ output: "yes", valid: true, effort: "low" });
    for (const step of ["think", "draft", "reflect", "final"]) {
      expect(stderr).toContain(`▶ ${step}`);
      expect(stderr).toMatch(new RegExp(`✓ ${step}: \\d+ tokens`));
    }
    expect(stderr).toMatch(/job local-[\w-]+: COMPLETED/);
  });

  it("reports a failed job's envelope and exits 1", async () => {
    const errors: string[] = [];
    const code = await submitJob(
      optionsFromArgs(["--base-url", api.baseUrl, "--request", '{"prompt": "x", "top_p": 5}'], {
        RUNPOD_API_KEY: "submit-key-123",
      }),
      { out: () => undefined, err: (t) => errors.push(t) },
    );
    expect(code).toBe(1);
    const text = errors.join("");
    expect(text).toMatch(/: FAILED/);
    expect(text).toContain('"code": "invalid_request"');
    expect(text).toContain('"param": "top_p"');
  });

  it("needs something to send", () => {
    expect(() => optionsFromArgs(["--base-url", api.baseUrl], {})).toThrow(/nothing to send/);
    expect(() => optionsFromArgs(["--prompt", "x"], {})).toThrow(/RUNPOD_API_KEY/);
  });
});

describe("submit-job help and failures", () => {
  it("--help lists every option it parses", async () => {
    const { HELP, HelpRequested, optionsFromArgs } = await import("./submit-job.js");
    expect(() => optionsFromArgs(["--help"], {})).toThrow(HelpRequested);
    const source = (await import("node:fs")).readFileSync(
      new URL("./submit-job.ts", import.meta.url),
      "utf8",
    );
    const parsed = [...source.matchAll(/^\s+"?([a-z-]+)"?: \{ type: "(?:string|boolean)"/gm)].map(
      (m) => m[1],
    );
    expect(parsed.length).toBeGreaterThan(10);
    for (const name of parsed) expect(HELP, name).toContain(`--${name}`);
  });

  it("a connection failure names the URL it could not reach", async () => {
    const { describeFailure } = await import("./submit-job.js");
    const net = await import("node:net");
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    await new Promise((r) => server.close(r)); // nothing listens there now
    const url = `http://127.0.0.1:${port}/v2/local`;
    const err = await fetch(`${url}/run`).catch((e: unknown) => e);
    expect(describeFailure(err, url)).toBe(`cannot reach ${url}: ECONNREFUSED`);
  });
});
