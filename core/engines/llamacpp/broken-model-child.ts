/**
 * Child process of broken-model.test.ts: loads the model file named on the command line and prints
 * one JSON line with the outcome. A broken GGUF may abort a process, so it never runs in the test's.
 */
import { createLlamaCppEngine } from "./index.js";
import { toDeliberateError } from "../../errors.js";

const file = process.argv[2]!;
try {
  const engine = await createLlamaCppEngine({ model: file, offline: true });
  await engine.close();
  console.log(JSON.stringify({ loaded: true }));
} catch (err) {
  const e = toDeliberateError(err);
  console.log(JSON.stringify({ loaded: false, code: e.code, message: e.message }));
}
