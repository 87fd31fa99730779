/** The Dockerfile, read without a Docker engine: stages, pinned bases, labels, entrypoint, COPY sources. */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { dockerIgnored, parseCopy, parseDockerfile, readIgnore, stages } from "./dockerfile.js";
import { REPO } from "./support.js";

const instructions = parseDockerfile(readFileSync(path.join(REPO, "Dockerfile"), "utf8"));
const all = stages(instructions);
const final = all.at(-1)!;
const ignore = readIgnore(readFileSync(path.join(REPO, ".dockerignore"), "utf8"));
const stageNames = new Set(all.map((s) => s.name).filter(Boolean));
const of = (stage: { instructions: typeof instructions }, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword);

describe("Dockerfile stages", () => {
  it("builds in Node stages and ends on the vLLM image", () => {
    expect(all.map((s) => `${s.image} AS ${s.name}`)).toEqual([
      "node:22.23.2-bookworm-slim AS node",
      "node AS build",
      "node AS prod-deps",
      "vllm/vllm-openai:v0.27.1 AS runtime",
    ]);
  });

  it("pins every external base image to a version tag, never latest", () => {
    const external = [
      ...all.map((s) => s.image),
      ...instructions.filter((i) => i.keyword === "COPY").map((i) => parseCopy(i.args).from),
    ].filter((ref): ref is string => !!ref && !stageNames.has(ref));
    expect(external.length).toBeGreaterThan(0);
    for (const ref of external) {
      const tag = /:([^/@]+)(?:@sha256:[0-9a-f]{64})?$/.exec(ref)?.[1];
      expect(tag, ref).toBeDefined();
      expect(tag, ref).not.toBe("latest");
      expect(tag, ref).toMatch(/\d+\.\d+\.\d+/);
    }
  });

  it("installs with npm ci and builds the bundles in the build stage", () => {
    const build = all.find((s) => s.name === "build")!;
    const runs = of(build, "RUN").map((r) => r.args);
    expect(runs.some((r) => r.startsWith("npm ci"))).toBe(true);
    expect(runs.some((r) => r.includes("node scripts/build.mjs") && r.includes("node infra/build.mjs"))).toBe(
      true,
    );
  });

  it("gives the final stage only the bundles and production node_modules", () => {
    const fromStages = of(final, "COPY")
      .map((c) => parseCopy(c.args))
      .filter((c) => c.from && stageNames.has(c.from));
    expect(fromStages.map((c) => `${c.from}:${c.sources.join(",")}`).sort()).toEqual(
      [
        "build:/app/dist",
        "build:/app/package.json",
        "node:/usr/local/bin/node",
        "prod-deps:/app/node_modules",
      ].sort(),
    );
    const prod = all.find((s) => s.name === "prod-deps")!;
    expect(of(prod, "RUN").some((r) => /npm ci\b.*--omit=dev/.test(r.args))).toBe(true);
  });
});

describe("Dockerfile runtime stage", () => {
  const labels = of(final, "LABEL")
    .map((l) => l.args)
    .join(" ");

  it("carries OCI labels, including the source repository GHCR links to", () => {
    for (const key of ["source", "title", "description", "version", "revision"]) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
  });

  it("replaces vLLM's entrypoint with ours, which the image contains", () => {
    const entry = of(final, "ENTRYPOINT");
    expect(entry).toHaveLength(1);
    const argv = JSON.parse(entry[0]!.args) as string[];
    expect(argv).toEqual(["/opt/deliberate/scripts/entrypoint.sh"]);
    expect(of(final, "CMD").map((c) => c.args)).toEqual(["[]"]);
    expect(of(final, "WORKDIR").at(-1)!.args).toBe("/opt/deliberate");
    const scripts = of(final, "COPY")
      .map((c) => parseCopy(c.args))
      .find((c) => c.dest === "./scripts/");
    expect(scripts?.sources).toEqual([
      "scripts/entrypoint.sh",
      "scripts/watchdog.sh",
      "scripts/vllm-launch.sh",
    ]);
  });

  it("health-checks the orchestrator's /ready on 8005 (open, 200 only once the engine is ready)", () => {
    const hc = of(final, "HEALTHCHECK");
    expect(hc).toHaveLength(1);
    expect(hc[0]!.args).toMatch(/--start-period=\d+s/);
    // The shell expands ORCH_PORT at check time; 8005 is its default.
    expect(hc[0]!.args).toContain(["http://127.0.0.1:$", "{ORCH_PORT:-8005}/ready"].join(""));
    expect(of(final, "EXPOSE").map((e) => e.args)).toEqual(["8005"]);
  });

  it("has a health check command that a shell runs: 0 while /ready answers, non-zero after", async () => {
    const cmd = of(final, "HEALTHCHECK")[0]!.args.replace(/^.*?\bCMD\s+/, "");
    const server = http.createServer((req, res) => res.writeHead(req.url === "/ready" ? 200 : 404).end());
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = String((server.address() as AddressInfo).port);
    // Asynchronous: this process also serves /health, so it must not block while curl runs.
    const check = () =>
      new Promise<number | null>((resolve) => {
        const child = spawn("sh", ["-c", cmd], {
          env: { PATH: process.env.PATH!, ORCH_MODE: "server", ORCH_PORT: port },
          stdio: "ignore",
        });
        child.on("exit", resolve);
      });
    try {
      expect(await check()).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await check()).not.toBe(0);
  });

  it("sets the paths the entrypoint and supervisord.conf expand", () => {
    const env = of(final, "ENV")
      .map((e) => e.args)
      .join(" ");
    expect(env).toContain("DELIBERATE_HOME=/opt/deliberate");
    expect(env).toContain("FATAL_MARKER=");
  });
});

describe("build context", () => {
  const local = instructions
    .filter((i) => i.keyword === "COPY")
    .map((i) => parseCopy(i.args))
    .filter((c) => !c.from)
    .flatMap((c) => c.sources);

  it.each(local)("COPY source %s exists in the repository and is not .dockerignored", (source) => {
    expect(existsSync(path.join(REPO, source))).toBe(true);
    expect(dockerIgnored(ignore, source)).toBe(false);
  });

  it("keeps tests, dependencies and local state out of the context", () => {
    for (const p of [
      "node_modules/x",
      "dist/server.js",
      ".git/HEAD",
      "handlers/shared/config.test.ts",
      "test/deploy/x.ts",
    ]) {
      expect(dockerIgnored(ignore, p), p).toBe(true);
    }
    expect(dockerIgnored(ignore, "handlers/shared/config.ts")).toBe(false);
  });

  it("ships every deploy tool the container scripts call", async () => {
    const { ENTRIES } = await import("../../infra/build.mjs" as string);
    for (const script of ["scripts/entrypoint.sh", "scripts/vllm-launch.sh"]) {
      const text = readFileSync(path.join(REPO, script), "utf8");
      for (const m of text.matchAll(/dist\/deploy\/([a-z-]+)\.cjs/g))
        expect(Object.keys(ENTRIES)).toContain(m[1]);
    }
  });
});
