/**
 * The container's process tree without Docker or a GPU: scripts/entrypoint.sh runs Debian's supervisord on
 * the repository's supervisord.conf, with the vLLM stand-in behind the real launcher (VLLM_BIN points at
 * fixtures/fake-vllm.sh, which execs test/vllm-stand-in with the arguments the translator built) and the
 * orchestrator bundle dist/server.js. When that bundle cannot be built yet, a minimal orchestrator double
 * (fixtures/fake-orchestrator.mjs) takes its place and a loud message says so.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort, GiveUp, hasCommand, httpStatus, makeHome, REPO, waitFor } from "./support.js";

const HAVE_SUPERVISORD = hasCommand("supervisord");
if (!HAVE_SUPERVISORD) {
  console.warn(
    "\n!!! SKIPPED: supervisord is not installed (apt-get install supervisor); container tests did not run !!!\n",
  );
}

const FIXTURES = path.join(REPO, "test/deploy/fixtures");
const API_KEY = "supervisord-test-key-0123456789";
const MODEL = "Qwen/Qwen3-8B";

/**
 * The real orchestrator bundle, built by the server's own scripts/build.mjs into this test's home (its
 * buildAll({outDir}) exists so parallel runs never share a file); undefined when it cannot be built.
 */
async function serverBundle(home: string): Promise<string | undefined> {
  const script = path.join(REPO, "scripts/build.mjs");
  if (!existsSync(script)) return undefined;
  try {
    const { buildAll } = await import(pathToFileURL(script).href);
    await buildAll({ quiet: true, outDir: path.join(home, "dist") });
  } catch (err) {
    console.warn(`scripts/build.mjs failed: ${(err as Error).message}`);
  }
  const bundle = path.join(home, "dist/server.js");
  return existsSync(bundle) ? bundle : undefined;
}

interface Container {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  orchUrl: string;
  vllmPort: number;
  fakeDir: string;
  env: Record<string, string>;
}

const running: Container[] = [];

/** One request the orchestrator sent to vLLM through the recording proxy. */
interface Upstream {
  method: string;
  path: string;
  /** The proxy forwarded it after the test saw the orchestrator start draining. */
  afterSigterm: boolean;
  /** The stand-in's status, or the error forwarding hit (e.g. ECONNREFUSED once vLLM is gone). */
  outcome?: number | string;
}

/**
 * A loopback proxy between the orchestrator and the vLLM stand-in that records every call and can hold
 * the next POST /v1/completions until released, so a test decides exactly when it reaches vLLM.
 */
