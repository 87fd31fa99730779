/**
 * CLI: writes the tiny random-weight Qwen3 demo model.
 *   tsx scripts/gguf/generate-tiny-model.ts --seed 1 --out x.gguf
 * Prints the path, size and sha256 (the same seed always gives the same bytes).
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import {
  generateTinyModel,
  sha256,
  TINY_DEFAULT_SEED,
} from "../../core/engines/llamacpp/demo-model/tiny-model.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: String(TINY_DEFAULT_SEED) },
    out: { type: "string", default: "deliberate-demo-tiny.gguf" },
  },
});
const seed = Number(values.seed);
const bytes = generateTinyModel(seed);
await writeFile(values.out, bytes);
console.log(`${values.out}: ${bytes.length} bytes, seed ${seed}, sha256 ${sha256(bytes)}`);
