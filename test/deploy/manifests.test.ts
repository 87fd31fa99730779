// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the tests compare literal ${{ }} and ${VAR} text from YAML
/** docker-compose.yml, the workflows and scripts/push-ghcr.sh, checked without Docker or GitHub. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO } from "./support.js";

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML is checked field by field below
const yaml = (file: string): any => parse(readFileSync(path.join(REPO, file), "utf8"));
type Step = { uses?: string; run?: string; with?: Record<string, string | boolean> };

describe("docker-compose.yml", () => {
  const compose = yaml("docker-compose.yml");
  const svc = compose.services.orchestrator;

  it("builds the orchestrator service from this repository and publishes 8005", () => {
    expect(svc.build.context).toBe(".");
    expect(svc.ports).toEqual(["${ORCH_PUBLISH:-8005}:8005"]);
  });

  it("reserves NVIDIA GPUs", () => {
    expect(svc.deploy.resources.reservations.devices).toEqual([
      { driver: "nvidia", count: "all", capabilities: ["gpu"] },
    ]);
  });

  it("refuses to start without an API key and allows for the whole stop sequence", () => {
    expect(svc.environment.ORCH_API_KEY).toMatch(/^\$\{ORCH_API_KEY:\?/);
    expect(svc.stop_grace_period).toBe("2m");
    expect(svc.volumes).toContain("hf-cache:/root/.cache/huggingface");
  });
});

describe("CI workflow", () => {
  const ci = yaml(".github/workflows/ci.yml");

  it("runs .ci/run with moto_server installed, and can be called by the release", () => {
    const steps: Step[] = ci.jobs.test.steps;
    expect(steps.map((s) => s.run).filter(Boolean)).toEqual([
      'python -m pip install "moto[server]==5.2.1"',
      ".ci/run",
    ]);
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(["push", "pull_request", "workflow_call"]));
    expect(ci.permissions).toEqual({ contents: "read" });
  });
});

describe("release workflow", () => {
  const release = yaml(".github/workflows/release.yml");
  const steps: Step[] = release.jobs.image.steps;
  const step = (action: string) => steps.find((s) => s.uses?.startsWith(`${action}@`))!;

  it("publishes only after the tests pass, with package write permission", () => {
    expect(release.permissions).toEqual({ contents: "read", packages: "write" });
    expect(release.jobs.test.uses).toBe("./.github/workflows/ci.yml");
    expect(release.jobs.image.needs).toBe("test");
    expect(release.on.push.tags).toEqual(["v*.*.*"]);
  });

  it("logs in to GHCR with the workflow token", () => {
    expect(step("docker/login-action").with).toEqual({
      registry: "ghcr.io",
      username: "${{ github.actor }}",
      password: "${{ secrets.GITHUB_TOKEN }}",
    });
  });

  it("tags ghcr.io/OWNER/deliberate with the sha and semver versions", () => {
    const meta = step("docker/metadata-action").with!;
    expect(meta.images).toBe("ghcr.io/${{ github.repository_owner }}/deliberate");
    const tags = String(meta.tags);
    expect(tags).toContain("type=sha");
    expect(tags).toContain("type=semver,pattern={{version}}");
    expect(tags).toContain("type=semver,pattern={{major}}.{{minor}}");
  });

  it("builds this Dockerfile and pushes with the metadata's tags and labels", () => {
    const build = step("docker/build-push-action").with!;
    expect(build).toMatchObject({
      context: ".",
      push: true,
      tags: "${{ steps.meta.outputs.tags }}",
      labels: "${{ steps.meta.outputs.labels }}",
    });
    expect(String(build["build-args"])).toContain(
      "IMAGE_SOURCE=${{ github.server_url }}/${{ github.repository }}",
    );
  });

  it("pins every action to a major version", () => {
    for (const s of [...steps, ...yaml(".github/workflows/ci.yml").jobs.test.steps] as Step[]) {
      if (s.uses) expect(s.uses).toMatch(/^[\w-]+\/[\w-]+@v\d+$/);
    }
  });
});

describe("scripts/push-ghcr.sh", () => {
  const run = (...args: string[]) =>
    spawnSync("bash", [path.join(REPO, "scripts/push-ghcr.sh"), ...args], {
      env: { PATH: process.env.PATH!, DRY_RUN: "1", GHCR_TOKEN: "not-a-real-token" },
      encoding: "utf8",
    });
  const sha = spawnSync("git", ["rev-parse", "--short=7", "HEAD"], {
    cwd: REPO,
    encoding: "utf8",
  }).stdout.trim();

  it("builds and pushes lowercase sha and semver tags, like the release workflow", () => {
    const r = run("Acme", "v1.2.3");
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("+ docker login ghcr.io -u acme --password-stdin");
    expect(r.stdout).not.toContain("not-a-real-token");
    const build = r.stdout.split("\n").find((l) => l.startsWith("+ docker buildx build"))!;
    for (const tag of [`sha-${sha}`, "1.2.3", "1.2", "latest"])
      expect(build).toContain(`-t ghcr.io/acme/deliberate:${tag}`);
    expect(build).toContain("--push");
    expect(build).toContain("IMAGE_SOURCE=https://github.com/acme/deliberate");
  });

  it("gives a pre-release only its own tag", () => {
    const build = run("acme", "1.3.0-rc.1").stdout;
    expect(build).toContain("-t ghcr.io/acme/deliberate:1.3.0-rc.1");
    expect(build).not.toContain(":latest");
    expect(build).not.toContain("-t ghcr.io/acme/deliberate:1.3 ");
  });

  it.each([["1.2"], ["latest"]])("rejects the version %s", (v) => {
    const r = run("acme", v);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("is not a semantic version");
  });
});
