/** The Engine contract, run against the engine host: the embedded engine as the server runs it. */
import { runEngineContract } from "../../../engine-contract.case.js";
import { startTestHost } from "./test-support.js";

runEngineContract("embedded llama.cpp through the engine host", async () => {
  const host = await startTestHost({ engine: { concurrency: 2 } });
  return { engine: host.engine, dispose: () => host.dispose() };
});
