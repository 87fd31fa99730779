import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  parseRenderArgs,
  placeholders,
  RenderError,
  render,
  renderTemplate,
  useFetchedSecrets,
} from "./render.js";

const here = path.dirname(fileURLToPath(import.meta.url));

describe("placeholders", () => {
  it("fills values escaped as JSON string content", () => {
    expect(renderTemplate(`{"a": "\${X}", "b": "x-\${Y}"}`, { X: `q"uote\\`, Y: "1" })).toEqual({
      a: `q"uote\\`,
      b: "x-1",
    });
  });

  it("lists every required placeholder without a value", () => {
    expect(() => renderTemplate(`{"a": "\${A}", "b": "\${B}", "c": "\${C:-x}"}`, { A: "" })).toThrow(
      new RenderError("no value for A, B (use --set NAME=VALUE)"),
    );
  });

  it("uses defaults and drops what renders empty", () => {
    const out = renderTemplate(
      `{"n": "\${N:-7}", "creds": {"p": "\${P:-}"}, "env": [{"name": "A", "value": "\${A:-}"}, {"name": "B", "value": "b"}], "keep": 0}`,
      {},
    );
    expect(out).toEqual({ n: "7", env: [{ name: "B", value: "b" }], keep: 0 });
  });

  it("tells required from optional names", () => {
    expect(placeholders(`\${A} \${B:-1} \${A}`)).toEqual(["A", "B"]);
    expect(placeholders(`\${A} \${B:-1}`, true)).toEqual(["A"]);
  });
});

describe("arguments", () => {
  it("reads the template, image, --set pairs and the environment", () => {
    const args = parseRenderArgs(["t.json", "--image", "ghcr.io/o/deliberate:1.2.3", "--set", "A=b=c"], {
      AWS_REGION: "eu-west-1",
      lower: "x",
    });
    expect(args).toEqual({
      template: "t.json",
      vars: { AWS_REGION: "eu-west-1", IMAGE: "ghcr.io/o/deliberate:1.2.3", A: "b=c" },
      ecsSecrets: "inject",
      out: undefined,
    });
  });

  it.each([
    [["t.json", "--image", "ghcr.io/Owner/deliberate:1"], /lowercase/],
    [["t.json", "--set", "novalue"], /NAME=VALUE/],
    [["t.json", "--ecs-secrets", "both"], /inject or fetch/],
    [["--image"], /needs a value/],
    [[], /usage/],
  ])("rejects %j", (argv, pattern) => {
    expect(() => parseRenderArgs(argv, {})).toThrow(pattern);
  });
});

