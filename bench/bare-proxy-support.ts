/**
 * The floor of bench/server-cpu.ts: a bare Node HTTP proxy that answers POST /pipeline by making
 * the same four upstream calls as an effort-`low` pipeline (think, constrained draft, reflect,
 * constrained final) against the vLLM stand-in, each prompt extending the last, and nothing else:
 * no validation, queue, sealing, logging or metrics. Run as a child process:
 *   node --import tsx bench/bare-proxy-support.ts
 *   (env UPSTREAM, MODEL, STREAM=1 to stream upstream, CLIENT=fetch for Node's fetch instead of the
 *   vLLM engine's own client, core/engines/vllm/upstream.ts)
 * Prints `bare proxy listening on PORT`.
 */
import { createServer } from "node:http";
import { poolRequest } from "../core/engines/vllm/upstream.js";

const upstream = `${process.env.UPSTREAM}/v1/completions`;
const model = process.env.MODEL ?? "bench-model";
const stream = process.env.STREAM === "1";
const useFetch = process.env.CLIENT === "fetch";

async function post(body: string): Promise<string> {
  const headers = { "content-type": "application/json" };
  if (useFetch) return (await fetch(upstream, { method: "POST", headers, body })).text();
  return (await poolRequest(upstream, { method: "POST", headers, body, stream })).body.text();
}

interface Answer {
  text: string;
  tokens: number;
}

async function call(prompt: string, maxTokens: number, choice?: string[]): Promise<Answer> {
  const body = {
    model,
    prompt,
    max_tokens: maxTokens,
    temperature: 0.6,
    top_p: 0.95,
    top_k: 20,
    min_p: 0,
    seed: null,
    ...(choice ? { structured_outputs: { choice } } : {}),
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : { stream: false }),
  };
  const raw = await post(JSON.stringify(body));
  if (!stream) {
    const json = JSON.parse(raw) as { choices: { text: string }[]; usage: { completion_tokens: number } };
    return { text: json.choices[0]!.text, tokens: json.usage.completion_tokens };
  }
  let text = "";
  let tokens = 0;
  for (const event of raw.split("\n\n")) {
    const data = event.slice(6);
    if (!data || data === "[DONE]") continue;
    const json = JSON.parse(data) as {
      choices: { text: string }[];
      usage: { completion_tokens: number } | null;
    };
    if (json.choices[0]) text += json.choices[0].text;
    if (json.usage) tokens = json.usage.completion_tokens;
  }
  return { text, tokens };
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", async () => {
    try {
      const { prompt, choice } = JSON.parse(Buffer.concat(chunks).toString()) as {
        prompt: string;
        choice: string[];
      };
      let p = `<|im_start|>user\n${prompt}<|im_end|>\n<|im_start|>assistant\n<think>\n`;
      const think = await call(p, 512);
      p += `${think.text}\n`;
      const draft = await call(p, 1024, choice);
      p += `${draft.text}\nWait, have I made a mistake?`;
      const reflect = await call(p, 512);
      p += reflect.text;
      const final = await call(p, 1024, choice);
      const tokens = think.tokens + draft.tokens + reflect.tokens + final.tokens;
      const out = JSON.stringify({ output: final.text, usage: { completion_tokens: tokens } });
      res.writeHead(200, { "content-type": "application/json" }).end(out);
    } catch (err) {
      res.writeHead(502).end(String(err));
    }
  });
});
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  process.stdout.write(`bare proxy listening on ${typeof address === "object" ? address?.port : address}\n`);
});
process.on("SIGTERM", () => process.exit(0));
