import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { readGgufFileInfo } from "node-llama-cpp";
import { afterAll, describe, expect, it } from "vitest";
import { ensureTinyModel, generateTinyModel, sha256, TINY_CONTEXT_LENGTH } from "./tiny-model.js";

const dir = await mkdtemp(path.join(tmpdir(), "tiny-model-"));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("tiny model generator: determinism", () => {
  it("gives byte-identical files for the same seed and different files for different seeds", () => {
    expect(sha256(generateTinyModel(7))).toBe(sha256(generateTinyModel(7)));
    expect(sha256(generateTinyModel(7))).not.toBe(sha256(generateTinyModel(8)));
  });

  it("rejects a seed that is not a 32-bit unsigned integer", () => {
    expect(() => generateTinyModel(-1)).toThrow(/seed/);
    expect(() => generateTinyModel(1.5)).toThrow(/seed/);
  });
});

describe("tiny model generator: GGUF structure (read back by node-llama-cpp's parser)", () => {
  it("declares qwen3 with the byte-level vocabulary and special tokens", async () => {
    const file = path.join(dir, "m.gguf");
    await writeFile(file, generateTinyModel(1));
    const info = await readGgufFileInfo(file);
    expect(info.version).toBe(3);
    const meta = info.metadata as unknown as Record<string, Record<string, unknown>>;
    expect(meta.general!.architecture).toBe("qwen3");
    expect((meta.qwen3 as { context_length: number }).context_length).toBe(TINY_CONTEXT_LENGTH);
    const tokenizer = meta.tokenizer!.ggml as { tokens: string[]; token_type: number[]; model: string };
    expect(tokenizer.model).toBe("gpt2");
    expect(tokenizer.tokens).toHaveLength(311);
    expect(tokenizer.tokens[32]).toBe("Ġ");
    for (const special of ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]) {
      expect(tokenizer.token_type[tokenizer.tokens.indexOf(special)]).toBe(3);
    }
    for (const special of ["<think>", "</think>"]) {
      expect(tokenizer.token_type[tokenizer.tokens.indexOf(special)]).toBe(4);
    }
    expect(info.tensorInfo?.length).toBe(25);
  });
});

describe("ensureTinyModel: cache folder", () => {
  it("writes the model once and rewrites a file whose bytes differ", async () => {
    const cache = path.join(dir, "cache");
    const file = await ensureTinyModel(cache, 3);
    expect((await readFile(file)).equals(generateTinyModel(3))).toBe(true);
    await writeFile(file, "corrupted");
    expect(await ensureTinyModel(cache, 3)).toBe(file);
    expect(sha256(await readFile(file))).toBe(sha256(generateTinyModel(3)));
  });
});
