/**
 * Which GGUF file the embedded engine loads. ORCH_MODEL (passed in as `model`) is a .gguf path, an
 * hf: URI or URL as node-llama-cpp's resolveModelFile takes it, or "demo". Unset means the default
 * small Qwen3 model, downloaded once into the cache folder; when that is impossible (offline), the
 * generated tiny demo model is used instead, and said loudly. An explicitly named model that cannot
 * be found is an error, never silently replaced.
 */
import { stat } from "node:fs/promises";
import path from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { ensureTinyModel, TINY_MODEL_NAME } from "./demo-model/tiny-model.js";
import { DeliberateError } from "../../errors.js";

export const DEFAULT_MODEL_URI = "hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf";
export const DEFAULT_HF_ENDPOINT = "https://huggingface.co/";
/** The `model` every result carries while the demo model is in use. */
export const DEMO_MODEL_LABEL = `${TINY_MODEL_NAME} (random weights: output is random text)`;

export type ModelSpec =
  | { kind: "demo" }
  | { kind: "file"; path: string }
  | { kind: "uri"; uri: string; isDefault: boolean };

export interface ResolvedModel {
  path: string;
  /** The name results report. */
  name: string;
  demo: boolean;
  /** Why the demo model is in use when it was not asked for. */
  fallbackReason?: string;
}

export type LogFn = (level: "debug" | "info" | "warn" | "error", message: string) => void;

export interface ResolveOptions {
  model?: string;
  hfToken?: string;
  /** Where downloads and the demo model go (default `.cache/models`). */
  cacheDir?: string;
  /** Skip the network entirely: the default model falls back to the demo model unless cached. */
  offline?: boolean;
  /** Hugging Face endpoint (tests point it at an unreachable address). */
  huggingFaceEndpoint?: string;
  /** How long the reachability probe waits before declaring the machine offline. */
  connectTimeoutMs?: number;
  onProgress?: (downloadedBytes: number, totalBytes: number) => void;
  onLog?: LogFn;
  signal?: AbortSignal;
}

const invalidModel = (value: string) =>
  new DeliberateError(
    "invalid_request",
    `ORCH_MODEL must be a .gguf file path, an hf: URI (hf:<user>/<repo>/<file>.gguf or hf:<user>/<repo>:<quant>), ` +
      `an https URL or "demo"; got "${value}"`,
    { param: "ORCH_MODEL" },
  );

export function parseModelSpec(model: string | undefined): ModelSpec {
  const value = model?.trim() ?? "";
  if (value === "") return { kind: "uri", uri: DEFAULT_MODEL_URI, isDefault: true };
  if (value.toLowerCase() === "demo") return { kind: "demo" };
  if (/^hf:/i.test(value)) {
    if (!/^hf:[\w.-]+\/[\w.-]+(\/[^\s]+\.gguf|:[\w.-]+)?$/i.test(value)) throw invalidModel(value);
    return { kind: "uri", uri: value, isDefault: false };
  }
  if (/^https?:\/\//i.test(value)) return { kind: "uri", uri: value, isDefault: false };
  if (/\.gguf$/i.test(value)) return { kind: "file", path: path.resolve(value) };
  throw invalidModel(value);
}

/** The name a file reports: its basename without the extension. */
export function modelNameOf(file: string): string {
  return path.basename(file).replace(/\.gguf$/i, "");
}

/** The name a URI reports: the file it names (hf:user/repo/file.gguf → file), else repo:quant. */
export function modelNameOfUri(uri: string): string {
  const bare = uri.replace(/^hf:/i, "").replace(/[?#].*$/, "");
  if (/\.gguf$/i.test(bare)) return modelNameOf(bare);
  return bare.split("/").slice(1).join("/") || bare;
}

async function demo(cacheDir: string, fallbackReason?: string): Promise<ResolvedModel> {
  const file = await ensureTinyModel(cacheDir);
  return { path: file, name: DEMO_MODEL_LABEL, demo: true, ...(fallbackReason ? { fallbackReason } : {}) };
}

/** True when the endpoint answers at all within the timeout (any HTTP status counts). */
export async function isReachable(
  endpoint: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<boolean> {
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await fetch(endpoint, {
      method: "HEAD",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    await response.body?.cancel();
    return true;
  } catch {
    if (signal?.aborted) throw new DeliberateError("cancelled", "start-up was cancelled");
    return false;
  }
}

export async function resolveModel(options: ResolveOptions = {}): Promise<ResolvedModel> {
  const spec = parseModelSpec(options.model);
  const cacheDir = path.resolve(options.cacheDir ?? path.join(".cache", "models"));
  if (spec.kind === "demo") return demo(cacheDir);
  if (spec.kind === "file") {
    const info = await stat(spec.path).catch(() => undefined);
    if (!info?.isFile()) {
      throw new DeliberateError("engine_unavailable", `ORCH_MODEL names no file: ${spec.path}`, {
        param: "ORCH_MODEL",
      });
    }
    return { path: spec.path, name: modelNameOf(spec.path), demo: false };
  }

  const endpoint = options.huggingFaceEndpoint ?? DEFAULT_HF_ENDPOINT;
  const common = {
    directory: cacheDir,
    cli: false,
    endpoints: { huggingFace: endpoint },
    ...(options.hfToken ? { tokens: { huggingFace: options.hfToken } } : {}),
  };
  const cached = await resolveModelFile(spec.uri, { ...common, download: false }).catch(() => undefined);
  if (cached) return { path: cached, name: modelNameOfUri(spec.uri), demo: false };

  const unavailable = async (why: string): Promise<ResolvedModel> => {
    if (!spec.isDefault) {
      throw new DeliberateError("engine_unavailable", `cannot fetch ORCH_MODEL ${spec.uri}: ${why}`, {
        param: "ORCH_MODEL",
      });
    }
    const reason = `the default model ${spec.uri} could not be downloaded (${why})`;
    options.onLog?.(
      "warn",
      `${reason}: using the bundled DEMO model instead. It has RANDOM WEIGHTS and its output is RANDOM TEXT. ` +
        "Set ORCH_MODEL to a .gguf path or an hf: URI for real answers.",
    );
    return demo(cacheDir, reason);
  };

  if (options.offline) return unavailable("offline mode");
  if (!(await isReachable(endpoint, options.connectTimeoutMs ?? 3000, options.signal))) {
    return unavailable(`${endpoint} is unreachable`);
  }
  options.onLog?.("info", `downloading ${spec.uri} into ${cacheDir} (once)`);
  try {
    const file = await resolveModelFile(spec.uri, {
      ...common,
      download: "auto",
      onProgress: ({ downloadedSize, totalSize }) =>
        (options.onProgress ?? stderrProgress)(downloadedSize, totalSize),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { path: file, name: modelNameOfUri(spec.uri), demo: false };
  } catch (err) {
    if (options.signal?.aborted) throw new DeliberateError("cancelled", "start-up was cancelled");
    return unavailable(err instanceof Error ? err.message : String(err));
  }
}

let lastDraw = 0;
/** A one-line progress bar on stderr, redrawn at most five times a second. */
function stderrProgress(done: number, total: number): void {
  const now = Date.now();
  if (done < total && now - lastDraw < 200) return;
  lastDraw = now;
  const ratio = total > 0 ? done / total : 0;
  const width = 30;
  const filled = Math.round(ratio * width);
  const mb = (n: number) => (n / 1e6).toFixed(0);
  process.stderr.write(
    `\rdownloading model [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(ratio * 100).toFixed(0)}% ` +
      `${mb(done)}/${mb(total)} MB${done >= total ? "\n" : ""}`,
  );
}
