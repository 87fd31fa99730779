/**
 * Broken model files are rejected with a clear error. Each load runs in a child process, because a
 * malformed GGUF can make llama.cpp abort the process (SIGABRT) instead of throwing.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { generateTinyModel } from "./demo-model/tiny-model.js";

const dir = await mkdtemp(path.join(tmpdir(), "broken-model-"));
afterAll(() => rm(dir, { recursive: true, force: true }));
const child = fileURLToPath(new URL("./broken-model-child.ts", import.meta.url));
const good = generateTinyModel(1);

interface ChildResult {
  status: number | null;
  signal: string | null;
  outcome: { loaded?: boolean; code?: string; message?: string };
}

async function load(name: string, bytes: Buffer): Promise<ChildResult> {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  const res = spawnSync(process.execPath, ["--import", "tsx", child, file], {
    encoding: "utf8",
    timeout: 60_000,
  });
  const line = res.stdout.trim().split("\n").pop() ?? "";
  return { status: res.status, signal: res.signal, outcome: line ? JSON.parse(line) : {} };
}

/** Renames a metadata key in place (same length), so that llama.cpp finds it missing. */
function withoutKey(bytes: Buffer, key: string): Buffer {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(Buffer.from(key, "utf8"));
  if (at < 0) throw new Error(`key ${key} not found`);
  copy[at + key.length - 1] = "_".charCodeAt(0);
  return copy;
}

describe("broken model files (each loaded in a child process)", () => {
  it("loads the intact model (control)", async () => {
    const res = await load("good.gguf", good);
    expect(res.outcome).toEqual({ loaded: true });
  });

  const cases: Array<[string, Buffer, RegExp]> = [
    [
      "not-gguf.gguf",
      Buffer.from("this is not a model file at all, just text\n".repeat(20)),
      /not a usable GGUF/,
    ],
    ["truncated.gguf", good.subarray(0, Math.floor(good.length / 2)), /not a usable GGUF|failed to load/],
    // Without these two keys llama.cpp itself aborts the process; the header check catches them first.
    ["no-ffn.gguf", withoutKey(good, "qwen3.feed_forward_length"), /feed_forward_length/],
    ["no-heads.gguf", withoutKey(good, "qwen3.attention.head_count"), /attention\.head_count/],
    ["no-arch.gguf", withoutKey(good, "general.architecture"), /architecture/],
  ];
  for (const [name, bytes, message] of cases) {
    it(`rejects ${name} with engine_unavailable and a clear message, without crashing`, async () => {
      const res = await load(name, bytes);
      expect(res.signal).toBeNull();
      expect(res.status).toBe(0);
      expect(res.outcome.loaded).toBe(false);
      expect(res.outcome.code).toBe("engine_unavailable");
      expect(res.outcome.message).toMatch(message);
      expect(res.outcome.message).toContain(name);
    });
  }
});
