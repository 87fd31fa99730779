/**
 * The worker as a real process (runWorkerMain, embedded demo engine) against the stand-in: SIGTERM
 * while a job runs lets the job finish and report, takes no new job, and exits 0.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openJson } from "../../core/seal.js";
import { JobApiStandIn } from "../../test/support/runpod/job-api-stand-in.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const KEY = Buffer.alloc(32, 7);
let standIn: JobApiStandIn;
let child: ChildProcess | undefined;
let cacheDir: string;

beforeEach(async () => {
  standIn = await new JobApiStandIn({ endpointId: "ep1", podId: "pod-9", apiKey: "rpa_SIG" }).start();
  cacheDir = await mkdtemp(path.join(tmpdir(), "runpod-sigterm-"));
});
afterEach(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await standIn.stop();
  await rm(cacheDir, { recursive: true, force: true });
});

function waitForLine(proc: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const onData = (data: Buffer) => {
      buffer += data.toString();
      const line = buffer.split("\n").find((l) => pattern.test(l));
      if (line) {
        proc.stdout?.off("data", onData);
        resolve(line);
      }
    };
    proc.stdout?.on("data", onData);
    proc.once("exit", (code) => reject(new Error(`worker exited (${code}) before ${pattern}:\n${buffer}`)));
  });
}

describe("SIGTERM", () => {
  it("finishes the running job, reports it, takes nothing new and exits 0", async () => {
    const releaseStreams = standIn.holdStreams();
    standIn.enqueue({
      id: "long-1",
      input: {
        prompt: "Pick one.",
        thinking_effort: "low",
        stream: true,
        structured_outputs: { choice: ["a", "b"] },
      },
    });
    let stderr = "";
    child = spawn(
      process.execPath,
      ["--import", "tsx", path.join(here, "../../test/support/runpod/worker-child.ts")],
      {
        env: {
          PATH: process.env.PATH,
          ...standIn.env({ RUNPOD_CONCURRENCY: "2", RUNPOD_PING_INTERVAL: "200" }),
          ORCH_MAX_CONCURRENCY: "2",
          ORCH_MODEL_CACHE_DIR: cacheDir,
          ORCH_THINKING_BUDGETS: "low=16",
          ORCH_ANSWER_MAX_TOKENS: "16",
          ORCH_LOG_LEVEL: "info",
          ORCH_ENABLE_REQUEST_LOGS: "true",
          ORCH_ENCRYPTION_KEY: KEY.toString("hex"),
          ORCH_REQUEST_LOG_PATH: path.join(cacheDir, "requests.jsonl"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));

    // The job is running: its first streamed item is waiting for the stand-in's answer.
    await Promise.race([
      standIn.waitFor((r) => r.route === "job-stream" && r.jobId === "long-1", 50_000),
      exited.then((code) => {
        throw new Error(`worker exited (${code}) before running the job:\n${stderr}`);
      }),
    ]);
    const shuttingDown = waitForLine(child, /finishing running jobs/);
    child.kill("SIGTERM");
    await shuttingDown;
    // The long poll in flight at SIGTERM is abandoned by the worker; once it is closed, queue a job.
    await standIn.noOpenTakes();
    standIn.enqueue({ id: "after-sigterm", input: { prompt: "never taken" } });
    releaseStreams();

    const code = await exited;
    expect(code, stderr).toBe(0);
    const done = standIn.of("job-done");
    expect(done.map((r) => r.jobId)).toEqual(["long-1"]);
    expect(done[0]!.url).toBe("/v2/ep1/job-done/pod-9/long-1?isStream=true");
    const output = (done[0]!.json as { output: { output: string; valid: boolean } }).output;
    expect(["a", "b"]).toContain(output.output);
    expect(output.valid).toBe(true);
    // The job queued after SIGTERM was never handed out.
    expect(standIn.queuedJobs).toBe(1);
    // The sealed request log holds the job, readable with the key.
    // (A chained log: a start line, one record per job, an end line on a clean stop.)
    const entries = (await readFile(path.join(cacheDir, "requests.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { kind: string; box?: string });
    expect(entries.map((e) => e.kind)).toEqual(["start", "record", "end"]);
    const record = openJson<{ outcome: string; transport: string }>(
      KEY,
      Buffer.from(entries[1]!.box!, "base64"),
    );
    expect(record).toMatchObject({ outcome: "ok", transport: "runpod" });
  });
});
