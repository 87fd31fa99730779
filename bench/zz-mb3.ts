import { createVllmEngine } from "../core/engines/vllm/index.js";
import { runPipeline } from "../core/pipeline.js";
import { CompletionRequest } from "../core/protocol.js";
const engine = createVllmEngine({ baseUrl: "http://127.0.0.1:18431", model: "m" });
await engine.start();
const req = CompletionRequest.parse({ prompt: "Is the sky blue on a clear day?", thinking_effort: "low", structured_outputs: { choice: ["yes", "no"] } });
const mode = process.argv[2];
if (mode === "text") (engine as any).fixed.promptIds = async () => undefined;
if (mode === "text") (engine as any).fixed.exact = async () => undefined;
for (let round = 0; round < 3; round++) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < 400; i++) await runPipeline(req, { engine, budgets: { low: 64, medium: 64, high: 64 }, answerCap: 16, jobId: "x" });
  const d = process.cpuUsage(t0);
  console.log(mode, ((d.user + d.system) / 400 / 1000).toFixed(3), "ms/pipeline (client only)");
}