describe("the ECS task definition", () => {
  const template = path.join(here, "ecs/task-definition.json");
  const vars = {
    IMAGE: "ghcr.io/acme/deliberate:sha-abc1234",
    EXECUTION_ROLE_ARN: "arn:aws:iam::123456789012:role/deliberate-exec",
    TASK_ROLE_ARN: "arn:aws:iam::123456789012:role/deliberate-task",
    APP_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:deliberate/app-AbCdEf",
    MODEL_NAME: "Qwen/Qwen3-8B",
    AWS_REGION: "eu-west-1",
  };
  type Td = {
    containerDefinitions: Array<{
      image: string;
      portMappings: Array<{ containerPort: number }>;
      resourceRequirements: Array<{ type: string; value: string }>;
      environment: Array<{ name: string; value: string }>;
      secrets?: Array<{ name: string; valueFrom: string }>;
      healthCheck: { command: string[]; startPeriod: number };
      stopTimeout: number;
      logConfiguration: { logDriver: string; options: Record<string, string> };
      repositoryCredentials?: unknown;
    }>;
  };
  const rendered = (extra: Record<string, string> = {}, ecsSecrets: "inject" | "fetch" = "inject") =>
    JSON.parse(render({ template, vars: { ...vars, ...extra }, ecsSecrets, out: undefined })) as Td;

  it("is valid JSON template text with the image, GPU, port, health check and logs", () => {
    const c = rendered().containerDefinitions[0]!;
    expect(c.image).toBe(vars.IMAGE);
    expect(c.resourceRequirements).toEqual([{ type: "GPU", value: "1" }]);
    expect(c.portMappings.map((p) => p.containerPort)).toEqual([8005]);
    expect(c.healthCheck.command.join(" ")).toContain("http://127.0.0.1:8005/health");
    expect(c.healthCheck.startPeriod).toBeLessThanOrEqual(300); // ECS's maximum
    expect(c.logConfiguration.logDriver).toBe("awslogs");
    expect(c.logConfiguration.options["awslogs-region"]).toBe("eu-west-1");
    expect(c.repositoryCredentials).toBeUndefined(); // public image: no pull secret given
    expect(c.environment.find((e) => e.name === "MAX_MODEL_LEN")).toBeUndefined();
  });

  it("gives supervisord's whole stop sequence room before SIGKILL", () => {
    const c = rendered().containerDefinitions[0]!;
    const drain = Number(c.environment.find((e) => e.name === "ORCH_DRAIN_S")!.value);
    // entrypoint.sh: orchestrator drain + 15 s, then each vLLM server 30 s, one after the other.
    expect(c.stopTimeout).toBeGreaterThanOrEqual(drain + 15 + 30 + 30);
    expect(c.stopTimeout).toBeLessThanOrEqual(120);
  });

  it("injects secrets from the app secret's JSON keys by default", () => {
    const c = rendered({ GPU_COUNT: "2", GHCR_PULL_SECRET_ARN: "arn:pull" }).containerDefinitions[0]!;
    expect(c.secrets!.map((s) => s.valueFrom)).toEqual([
      `${vars.APP_SECRET_ARN}:ORCH_API_KEY::`,
      `${vars.APP_SECRET_ARN}:ORCH_ENCRYPTION_KEY::`,
      `${vars.APP_SECRET_ARN}:HF_TOKEN::`,
    ]);
    expect(c.environment.find((e) => e.name === "TENSOR_PARALLEL")!.value).toBe("2");
    expect(c.repositoryCredentials).toEqual({ credentialsParameter: "arn:pull" });
  });

  it("or lets the entrypoint fetch the secret through ORCH_SECRETS_ID", () => {
    const c = rendered({}, "fetch").containerDefinitions[0]!;
    expect(c.secrets).toBeUndefined();
    expect(c.environment).toContainEqual({ name: "ORCH_SECRETS_ID", value: vars.APP_SECRET_ARN });
    expect(useFetchedSecrets(rendered(), "x")).not.toBe(undefined);
  });
});

describe("the RunPod template and endpoint", () => {
  it("run the image as a RunPod worker with secrets by reference", () => {
    const t = JSON.parse(
      render({
        template: path.join(here, "runpod/template.json"),
        vars: { IMAGE: "ghcr.io/acme/deliberate:1.0.0", MODEL_NAME: "Qwen/Qwen3-8B" },
        ecsSecrets: "inject",
        out: undefined,
      }),
    );
    expect(t.imageName).toBe("ghcr.io/acme/deliberate:1.0.0");
    expect(t.isServerless).toBe(true);
    expect(t.env.ORCH_MODE).toBe("runpod");
    expect(t.env.HF_TOKEN).toMatch(/^\{\{ RUNPOD_SECRET_\w+ \}\}$/);
    expect(t.containerRegistryAuthId).toBeUndefined();
    const e = JSON.parse(
      render({
        template: path.join(here, "runpod/endpoint.json"),
        vars: { TEMPLATE_ID: "tpl123" },
        ecsSecrets: "inject",
        out: undefined,
      }),
    );
    expect(e).toMatchObject({ templateId: "tpl123", workersMin: 0, gpuCount: 1, name: "deliberate" });
    expect(e.networkVolumeId).toBeUndefined();
  });

  it("templates are JSON apart from their placeholders", () => {
    for (const f of ["ecs/task-definition.json", "runpod/template.json", "runpod/endpoint.json"]) {
      expect(() => JSON.parse(readFileSync(path.join(here, f), "utf8"))).not.toThrow();
    }
  });
});
