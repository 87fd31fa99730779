/**
 * A look at a GGUF file's header before llama.cpp loads it. Some malformed files make llama.cpp
 * abort the whole process (GGML_ASSERT → SIGABRT) instead of throwing; the metadata whose absence
 * does that is checked here first, so such a file becomes a clear error instead of a crash.
 */
import { readGgufFileInfo } from "node-llama-cpp";
import { DeliberateError } from "../../errors.js";

/** Per-architecture keys llama.cpp needs; missing feed_forward_length or head_count aborts it. */
const REQUIRED = [
  "context_length",
  "embedding_length",
  "block_count",
  "feed_forward_length",
  "attention.head_count",
];

const broken = (file: string, why: string) =>
  new DeliberateError("engine_unavailable", `the model file ${file} is not a usable GGUF model: ${why}`, {
    param: "ORCH_MODEL",
  });

function lookup(root: unknown, dotted: string): unknown {
  let node = root;
  for (const part of dotted.split(".")) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

const positive = (v: unknown) =>
  (typeof v === "number" && v >= 1) || (Array.isArray(v) && v.length > 0 && v.every((x) => x >= 1));

export async function checkGgufFile(file: string): Promise<void> {
  let metadata: unknown;
  try {
    const info = await readGgufFileInfo(file, {
      sourceType: "filesystem",
      readTensorInfo: false,
      logWarnings: false,
      // The vocabulary is large and not needed for this check.
      ignoreKeys: [
        "tokenizer.ggml.tokens",
        "tokenizer.ggml.token_type",
        "tokenizer.ggml.merges",
        "tokenizer.ggml.scores",
      ],
    });
    metadata = info.metadata;
  } catch (err) {
    throw broken(file, err instanceof Error ? err.message : String(err));
  }
  const arch = lookup(metadata, "general.architecture");
  if (typeof arch !== "string" || arch === "") throw broken(file, "general.architecture is missing");
  for (const key of REQUIRED) {
    if (!positive(lookup(metadata, `${arch}.${key}`)))
      throw broken(file, `${arch}.${key} is missing or zero`);
  }
}
