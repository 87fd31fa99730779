/**
 * Prompt rendering: golden strings. The conversation goldens were rendered by Qwen3-8B's own
 * chat_template (tokenizer_config.json) with jinja2 the way transformers runs it (sandboxed,
 * trim_blocks, lstrip_blocks, add_generation_prompt=True; enable_thinking=False for `none`).
 */
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

interface Golden {
  name: string;
  none: boolean;
  messages: ChatMessage[];
  expected: string;
}

const TEMPLATE_GOLDENS: Golden[] = [
  {
    name: "a single user turn",
    none: false,
    messages: [{ role: "user", content: "Hi" }] as ChatMessage[],
    expected: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "a single user turn, thinking off (empty think block)",
    none: true,
    messages: [{ role: "user", content: "Hi" }] as ChatMessage[],
    expected: "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
  },
  {
    name: "a system and a user turn",
    none: false,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 2+2?" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "a system and a user turn, thinking off",
    none: true,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "What is 2+2?" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
  },
  {
    name: "reasoning of an assistant turn before the last user turn is stripped",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "<think>\nlet me see\n</think>\n\nAnswer A" },
      { role: "user", content: "B?" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>user\nA?<|im_end|>\n<|im_start|>assistant\nAnswer A<|im_end|>\n<|im_start|>user\nB?<|im_end|>\n<|im_start|>assistant\n",
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
    expected:
      "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nA?<|im_end|>\n<|im_start|>assistant\nAnswer A<|im_end|>\n<|im_start|>user\nB?<|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "a trailing assistant turn gets an (empty) think block",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "Partial" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>user\nA?<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nPartial<|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "a trailing assistant turn keeps its reasoning, newlines trimmed",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "\n<think>\n\nr1\n\n</think>\n\n\nans" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>user\nA?<|im_end|>\n<|im_start|>assistant\n<think>\nr1\n</think>\n\nans<|im_end|>\n<|im_start|>assistant\n",
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
    expected:
      "<|im_start|>user\nA?<|im_end|>\n<|im_start|>assistant\nfirst<|im_end|>\n<|im_start|>assistant\n<think>\nr2\n</think>\n\nsecond<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nthird<|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "a user turn carrying only a tool response is not the last query",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "<think>\nplan\n</think>\n\ncall" },
      { role: "user", content: "<tool_response>\n42\n</tool_response>" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>user\nA?<|im_end|>\n<|im_start|>assistant\n<think>\nplan\n</think>\n\ncall<|im_end|>\n<|im_start|>user\n<tool_response>\n42\n</tool_response><|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "a system turn in the middle of the conversation",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "system", content: "New rule" },
      { role: "user", content: "B?" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>user\nA?<|im_end|>\n<|im_start|>system\nNew rule<|im_end|>\n<|im_start|>user\nB?<|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "no user turn at all",
    none: false,
    messages: [
      { role: "system", content: "S" },
      { role: "assistant", content: "<think>x</think>y" },
    ] as ChatMessage[],
    expected: "<|im_start|>system\nS<|im_end|>\n<|im_start|>assistant\ny<|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "content is copied verbatim (Unicode, markup, whitespace)",
    none: false,
    messages: [{ role: "user", content: "日本語 <b>bold</b>\n\n  spaced  " }] as ChatMessage[],
    expected: "<|im_start|>user\n日本語 <b>bold</b>\n\n  spaced  <|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "a </think> without <think> still splits reasoning from answer",
    none: false,
    messages: [
      { role: "user", content: "A?" },
      { role: "assistant", content: "reasoning only</think>answer" },
      { role: "user", content: "B?" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>user\nA?<|im_end|>\n<|im_start|>assistant\nanswer<|im_end|>\n<|im_start|>user\nB?<|im_end|>\n<|im_start|>assistant\n",
  },
  {
    name: "the answer is what follows the last </think>",
    none: false,
    messages: [
      { role: "user", content: "A" },
      { role: "assistant", content: "<think>a</think>b</think>c" },
    ] as ChatMessage[],
    expected:
      "<|im_start|>user\nA<|im_end|>\n<|im_start|>assistant\n<think>\na\n</think>\n\nc<|im_end|>\n<|im_start|>assistant\n",
  },
];

describe("conversation rendering matches Qwen3's chat template", () => {
  it.each(TEMPLATE_GOLDENS)("$name", ({ none, messages, expected }) => {
    const rendered = none ? noThinkPrompt(messages) : renderConversation(messages) + ASSISTANT_PREFIX;
    expect(rendered).toBe(expected);
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
    expect(thinkPrompt(messages)).toBe(`${conversation}<|im_start|>assistant\n<think>\n`);
  });

  it("`none` ends with the empty think block of enable_thinking=false", () => {
    expect(EMPTY_THINK).toBe("<think>\n\n</think>\n\n");
    expect(noThinkPrompt(messages)).toBe(`${conversation}<|im_start|>assistant\n<think>\n\n</think>\n\n`);
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
