/**
 * The bundled server's start-up against the vLLM stand-in as its own process: a failure that
 * cannot heal ends the server with exit 1 and one clear log line (so supervisord's watchdog
 * replaces the container); a transient one is retried until vLLM recovers, then it serves.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  authHeaders,
  buildBundle,
  freePort,
  type Proc,
  run,
  spawnServerProcess,
  until,
} from "../support/server-process.js";

const MODEL = "stand-in-model";
let bundle: string;
const procs: Proc[] = [];

beforeAll(async () => {
  bundle = await buildBundle("vllm-startup");
}, 120_000);
afterEach(async () => {
  for (const proc of procs.splice(0)) {
    proc.kill();
    await proc.exited;
  }
});

/** The stand-in on a port chosen here, so the server can be pointed at it before it listens. */
async function standIn(args: string[]): Promise<{ proc: Proc; url: string }> {
  const port = await freePort();
  const proc = run(
    process.execPath,
    ["--import", "tsx", "test/vllm-stand-in/main.ts", "--port", String(port), ...args],
    {},
  );
  procs.push(proc);
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function server(vllmUrl: string): Promise<Proc & { url: string }> {
  const proc = await spawnServerProcess(bundle, {
    VLLM_URL: vllmUrl,
    MODEL_NAME: MODEL,
    ORCH_MODEL: undefined,
  });
  procs.push(proc);
  return { ...proc, url: `http://127.0.0.1:${proc.port}` };
}

const fatalLines = (proc: Proc) => proc.stdout.filter((l) => l.includes('"level":60'));

describe("a start-up failure that cannot heal ends the process", () => {
  it.each([
    ["a model vLLM does not serve", ["--model", "other-model"], /does not serve the model `stand-in-model`/],
    ["constraints that are not enforced", ["--model", MODEL, "--ignore-structured-outputs"], /not enforced/],
    ["a vLLM too old for structured_outputs", ["--model", MODEL, "--vllm-version", "0.10.2"], /too old/],
  ])(
    "%s: exit 1 with one clear line",
    async (_name, args, reason) => {
      const vllm = await standIn(args);
      await vllm.proc.line((l) => l.includes("stand-in listening"));
      const proc = await server(vllm.url);
      const { code } = await proc.exited;
      expect(code).toBe(1);
      const lines = fatalLines(proc);
      expect(lines).toHaveLength(1);
      const msg = (JSON.parse(lines[0]!) as { msg: string }).msg;
      expect(msg).toMatch(/^vLLM cannot be used, exiting: /);
      expect(msg).toMatch(reason);
      expect(proc.stderr.join("\n")).not.toMatch(/at .*\.js:\d+/); // a line, not a stack trace
    },
    60_000,
  );
});

describe("a transient start-up failure is retried until vLLM recovers", () => {
  it("vLLM still loading (refused), then 500s on its canaries: ready once it recovers", async () => {
    // The port stays closed for 1.5 s, then the first three completions (canaries) fail with 500.
    const vllm = await standIn(["--model", MODEL, "--load-delay-ms", "1500", "--fail-completions", "3"]);
    const proc = await server(vllm.url);
    await proc.line((l) => l.includes('"msg":"listening"'), 60_000);
    const readiness = async () => (await fetch(`${proc.url}/ready`, { headers: authHeaders })).status;
    expect(await readiness()).toBe(503);
    expect((await fetch(`${proc.url}/health`)).status).toBe(200);
    await until(async () => (await readiness()) === 200, 30_000);
    expect(proc.stdout.some((l) => l.includes("waiting for vLLM to load"))).toBe(true);
    expect(fatalLines(proc)).toEqual([]);
    const res = await fetch(`${proc.url}/completions`, {
      method: "POST",
      headers: { ...authHeaders, "content-type": "application/json" },
      body: JSON.stringify({
        prompt: "Pick",
        thinking_effort: "none",
        structured_outputs: { choice: ["a", "b"] },
      }),
    });
    expect(res.status).toBe(200);
    expect(["a", "b"]).toContain(((await res.json()) as { output: string }).output);
    expect(proc.child.exitCode).toBeNull();
  }, 60_000);
});