async function startUpstreamProxy(target: number) {
  const calls: Upstream[] = [];
  let sigtermSeen = false;
  let hold: { arrived: () => void; release: Promise<void> } | undefined;
  const server = http.createServer((req, res) => {
    const call: Upstream = { method: req.method ?? "GET", path: req.url ?? "/", afterSigterm: false };
    calls.push(call);
    const gate = hold && call.method === "POST" && call.path.startsWith("/v1/completions") ? hold : undefined;
    if (gate) hold = undefined;
    gate?.arrived();
    const body: Buffer[] = [];
    req.on("data", (d: Buffer) => body.push(d));
    req.on("end", async () => {
      await gate?.release;
      call.afterSigterm = sigtermSeen;
      const up = http.request(
        { host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers },
        (upRes) => {
          call.outcome = upRes.statusCode;
          res.writeHead(upRes.statusCode ?? 502, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on("error", (err: NodeJS.ErrnoException) => {
        call.outcome = err.code ?? err.message;
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
      up.end(Buffer.concat(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    /** Holds the next completion; resolves `arrived` when it comes in, forwards it on `release()`. */
    holdNextCompletion() {
      let release!: () => void;
      let arrived!: () => void;
      const arrivedP = new Promise<void>((r) => {
        arrived = r;
      });
      hold = { arrived, release: new Promise<void>((r) => (release = r)) };
      return { arrived: arrivedP, release: () => release() };
    },
    markSigterm() {
      sigtermSeen = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe.skipIf(!HAVE_SUPERVISORD)("supervisord runs vLLM and the orchestrator", () => {
  let home: string;
  let orchestrator: { entry: string; real: boolean };

  beforeAll(async () => {
    home = makeHome();
    const bundle = await serverBundle(home);
    orchestrator = bundle
      ? { entry: bundle, real: true }
      : { entry: path.join(FIXTURES, "fake-orchestrator.mjs"), real: false };
    if (bundle) console.info("supervisord tests: orchestrator = the real bundle built by scripts/build.mjs");
    else {
      console.warn(
        "\n!!! dist/server.js is not available (scripts/build.mjs missing or failing): the supervisord tests " +
          "ran with the orchestrator double test/deploy/fixtures/fake-orchestrator.mjs, not the real server !!!\n",
      );
    }
  }, 120_000);

  afterEach(async () => {
    // A failed test must not leave supervisord and its children behind: kill the whole process group.
    for (const c of running.splice(0)) {
      if (c.child.exitCode === null && c.child.signalCode === null) {
        try {
          process.kill(-c.child.pid!, "SIGKILL");
        } catch {}
        await c.exited;
      }
    }
  });

  async function startContainer(extra: Record<string, string> = {}): Promise<Container> {
    const [vllmPort, embedPort, orchPort] = [await freePort(), await freePort(), await freePort()];
    const fakeDir = mkdtempSync(path.join(os.tmpdir(), "deliberate-fake-vllm-"));
    const env: Record<string, string> = {
      PATH: process.env.PATH!,
      HOME: process.env.HOME ?? "/root",
      DELIBERATE_HOME: home,
      DELIBERATE_RUN_DIR: mkdtempSync(path.join(os.tmpdir(), "deliberate-run-")),
      DELIBERATE_ORCH_ENTRY: orchestrator.entry,
      VLLM_BIN: path.join(FIXTURES, "fake-vllm.sh"),
      FAKE_VLLM_DIR: fakeDir,
      FAKE_VLLM_PORT_8000: String(vllmPort),
      FAKE_VLLM_PORT_8001: String(embedPort),
      REPO_ROOT: REPO,
      VLLM_URL: `http://127.0.0.1:${vllmPort}`,
      MODEL_NAME: MODEL,
      ORCH_API_KEY: API_KEY,
      ORCH_HOST: "127.0.0.1",
      ORCH_PORT: String(orchPort),
      ORCH_DRAIN_S: "2",
      HF_TOKEN: "hf_never_on_the_command_line",
      ...extra,
    };
    // Its own process group, like a container: cleanup can kill everything, signals go to the entry only.
    // stdout must be a pipe, as in a container: supervisord reopens /dev/stdout, which fails with ENXIO
    // on the socket Node would hand it. `exec` keeps the entrypoint's pid the child's pid.
    const child = spawn(
      "bash",
      ["-c", 'exec bash "$0" > >(exec cat) 2>&1', path.join(REPO, "scripts/entrypoint.sh")],
      {
        env,
        cwd: home,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
    });
    child.stderr!.on("data", (d) => {
      out += d;
    });
    // "close", not "exit": the entrypoint's last lines pass through `cat` and may still be in the pipe
    // when bash exits, and the assertions read them.
    const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
    const c = {
      child,
      output: () => out,
      exited,
      orchUrl: `http://127.0.0.1:${orchPort}`,
      vllmPort,
      fakeDir,
      env,
    };
    running.push(c);
    return c;
  }

  async function waitReady(c: Container) {
    await waitFor(
      "the orchestrator's /ready",
      async () => {
        if (c.child.exitCode !== null) throw new GiveUp("the container exited early");
        // Without a watchdog nothing stops supervisord: fail now rather than at the guard.
        if (/entered FATAL state/.test(c.output())) throw new GiveUp("a program entered FATAL");
        return (await httpStatus(`${c.orchUrl}/ready`, { authorization: `Bearer ${API_KEY}` })) === 200;
      },
      60_000,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n--- container output ---\n${c.output()}`);
    });
  }

  it("starts both, /ready turns true, and SIGTERM stops the orchestrator first and exits 0", async () => {
    const c = await startContainer();
    await waitReady(c);
    expect(await httpStatus(`${c.orchUrl}/health`)).toBe(200);

    // vLLM got the translator's command line, with the secret kept in the environment.
    const args = readFileSync(path.join(c.fakeDir, "args-8000"), "utf8").trim().split("\n");
    expect(args.slice(0, 2)).toEqual(["serve", MODEL]);
    expect(args).toEqual(
      expect.arrayContaining(["--host", "127.0.0.1", "--port", "8000", "--enable-prompt-tokens-details"]),
    );
    expect(args.join(" ")).not.toContain("hf_never_on_the_command_line");
    expect(args.join(" ")).not.toContain("reasoning");

    c.child.kill("SIGTERM");
    expect(await c.exited).toBe(0);
    const out = c.output();
    const orchStopped = out.indexOf("stopped: orchestrator");
    const vllmStopped = out.indexOf("stopped: vllm ");
    expect(orchStopped, out).toBeGreaterThan(-1);
    expect(vllmStopped, out).toBeGreaterThan(orchStopped);
    expect(out).not.toContain("stopped because a program died");
  }, 120_000);

  it("keeps vLLM serving while the orchestrator drains an in-flight request after SIGTERM", async (ctx) => {
    if (!orchestrator.real) {
      console.warn(
        "\n!!! SKIPPED: the drain-order test needs the real orchestrator bundle (dist/server.js) !!!\n",
      );
      ctx.skip();
    }
    const vllmPort = await freePort();
    const proxy = await startUpstreamProxy(vllmPort);
    try {
      // The orchestrator reaches the stand-in only through the proxy; a long drain budget so the held
      // request is never cut by the deadline (ORCH_DRAIN_S is a budget here, not something measured).
      const c = await startContainer({
        FAKE_VLLM_PORT_8000: String(vllmPort),
        VLLM_URL: proxy.url,
        ORCH_DRAIN_S: "60",
      });
      await waitReady(c);

      const held = proxy.holdNextCompletion();
      const response = fetch(`${c.orchUrl}/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({
          prompt: "Yes or no?",
          thinking_effort: "none",
          structured_outputs: { choice: ["yes", "no"] },
        }),
      });
      await held.arrived; // the request is in flight: its first upstream call waits at the proxy

      c.child.kill("SIGTERM");
      // The orchestrator got the signal and is draining (supervisord stops it first, vLLM only after it).
      await waitFor("the orchestrator to start draining", async () => /"msg":"draining"/.test(c.output()));
      proxy.markSigterm();
      held.release();

      const res = await response;
      const text = await res.text();
      expect(res.status, `${text}\n--- container output ---\n${c.output()}`).toBe(200);
      expect(["yes", "no"]).toContain((JSON.parse(text) as { output: string }).output);
      // Its upstream calls reached the stand-in after SIGTERM, and the stand-in answered them.
      const late = proxy.calls.filter((u) => u.afterSigterm && u.path.startsWith("/v1/completions"));
      expect(late.length, JSON.stringify(proxy.calls)).toBeGreaterThan(0);
      expect(late.map((u) => u.outcome)).toEqual(late.map(() => 200));

      expect(await c.exited).toBe(0);
      const out = c.output();
      expect(out.indexOf("stopped: vllm "), out).toBeGreaterThan(out.indexOf("stopped: orchestrator"));
      expect(out.indexOf("stopped: orchestrator")).toBeGreaterThan(-1);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it("exits non-zero when vLLM dies for good", async () => {
    const c = await startContainer();
    await waitReady(c);
    const pid = Number(readFileSync(path.join(c.fakeDir, "pid-8000"), "utf8"));
    process.kill(pid, "SIGKILL");
    expect(await c.exited).toBe(1);
    const out = c.output();
    expect(out).toMatch(/watchdog: vllm is gone \(PROCESS_STATE_(EXITED|FATAL)/);
    expect(out).toContain("entrypoint: stopped because a program died");
    // The orchestrator was still stopped in order (drained), not left running.
    expect(out).toContain("stopped: orchestrator");
  }, 120_000);

  it("exits non-zero when the orchestrator dies", async () => {
    const c = await startContainer();
    await waitReady(c);
    const supervisorctl = (cmd: string) =>
      execFileSync("supervisorctl", ["-c", path.join(home, "supervisord.conf"), cmd, "orchestrator"], {
        encoding: "utf8",
        env: c.env, // supervisorctl reads the same conf, so it needs the variables it expands
      }).trim();
    const pid = Number(supervisorctl("pid"));
    expect(pid).toBeGreaterThan(0);
    process.kill(pid, "SIGKILL");
    expect(await c.exited).toBe(1);
    expect(c.output()).toMatch(/watchdog: orchestrator is gone/);
  }, 120_000);

  it("starts the embeddings vLLM on 8001 with the pooling runner once the main one is healthy", async () => {
    const embedPort = await freePort();
    const c = await startContainer({
      EMBEDDING_MODEL: "BAAI/bge-small-en-v1.5",
      FAKE_VLLM_PORT_8001: String(embedPort),
      VLLM_EMBEDDINGS_URL: `http://127.0.0.1:${embedPort}`,
    });
    await waitReady(c);
    await waitFor(
      "the embeddings stand-in",
      async () => (await httpStatus(`http://127.0.0.1:${embedPort}/health`)) === 200,
    );
    const args = readFileSync(path.join(c.fakeDir, "args-8001"), "utf8").trim().split("\n");
    expect(args).toEqual(
      expect.arrayContaining(["--port", "8001", "--runner", "pooling", "--gpu-memory-utilization", "0.1"]),
    );
    const mainArgs = readFileSync(path.join(c.fakeDir, "args-8000"), "utf8");
    expect(mainArgs).toContain("0.8"); // the main server's share of the 0.9 budget
    c.child.kill("SIGTERM");
    expect(await c.exited).toBe(0);
    expect(c.output().indexOf("stopped: vllm-embed")).toBeGreaterThan(
      c.output().indexOf("stopped: orchestrator"),
    );
  }, 120_000);
});
