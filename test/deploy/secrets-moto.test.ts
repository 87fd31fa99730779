/**
 * The secrets loader and the entrypoint against a real Secrets Manager API (moto_server on loopback).
 * The SDK is pointed at moto only through AWS_ENDPOINT_URL_SECRETS_MANAGER, which proves it reads it.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasCommand,
  makeHome,
  type Moto,
  motoAuth,
  motoEnv,
  motoUserWithoutPolicies,
  REPO,
  startMoto,
} from "./support.js";

const HAVE_MOTO = hasCommand("moto_server");
if (!HAVE_MOTO) {
  console.warn("\n!!! SKIPPED: moto_server is not installed; the Secrets Manager tests did not run !!!\n");
}

const API_KEY = "key-from-secrets-manager-0123456789";
const TRICKY = `it's "quoted" $HOME \`x\` \n second line`;

describe.skipIf(!HAVE_MOTO)("secrets loader against moto_server", () => {
  let moto: Moto;
  let home: string;
  const run = (env: Record<string, string>, args: string[] = []) =>
    spawnSync(process.execPath, ["--no-warnings", path.join(home, "dist/deploy/secrets.cjs"), ...args], {
      env: { PATH: process.env.PATH!, ...motoEnv(moto), ...env },
      encoding: "utf8",
    });
  /** Sources the CLI's output in a real shell and prints the named variables as JSON. */
  const sourced = (exportsText: string, names: string[]) =>
    JSON.parse(
      execFileSync(
        "bash",
        [
          "-c",
          `eval "$1"; shift; node -e 'const o={};for(const n of process.argv.slice(1))o[n]=process.env[n];console.log(JSON.stringify(o))' "$@"`,
          "_",
          exportsText,
          ...names,
        ],
        {
          encoding: "utf8",
          env: { PATH: process.env.PATH! },
        },
      ),
    );

  beforeAll(async () => {
    home = makeHome();
    moto = await startMoto();
    const sm = new SecretsManagerClient({
      region: "us-east-1",
      endpoint: moto.url,
      credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    });
    const put = (Name: string, SecretString: string) =>
      sm.send(new CreateSecretCommand({ Name, SecretString }));
    await put(
      "app/json",
      JSON.stringify({ ORCH_API_KEY: API_KEY, HF_TOKEN: "hf_test", TRICKY, ORCH_DRAIN_S: 5 }),
    );
    await put("app/plain", "  plain-secret-value-0123456789\n");
    await put("app/broken", `{"ORCH_API_KEY": "do-not-print-me",}`);
    await put(
      "app/dangerous",
      JSON.stringify({ ORCH_API_KEY: API_KEY, LD_PRELOAD: "/tmp/do-not-print-me.so", HF_TOKEN: "hf_test" }),
    );
    sm.destroy();
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it("exports every variable of a JSON secret, shell-quoted safely", () => {
    const r = run({ ORCH_SECRETS_ID: "app/json" });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("loaded ORCH_API_KEY, HF_TOKEN, TRICKY, ORCH_DRAIN_S from app/json");
    expect(r.stderr).not.toContain(API_KEY);
    expect(sourced(r.stdout, ["ORCH_API_KEY", "HF_TOKEN", "TRICKY", "ORCH_DRAIN_S"])).toEqual({
      ORCH_API_KEY: API_KEY,
      HF_TOKEN: "hf_test",
      TRICKY,
      ORCH_DRAIN_S: "5",
    });
  });

  it("reads a secret by its full ARN without AWS_REGION", () => {
    const arn = JSON.parse(
      execFileSync(
        "curl",
        [
          "-s",
          moto.url,
          "-H",
          "X-Amz-Target: secretsmanager.DescribeSecret",
          "-H",
          "Content-Type: application/x-amz-json-1.1",
          "-H",
          "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0",
          "-d",
          '{"SecretId":"app/plain"}',
        ],
        { encoding: "utf8" },
      ),
    ).ARN as string;
    const r = run({ ORCH_SECRETS_ID: arn, AWS_REGION: "" });
    expect(r.status, r.stderr).toBe(0);
    expect(sourced(r.stdout, ["ORCH_API_KEY"])).toEqual({ ORCH_API_KEY: "plain-secret-value-0123456789" });
  });

  it("a plain secret becomes ORCH_API_KEY, or the variable ORCH_SECRETS_VAR names", () => {
    const a = run({ ORCH_SECRETS_ID: "app/plain" });
    expect(a.status).toBe(0);
    expect(sourced(a.stdout, ["ORCH_API_KEY"])).toEqual({ ORCH_API_KEY: "plain-secret-value-0123456789" });
    const b = run({ ORCH_SECRETS_ID: "app/plain", ORCH_SECRETS_VAR: "HF_TOKEN" });
    expect(sourced(b.stdout, ["HF_TOKEN", "ORCH_API_KEY"])).toEqual({
      HF_TOKEN: "plain-secret-value-0123456789",
    });
  });

  it("keeps variables already set in the environment", () => {
    const r = run({ ORCH_SECRETS_ID: "app/json", HF_TOKEN: "from-env" });
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("HF_TOKEN");
    expect(r.stderr).toContain("kept from the environment (already set): HF_TOKEN");
  });

  it("writes an env file readable only by its owner", () => {
    const file = path.join(os.tmpdir(), `deliberate-env-${process.pid}`);
    const r = run({ ORCH_SECRETS_ID: "app/plain" }, ["--output", file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe("");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).toBe("export ORCH_API_KEY='plain-secret-value-0123456789'\n");
  });

  it("a missing secret is a clear error", () => {
    const r = run({ ORCH_SECRETS_ID: "app/nope" });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain("secrets: secret app/nope (region us-east-1) was not found");
  });

  it("bad JSON is a clear error that does not print the secret", () => {
    const r = run({ ORCH_SECRETS_ID: "app/broken" });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/secret app\/broken is not valid JSON \(at position \d+/);
    expect(r.stderr + r.stdout).not.toContain("do-not-print-me");
  });

  it("denied access is a clear error (moto enforcing IAM for a user without policies)", async () => {
    const key = await motoUserWithoutPolicies(moto, "no-policies");
    await motoAuth(moto, 0);
    try {
      const r = run({
        ORCH_SECRETS_ID: "app/json",
        AWS_ACCESS_KEY_ID: key.accessKeyId,
        AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/access to secret app\/json \(region us-east-1\) was denied/);
      expect(r.stderr).toContain("secretsmanager:GetSecretValue");
    } finally {
      await motoAuth(moto, Number.POSITIVE_INFINITY);
    }
  });

  describe("through the entrypoint", () => {
    const entry = (env: Record<string, string>, cmd: string[]) =>
      spawnSync("bash", [path.join(REPO, "scripts/entrypoint.sh"), ...cmd], {
        env: { PATH: process.env.PATH!, ...motoEnv(moto), DELIBERATE_HOME: home, MODEL_NAME: "m", ...env },
        encoding: "utf8",
      });

    it("loads the secret, validates and runs the command in that environment", () => {
      const r = entry({ ORCH_SECRETS_ID: "app/json" }, [
        "sh",
        "-c",
        'printf "%s|%s|%s" "$ORCH_API_KEY" "$VLLM_URL" "$HF_TOKEN"',
      ]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toBe(`${API_KEY}|http://127.0.0.1:8000|hf_test`);
      expect(r.stderr).not.toContain(API_KEY);
    });

    it("refuses to start when the secret is missing", () => {
      const r = entry({ ORCH_SECRETS_ID: "app/nope" }, ["true"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("was not found");
      expect(r.stderr).toContain("could not load secrets from ORCH_SECRETS_ID; not starting");
    });

    it("refuses to start on bad JSON", () => {
      const r = entry({ ORCH_SECRETS_ID: "app/broken" }, ["true"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("is not valid JSON");
    });

    it("refuses to start when the secret sets a dangerous variable, naming it but not its value", () => {
      const r = entry({ ORCH_SECRETS_ID: "app/dangerous" }, ["sh", "-c", "echo ran"]);
      expect(r.status).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("secrets: secret app/dangerous: LD_PRELOAD may not be set from a secret");
      expect(r.stderr).toContain("could not load secrets from ORCH_SECRETS_ID; not starting");
      expect(r.stderr + r.stdout).not.toContain("do-not-print-me");
      expect(r.stderr + r.stdout).not.toContain(API_KEY);
    });

    it("a plain secret too short for an API key fails the config check with the reason", () => {
      const r = entry({ ORCH_SECRETS_ID: "app/plain", ORCH_SECRETS_VAR: "ORCH_ENCRYPTION_KEY" }, ["true"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("ORCH_ENCRYPTION_KEY: must be 32 bytes");
      expect(r.stderr).toContain("invalid configuration; not starting");
    });
  });
});
