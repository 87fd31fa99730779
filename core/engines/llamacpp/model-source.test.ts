import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DeliberateError } from "../../errors.js";
import {
  DEFAULT_MODEL_URI,
  DEMO_MODEL_LABEL,
  modelNameOfUri,
  parseModelSpec,
  resolveModel,
} from "./model-source.js";

const dir = await mkdtemp(path.join(tmpdir(), "model-source-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
/** Nothing listens on port 9 of the loopback: connections are refused at once, like a machine offline. */
const UNREACHABLE = "http://127.0.0.1:9/";

const failure = async (promise: Promise<unknown>) => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliberateError);
  return err as DeliberateError;
};

describe("model spec parsing (ORCH_MODEL)", () => {
  it("defaults to the small Qwen3 GGUF on Hugging Face", () => {
    expect(parseModelSpec(undefined)).toEqual({ kind: "uri", uri: DEFAULT_MODEL_URI, isDefault: true });
    expect(parseModelSpec("  ")).toMatchObject({ isDefault: true });
    expect(DEFAULT_MODEL_URI).toBe("hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf");
  });

  it("takes hf: URIs with a file or a quantisation, and https URLs", () => {
    for (const uri of [
      "hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf",
      "hf:user/repo:Q4_K_M",
      "hf:user/repo/sub/dir/m.gguf",
    ]) {
      expect(parseModelSpec(uri)).toEqual({ kind: "uri", uri, isDefault: false });
    }
    expect(parseModelSpec("https://example.com/m.gguf")).toMatchObject({ kind: "uri" });
  });

  it("names a model after the file its URI points to", () => {
    expect(modelNameOfUri(DEFAULT_MODEL_URI)).toBe("Qwen3-0.6B-Q8_0");
    expect(modelNameOfUri("hf:user/repo:Q4_K_M")).toBe("repo:Q4_K_M");
    expect(modelNameOfUri("https://example.com/a/b.gguf?download=1")).toBe("b");
  });

  it("takes .gguf paths, resolved to absolute paths", () => {
    expect(parseModelSpec("models/x.GGUF")).toEqual({ kind: "file", path: path.resolve("models/x.GGUF") });
    expect(parseModelSpec("/abs/m.gguf")).toEqual({ kind: "file", path: "/abs/m.gguf" });
  });

  it("takes demo, and rejects anything else naming what is accepted", () => {
    expect(parseModelSpec("DEMO")).toEqual({ kind: "demo" });
    for (const bad of ["Qwen/Qwen3-0.6B", "hf:", "hf:onlyuser", "model.bin"]) {
      expect(() => parseModelSpec(bad)).toThrow(/\.gguf file path, an hf: URI/);
    }
  });
});

describe("model resolution: offline fallback and errors (no network needed)", () => {
  it("falls back to the demo model when offline, warning loudly", async () => {
    const logs: string[] = [];
    const resolved = await resolveModel({ cacheDir: dir, offline: true, onLog: (_l, m) => logs.push(m) });
    expect(resolved).toMatchObject({ demo: true, name: DEMO_MODEL_LABEL });
    expect(resolved.fallbackReason).toMatch(/offline/);
    expect(resolved.name).toMatch(/random/);
    expect(logs.join("\n")).toMatch(/RANDOM TEXT/);
  });

  it("falls back when the hub is unreachable", async () => {
    const resolved = await resolveModel({
      cacheDir: dir,
      huggingFaceEndpoint: UNREACHABLE,
      connectTimeoutMs: 2000,
    });
    expect(resolved.demo).toBe(true);
    expect(resolved.fallbackReason).toMatch(/unreachable/);
  });

  it("never replaces an explicitly named model: an unreachable hf: URI is engine_unavailable", async () => {
    const err = await failure(
      resolveModel({ model: "hf:user/repo/m.gguf", cacheDir: dir, huggingFaceEndpoint: UNREACHABLE }),
    );
    expect(err.code).toBe("engine_unavailable");
    expect(err.message).toContain("hf:user/repo/m.gguf");
    expect(
      (await failure(resolveModel({ model: "hf:user/repo:Q8_0", cacheDir: dir, offline: true }))).code,
    ).toBe("engine_unavailable");
  });

  it("reports a missing .gguf file as engine_unavailable", async () => {
    const err = await failure(resolveModel({ model: path.join(dir, "nope.gguf"), cacheDir: dir }));
    expect(err.code).toBe("engine_unavailable");
    expect(err.message).toContain("nope.gguf");
  });

  it("uses a previously downloaded default model from the cache folder without the network", async () => {
    const cache = path.join(dir, "cached");
    await mkdir(cache, { recursive: true });
    // node-llama-cpp's file name for the URI: "hf_<user>_<file>" (the repo is implied by the file name).
    const file = path.join(cache, "hf_Qwen_Qwen3-0.6B-Q8_0.gguf");
    await writeFile(file, "stand-in bytes");
    const resolved = await resolveModel({ cacheDir: cache, offline: true });
    expect(resolved).toEqual({ path: file, name: "Qwen3-0.6B-Q8_0", demo: false });
  });
});
