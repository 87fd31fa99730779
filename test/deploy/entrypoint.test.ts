/**
 * scripts/entrypoint.sh's preparation, run for real with a command instead of supervisord
 * (`entrypoint.sh CMD` runs CMD in the prepared, validated environment).
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { makeHome, REPO } from "./support.js";

let home: string;
beforeAll(() => {
  home = makeHome();
});

const PRINT = `for v in VLLM_URL VLLM_EMBEDDINGS_URL DELIBERATE_ORCH_ENTRY DELIBERATE_ORCH_STOPWAIT_S FATAL_MARKER; do printf '%s=%s\\n' "$v" "\${!v-}"; done`;

function entry(env: Record<string, string>, cmd: string[] = ["bash", "-c", PRINT]) {
  const r = spawnSync("bash", [path.join(REPO, "scripts/entrypoint.sh"), ...cmd], {
    env: { PATH: process.env.PATH!, DELIBERATE_HOME: home, ...env },
    encoding: "utf8",
  });
  const vars = Object.fromEntries(
    r.stdout
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  return { ...r, vars };
}

describe("entrypoint wiring", () => {
  it("points the orchestrator at the loopback vLLM and the server bundle by default", () => {
    const r = entry({ MODEL_NAME: "m" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.vars).toEqual({
      VLLM_URL: "http://127.0.0.1:8000",
      VLLM_EMBEDDINGS_URL: "",
      DELIBERATE_ORCH_ENTRY: `${home}/dist/server.js`,
      DELIBERATE_ORCH_STOPWAIT_S: "45",
      FATAL_MARKER: "/run/deliberate/fatal",
    });
  });

  it("adds the embeddings URL when EMBEDDING_MODEL is set", () => {
    expect(entry({ MODEL_NAME: "m", EMBEDDING_MODEL: "e" }).vars.VLLM_EMBEDDINGS_URL).toBe(
      "http://127.0.0.1:8001",
    );
  });

  it.each([
    ["runpod", "runpod-worker.js"],
    [" RunPod ", "runpod-worker.js"],
    ["server", "server.js"],
  ])("ORCH_MODE=%j runs %s", (mode, file) => {
    expect(entry({ MODEL_NAME: "m", ORCH_MODE: mode }).vars.DELIBERATE_ORCH_ENTRY).toBe(
      `${home}/dist/${file}`,
    );
  });

  it.each([
    ["120", "135"],
    ["2.5", "17"],
  ])("gives the orchestrator ORCH_DRAIN_S=%s plus slack to stop (%ss)", (drain, wait) => {
    expect(entry({ MODEL_NAME: "m", ORCH_DRAIN_S: drain }).vars.DELIBERATE_ORCH_STOPWAIT_S).toBe(wait);
  });

  it("keeps an explicit VLLM_URL", () => {
    expect(entry({ MODEL_NAME: "m", VLLM_URL: "http://10.0.0.5:8000" }).vars.VLLM_URL).toBe(
      "http://10.0.0.5:8000",
    );
  });

  it("does not call Secrets Manager without ORCH_SECRETS_ID", () => {
    // No AWS settings at all: any attempt to load secrets would fail for want of a region.
    const r = entry({ MODEL_NAME: "m" }, ["true"]);
    expect(r.status).toBe(0);
    expect(r.stderr).not.toContain("secrets:");
  });
});

describe("entrypoint validation", () => {
  it("refuses to start with every problem listed, vLLM's and the orchestrator's together", () => {
    const r = entry(
      { ORCH_PORT: "eighty", VLLM_EXTRA_ARGS: "--reasoning-parser qwen3", ORCH_API_KEY: "short" },
      ["echo", "should not run"],
    );
    expect(r.status).toBe(1);
    expect(r.stdout).not.toContain("should not run");
    expect(r.stderr).toContain("ORCH_PORT:");
    expect(r.stderr).toContain("ORCH_API_KEY: must be at least 16 characters");
    expect(r.stderr).toContain("MODEL_NAME: required");
    expect(r.stderr).toContain("VLLM_EXTRA_ARGS: --reasoning-parser is not allowed");
    expect(r.stderr).toContain("entrypoint: invalid configuration; not starting");
  });

  it("does not print secrets while validating", () => {
    const r = entry({ MODEL_NAME: "m", ORCH_API_KEY: "a-perfectly-fine-api-key", HF_TOKEN: "hf_zzz" }, [
      "true",
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/a-perfectly-fine-api-key|hf_zzz/);
  });
});
