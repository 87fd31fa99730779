/** The Engine contract, run against the embedded llama.cpp engine on the generated demo model. */
import { runEngineContract } from "../../engine-contract.case.js";
import { startDemoEngine } from "./test-support.js";

runEngineContract("embedded llama.cpp on the demo model", async () => {
  const demo = await startDemoEngine();
  return { engine: demo.engine, dispose: () => demo.dispose() };
});
