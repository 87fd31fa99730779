/** The Engine contract, run against the vLLM client talking to the vLLM stand-in. */
import { standInWithEngine } from "../../../test/vllm-stand-in/fixture.js";
import { runEngineContract } from "../../engine-contract.case.js";

runEngineContract("vLLM client over the stand-in", async () => {
  const f = await standInWithEngine();
  return { engine: f.engine, dispose: () => f.stop() };
});
