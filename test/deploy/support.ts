/** Helpers for the deployment tests: free ports, child processes, HTTP polling, moto_server. */
import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sleep } from "../../core/sleep.js";

export { sleep };

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function hasCommand(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

/** Thrown by a waitFor check to stop waiting at once. */
export class GiveUp extends Error {}

/** Polls until check() is truthy; the deadline is only a guard against hanging forever. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  guardMs = 45_000,
) {
  const end = Date.now() + guardMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      if (err instanceof GiveUp) throw err;
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`gave up waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
}

export async function httpStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(2000) });
  await res.arrayBuffer();
  return res.status;
}

/** A child whose output is collected, and whose exit can be awaited. */
export interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = REPO): Proc {
  const child = spawn(cmd, args, { env, cwd, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => {
    out += d;
  });
  child.stderr!.on("data", (d) => {
    out += d;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited };
}

/** Bundles the deploy tools (infra/build.mjs) into a fresh directory; returns it. */
export function buildDeployTools(outdir = mkdtempSync(path.join(os.tmpdir(), "deliberate-deploy-"))): string {
  execFileSync(process.execPath, [path.join(REPO, "infra/build.mjs"), outdir], { stdio: "pipe" });
  return outdir;
}

export interface Moto {
  url: string;
  stop: () => Promise<void>;
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const proc = start("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { ...process.env });
  const url = `http://127.0.0.1:${port}`;
  await waitFor("moto_server", async () => (await httpStatus(`${url}/moto-api/`)) === 200);
  return {
    url,
    stop: async () => {
      proc.child.kill("SIGTERM");
      await proc.exited;
    },
  };
}

/** Environment that points the AWS SDK at moto through the variable the SDK reads by itself. */
export function motoEnv(moto: Moto): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: moto.url,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_EC2_METADATA_DISABLED: "true",
  };
}

/** Sets moto's IAM enforcement: 0 = enforce from now on, Infinity = off (moto's default). */
export async function motoAuth(moto: Moto, enforceAfter: number): Promise<void> {
  const res = await fetch(`${moto.url}/moto-api/reset-auth`, {
    method: "POST",
    headers: { "content-type": "text/plain" },
    body: Number.isFinite(enforceAfter) ? String(enforceAfter) : "inf",
  });
  if (!res.ok) throw new Error(`moto reset-auth: ${res.status}`);
}

/** Calls moto's IAM (query protocol) to make a user with no policies; returns its access key. */
export async function motoUserWithoutPolicies(moto: Moto, name: string) {
  const call = async (params: Record<string, string>) => {
    const res = await fetch(moto.url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: new URLSearchParams({ ...params, Version: "2010-05-08" }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`IAM ${params.Action}: ${res.status} ${text}`);
    return text;
  };
  await call({ Action: "CreateUser", UserName: name });
  const xml = await call({ Action: "CreateAccessKey", UserName: name });
  const id = /<AccessKeyId>([^<]+)</.exec(xml)?.[1];
  const secret = /<SecretAccessKey>([^<]+)</.exec(xml)?.[1];
  if (!id || !secret) throw new Error(`no access key in ${xml}`);
  return { accessKeyId: id, secretAccessKey: secret };
}

/**
 * A DELIBERATE_HOME laid out like /opt/deliberate in the image: dist/deploy (freshly bundled tools),
 * scripts/ and supervisord.conf from the repository (linked, so the tests run the real files).
 */
export function makeHome(): string {
  const home = mkdtempSync(path.join(os.tmpdir(), "deliberate-home-"));
  mkdirSync(path.join(home, "dist"), { recursive: true });
  buildDeployTools(path.join(home, "dist", "deploy"));
  symlinkSync(path.join(REPO, "scripts"), path.join(home, "scripts"));
  symlinkSync(path.join(REPO, "supervisord.conf"), path.join(home, "supervisord.conf"));
  symlinkSync(path.join(REPO, "node_modules"), path.join(home, "node_modules"));
  return home;
}
