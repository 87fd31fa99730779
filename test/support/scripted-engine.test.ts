/**
 * The Engine contract, run against the test double. Its replies are the test's script: free text
 * for free calls, and for constrained calls an instance of the constraint (as the stand-in makes
 * one), so the cases check what the double itself does: stop strings, max tokens, deltas, abort,
 * token counts and the context check.
 */
import { runEngineContract } from "../../core/engine-contract.case.js";
import { regexInstance } from "../vllm-stand-in/generate.js";
import { ScriptedEngine } from "./scripted-engine.js";

const FREE =
  "The user asks for a colour and a reason. Blue is calm, red is warm and green is the colour " +
  "of leaves; I will pick blue because it is the colour of the sky.\n</think>\n\nBlue.";

runEngineContract("scripted test double", async () => ({
  engine: new ScriptedEngine({
    delayMs: 1,
    fallback: (call) => {
      const c = call.constraint;
      if (c?.kind === "choice") return { text: c.choices[(call.sampling.seed ?? 0) % c.choices.length]! };
      if (c?.kind === "regex") return { text: regexInstance(c.pattern) };
      return { text: FREE };
    },
  }),
}));
