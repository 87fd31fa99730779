/**
 * The tiny random-weight Qwen3 demo model: a complete GGUF file from a seed, byte-identical for
 * the same seed. Its output is random text; it exists so the whole pipeline runs on any CPU,
 * offline, in milliseconds. Hyperparameters per shared/reference/embedded-engine.md §3.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";
import { type GgufTensor, type GgufValue, writeGguf } from "./gguf-writer.js";
import { buildTinyVocab } from "./tiny-vocab.js";
import { mulberry32 } from "../../../random.js";

export const TINY_MODEL_NAME = "deliberate-demo-tiny";
export const TINY_DEFAULT_SEED = 1;

const ARCH = "qwen3";
const N_EMBD = 64;
const N_HEAD = 4;
const N_HEAD_KV = 2;
const HEAD_DIM = N_EMBD / N_HEAD;
const N_FF = 128;
const N_LAYER = 2;
/** Long enough for a `high` effort pipeline; the KV cache of a 64-wide model stays small. */
export const TINY_CONTEXT_LENGTH = 8192;
/** Weight scale: small for the trunk, larger for the output head so seeds reach different branches. */
const TRUNK_STD = 0.1;
const HEAD_STD = 0.25;

/** Token ids 128–255 are the non-ASCII byte tokens (id b is byte b). */
export const TINY_NON_ASCII_BYTE_IDS: readonly number[] = Array.from({ length: 128 }, (_, i) => 128 + i);

const prng = mulberry32;

function gaussian(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export function generateTinyModel(seed: number = TINY_DEFAULT_SEED): Buffer {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`seed must be an integer from 0 to 2^32-1, got ${seed}`);
  }
  const vocab = buildTinyVocab();
  const nVocab = vocab.tokens.length;
  const normal = gaussian(prng(seed));
  const random = (dims: number[], std: number) => {
    const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = normal() * std;
    return data;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);

  const tensors: GgufTensor[] = [
    { name: "token_embd.weight", dims: [N_EMBD, nVocab], data: random([N_EMBD, nVocab], TRUNK_STD * 4) },
    { name: "output_norm.weight", dims: [N_EMBD], data: ones(N_EMBD) },
    { name: "output.weight", dims: [N_EMBD, nVocab], data: random([N_EMBD, nVocab], HEAD_STD) },
  ];
  const kvDim = HEAD_DIM * N_HEAD_KV;
  for (let l = 0; l < N_LAYER; l++) {
    const m = (name: string, dims: number[]) =>
      tensors.push({ name: `blk.${l}.${name}.weight`, dims, data: random(dims, TRUNK_STD) });
    const n = (name: string, size: number) =>
      tensors.push({ name: `blk.${l}.${name}.weight`, dims: [size], data: ones(size) });
    n("attn_norm", N_EMBD);
    m("attn_q", [N_EMBD, N_EMBD]);
    m("attn_k", [N_EMBD, kvDim]);
    m("attn_v", [N_EMBD, kvDim]);
    m("attn_output", [N_EMBD, N_EMBD]);
    n("attn_q_norm", HEAD_DIM);
    n("attn_k_norm", HEAD_DIM);
    n("ffn_norm", N_EMBD);
    m("ffn_gate", [N_EMBD, N_FF]);
    m("ffn_up", [N_EMBD, N_FF]);
    m("ffn_down", [N_FF, N_EMBD]);
  }

  const u32 = (value: number): GgufValue => ({ type: "u32", value });
  const metadata: Array<[string, GgufValue]> = [
    ["general.architecture", { type: "string", value: ARCH }],
    ["general.name", { type: "string", value: `${TINY_MODEL_NAME} (seed ${seed})` }],
    ["general.alignment", u32(32)],
    ["general.file_type", u32(0)],
    [`${ARCH}.context_length`, u32(TINY_CONTEXT_LENGTH)],
    [`${ARCH}.embedding_length`, u32(N_EMBD)],
    [`${ARCH}.block_count`, u32(N_LAYER)],
    [`${ARCH}.feed_forward_length`, u32(N_FF)],
    [`${ARCH}.attention.head_count`, u32(N_HEAD)],
    [`${ARCH}.attention.head_count_kv`, u32(N_HEAD_KV)],
    [`${ARCH}.attention.key_length`, u32(HEAD_DIM)],
    [`${ARCH}.attention.value_length`, u32(HEAD_DIM)],
    [`${ARCH}.attention.layer_norm_rms_epsilon`, { type: "f32", value: 1e-6 }],
    [`${ARCH}.rope.freq_base`, { type: "f32", value: 1e6 }],
    ["tokenizer.ggml.model", { type: "string", value: "gpt2" }],
    ["tokenizer.ggml.pre", { type: "string", value: "qwen2" }],
    ["tokenizer.ggml.tokens", { type: "string[]", value: vocab.tokens }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: vocab.types }],
    ["tokenizer.ggml.merges", { type: "string[]", value: vocab.merges }],
    ["tokenizer.ggml.bos_token_id", u32(vocab.ids.endoftext)],
    ["tokenizer.ggml.eos_token_id", u32(vocab.ids.imEnd)],
    ["tokenizer.ggml.padding_token_id", u32(vocab.ids.endoftext)],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: false }],
  ];
  return writeGguf({ metadata, tensors });
}

export function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

/**
 * Writes the demo model into `dir` (default `.cache/models` under the working directory) unless an
 * identical file is already there, and returns its path. The write is atomic (temp file + rename),
 * so concurrent test workers never load a half-written file.
 */
export async function ensureTinyModel(
  dir: string = path.resolve(".cache", "models"),
  seed: number = TINY_DEFAULT_SEED,
): Promise<string> {
  const bytes = generateTinyModel(seed);
  const file = path.join(dir, `${TINY_MODEL_NAME}-seed${seed}.gguf`);
  const existing = await readFile(file).catch(() => undefined);
  if (existing?.equals(bytes)) return file;
  await mkdir(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, file);
  return file;
}
