/**
 * Renders the deployment templates (infra/ecs/task-definition.json, infra/runpod/*.json): fills `${NAME}`
 * placeholders from --image, --set NAME=VALUE and the environment, refuses to emit a template with any
 * required placeholder left, and for the ECS task definition chooses how secrets are delivered.
 * `${NAME:-default}` is optional; a property whose value renders to "" is dropped, and so is an object left
 * empty by that (e.g. no GHCR_PULL_SECRET_ARN for a public image drops repositoryCredentials), and so is an
 * ECS environment entry left with a name only.
 *
 *   npx tsx infra/render.ts infra/ecs/task-definition.json --image ghcr.io/OWNER/deliberate:sha-abc1234 \
 *     [--set NAME=VALUE ...] [--ecs-secrets inject|fetch] [--out FILE]
 *
 * --ecs-secrets inject (default): ECS reads APP_SECRET_ARN's keys into the environment before the container
 *   starts (task execution role needs secretsmanager:GetSecretValue on it).
 * --ecs-secrets fetch: the container's entrypoint reads the whole secret itself through ORCH_SECRETS_ID
 *   (task role needs the permission instead); the `secrets` list is dropped.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RenderError";
  }
}

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)(:-[^}]*)?\}/g;

/** Placeholder names; `required` leaves out those with a default. */
export function placeholders(template: string, required = false): string[] {
  const found = [...template.matchAll(PLACEHOLDER)].filter((m) => !required || m[2] === undefined);
  return [...new Set(found.map((m) => m[1]!))];
}

const onlyName = (v: unknown) =>
  v !== null && typeof v === "object" && !Array.isArray(v) && Object.keys(v).join() === "name";

function prune(value: unknown): unknown {
  // An ECS environment entry whose value rendered empty is {name} alone: drop it too.
  if (Array.isArray(value)) return value.map(prune).filter((v) => !onlyName(v));
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = prune(v);
    const emptyObject =
      p !== null && typeof p === "object" && !Array.isArray(p) && Object.keys(p).length === 0;
    if (p !== "" && !emptyObject) out[k] = p;
  }
  return out;
}

/** Fills placeholders with JSON-string-escaped values; throws listing every required one without a value. */
export function renderTemplate(template: string, vars: Record<string, string | undefined>): unknown {
  const missing = placeholders(template, true).filter((name) => !vars[name]);
  if (missing.length > 0) throw new RenderError(`no value for ${missing.join(", ")} (use --set NAME=VALUE)`);
  // Escape as JSON string content, so a value can never break out of its string.
  const text = template.replace(PLACEHOLDER, (_, name: string, fallback: string | undefined) =>
    JSON.stringify(vars[name] || (fallback ?? ":-").slice(2)).slice(1, -1),
  );
  return prune(JSON.parse(text));
}

interface ContainerDefinition {
  environment?: Array<{ name: string; value: string }>;
  secrets?: Array<{ name: string; valueFrom: string }>;
}

/** Switches an ECS task definition from `secrets` injection to ORCH_SECRETS_ID (fetched at start). */
export function useFetchedSecrets(taskDefinition: unknown, secretArn: string): unknown {
  const td = structuredClone(taskDefinition) as { containerDefinitions?: ContainerDefinition[] };
  for (const c of td.containerDefinitions ?? []) {
    delete c.secrets;
    c.environment = [...(c.environment ?? []).filter((e) => e.name !== "ORCH_SECRETS_ID")];
    c.environment.push({ name: "ORCH_SECRETS_ID", value: secretArn });
  }
  return td;
}

export interface RenderArgs {
  template: string;
  vars: Record<string, string>;
  ecsSecrets: "inject" | "fetch";
  out: string | undefined;
}

export function parseRenderArgs(argv: string[], env: Record<string, string | undefined>): RenderArgs {
  const vars: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (/^[A-Z][A-Z0-9_]*$/.test(k) && v) vars[k] = v;
  let template: string | undefined;
  let ecsSecrets: "inject" | "fetch" = "inject";
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new RenderError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--image") vars.IMAGE = value();
    else if (arg === "--out") out = value();
    else if (arg === "--ecs-secrets") {
      const v = value();
      if (v !== "inject" && v !== "fetch") throw new RenderError("--ecs-secrets is inject or fetch");
      ecsSecrets = v;
    } else if (arg === "--set") {
      const pair = value();
      const eq = pair.indexOf("=");
      if (eq < 1) throw new RenderError(`--set expects NAME=VALUE, got "${pair}"`);
      vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else if (!arg.startsWith("--") && !template) template = arg;
    else throw new RenderError(`unknown argument ${arg}`);
  }
  if (!template) throw new RenderError("usage: render.ts TEMPLATE.json --image IMAGE [--set NAME=VALUE]...");
  if (vars.IMAGE && !/^[a-z0-9./_-]+(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/.test(vars.IMAGE)) {
    throw new RenderError(
      `--image "${vars.IMAGE}" is not a lowercase image reference (GHCR names are lowercase)`,
    );
  }
  return { template, vars, ecsSecrets, out };
}

export function render(
  args: RenderArgs,
  read: (path: string) => string = (p) => readFileSync(p, "utf8"),
): string {
  let doc = renderTemplate(read(args.template), args.vars);
  if (args.ecsSecrets === "fetch") {
    if (!args.vars.APP_SECRET_ARN) throw new RenderError("--ecs-secrets fetch needs APP_SECRET_ARN");
    doc = useFetchedSecrets(doc, args.vars.APP_SECRET_ARN);
  }
  return `${JSON.stringify(doc, null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const args = parseRenderArgs(process.argv.slice(2), process.env);
    const text = render(args);
    if (args.out) writeFileSync(args.out, text);
    else process.stdout.write(text);
  } catch (err) {
    process.stderr.write(`render: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
