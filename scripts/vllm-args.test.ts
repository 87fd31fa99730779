import { describe, expect, it } from "vitest";
import { ConfigError } from "../handlers/shared/config.js";
import { buildVllmArgs, shellQuote, splitShellWords, type VllmRole } from "./vllm-args.js";

const BASE = ["--host", "127.0.0.1", "--port", "8000"];

/** The main server's fixed start: the model, its served name, the address, then the GPU settings. */
const mainStart = (model: string, tensorParallel: string, gpuMemory: string) => [
  model,
  "--served-model-name",
  model,
  ...BASE,
  "--tensor-parallel-size",
  tensorParallel,
  "--gpu-memory-utilization",
  gpuMemory,
];

function args(env: Record<string, string>, role: VllmRole = "main"): string[] {
  const plan = buildVllmArgs(env, role);
  if (!plan.enabled) throw new Error(`disabled: ${plan.reason}`);
  return plan.args;
}

function problems(env: Record<string, string>, role: VllmRole = "main"): string[] {
  try {
    buildVllmArgs(env, role);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("main server arguments", () => {
  const cases: Array<[string, Record<string, string>, string[]]> = [
    [
      "defaults",
      { MODEL_NAME: "Qwen/Qwen3-8B" },
      [...mainStart("Qwen/Qwen3-8B", "1", "0.9"), "--enable-prompt-tokens-details"],
    ],
    [
      "tensor parallel, memory and context length",
      { MODEL_NAME: "m", TENSOR_PARALLEL: "4", GPU_MEMORY_UTILIZATION: "0.85", MAX_MODEL_LEN: "32768" },
      [...mainStart("m", "4", "0.85"), "--max-model-len", "32768", "--enable-prompt-tokens-details"],
    ],
    [
      "an embedding model takes its share of the GPU budget",
      { MODEL_NAME: "m", EMBEDDING_MODEL: "e", GPU_MEMORY_UTILIZATION: "0.9" },
      [...mainStart("m", "1", "0.8"), "--enable-prompt-tokens-details"],
    ],
    [
      "extra args come last, quoted words kept whole",
      {
        MODEL_NAME: "m",
        VLLM_EXTRA_ARGS: `--max-num-seqs 64 --chat-template '{{ a b }}' --dtype "bfloat16"`,
      },
      [
        ...mainStart("m", "1", "0.9"),
        "--enable-prompt-tokens-details",
        "--max-num-seqs",
        "64",
        "--chat-template",
        "{{ a b }}",
        "--dtype",
        "bfloat16",
      ],
    ],
    [
      "blank values count as unset",
      { MODEL_NAME: " m ", MAX_MODEL_LEN: " ", VLLM_EXTRA_ARGS: "  " },
      [...mainStart("m", "1", "0.9"), "--enable-prompt-tokens-details"],
    ],
  ];
  it.each(cases)("%s", (_name, env, expected) => {
    expect(args(env)).toEqual(expected);
  });

  it("never puts secrets on the command line", () => {
    const out = args({ MODEL_NAME: "m", HF_TOKEN: "hf_secret", VLLM_API_KEY: "vk_secret" }).join(" ");
    expect(out).not.toContain("hf_secret");
    expect(out).not.toContain("vk_secret");
  });

  it("never passes a reasoning parser", () => {
    expect(args({ MODEL_NAME: "m" }).some((a) => a.includes("reasoning"))).toBe(false);
  });
});

describe("embedding server arguments", () => {
  it("is disabled without EMBEDDING_MODEL", () => {
    expect(buildVllmArgs({ MODEL_NAME: "m" }, "embed")).toEqual({
      enabled: false,
      reason: "EMBEDDING_MODEL is not set",
    });
  });

  /** The embedding server's fixed start: the model, its served name, port 8001, pooling, its GPU share. */
  const embedStart = (model: string, gpuMemory: string) => [
    model,
    "--served-model-name",
    model,
    "--host",
    "127.0.0.1",
    "--port",
    "8001",
    "--runner",
    "pooling",
    "--gpu-memory-utilization",
    gpuMemory,
  ];
  const cases: Array<[string, Record<string, string>, string[]]> = [
    [
      "pooling runner on 8001 with the default share",
      { MODEL_NAME: "m", EMBEDDING_MODEL: "BAAI/bge-small-en-v1.5" },
      [...embedStart("BAAI/bge-small-en-v1.5", "0.1")],
    ],
    [
      "own share, context length and extra args",
      {
        EMBEDDING_MODEL: "e",
        EMBEDDING_GPU_MEMORY_UTILIZATION: "0.2",
        EMBEDDING_MAX_MODEL_LEN: "512",
        EMBEDDING_VLLM_EXTRA_ARGS: "--enforce-eager",
      },
      [...embedStart("e", "0.2"), "--max-model-len", "512", "--enforce-eager"],
    ],
  ];
  it.each(cases)("%s", (_name, env, expected) => {
    expect(args(env, "embed")).toEqual(expected);
  });
});

describe("rejected settings", () => {
  type Case = [string, Record<string, string>, VllmRole, RegExp];
  /** VLLM_EXTRA_ARGS of the main server that are refused with `problem`. */
  const mainExtra = (name: string, extra: string, problem: RegExp): Case => [
    name,
    { MODEL_NAME: "m", VLLM_EXTRA_ARGS: extra },
    "main",
    problem,
  ];
  const cases: Case[] = [
    ["missing model", {}, "main", /^MODEL_NAME: required/],
    mainExtra("reasoning parser", "--reasoning-parser qwen3", /--reasoning-parser is not allowed/),
    mainExtra("reasoning parser with =", "--reasoning-parser=qwen3", /--reasoning-parser is/),
    mainExtra("reasoning parser, underscores", "--reasoning_parser qwen3", /--reasoning-parser is/),
    mainExtra("reasoning parser plugin", "--reasoning-parser-plugin x.py", /--reasoning-parser-plugin is/),
    [
      "REASONING_PARSER variable",
      { MODEL_NAME: "m", REASONING_PARSER: "qwen3" },
      "main",
      /^REASONING_PARSER: not supported/,
    ],
    [
      "reasoning parser for embeddings",
      { EMBEDDING_MODEL: "e", EMBEDDING_VLLM_EXTRA_ARGS: "--reasoning-parser x" },
      "embed",
      /EMBEDDING_VLLM_EXTRA_ARGS: --reasoning-parser/,
    ],
    mainExtra("port override", "--port 9000", /--port is not allowed/),
    mainExtra("host override", "--host=0.0.0.0", /--host is not allowed/),
    mainExtra("token on the command line", "--hf-token hf_x", /--hf-token is not allowed: secrets/),
    mainExtra("api key on the command line", "--api-key k", /--api-key is not allowed/),
    mainExtra("config file", "--config c.yaml", /--config is not allowed/),
    mainExtra("unterminated quote", "--chat-template 'x", /unterminated single quote/),
    [
      "tensor parallel not a number",
      { MODEL_NAME: "m", TENSOR_PARALLEL: "two" },
      "main",
      /^TENSOR_PARALLEL: must be a whole number/,
    ],
    ["tensor parallel zero", { MODEL_NAME: "m", TENSOR_PARALLEL: "0" }, "main", /^TENSOR_PARALLEL/],
    ["context length with a suffix", { MODEL_NAME: "m", MAX_MODEL_LEN: "32k" }, "main", /^MAX_MODEL_LEN/],
    [
      "memory above 1",
      { MODEL_NAME: "m", GPU_MEMORY_UTILIZATION: "90" },
      "main",
      /^GPU_MEMORY_UTILIZATION: must be a fraction/,
    ],
    ["memory zero", { MODEL_NAME: "m", GPU_MEMORY_UTILIZATION: "0" }, "main", /^GPU_MEMORY_UTILIZATION/],
    [
      "embedding share too large",
      {
        MODEL_NAME: "m",
        EMBEDDING_MODEL: "e",
        GPU_MEMORY_UTILIZATION: "0.5",
        EMBEDDING_GPU_MEMORY_UTILIZATION: "0.5",
      },
      "main",
      /leaves too little/,
    ],
  ];
  it.each(cases)("%s", (_name, env, role, pattern) => {
    expect(problems(env, role).some((p) => pattern.test(p))).toBe(true);
  });

  it("reports every problem at once", () => {
    const found = problems({ TENSOR_PARALLEL: "x", VLLM_EXTRA_ARGS: "--reasoning-parser y" });
    expect(found).toHaveLength(3);
  });
});

describe("reasoning parser bypasses", () => {
  const refused: Array<[string, string]> = [
    ["dotted config key", "--structured-outputs-config.reasoning_parser qwen3"],
    ["dotted config key with =", "--structured-outputs-config.reasoning_parser=qwen3"],
    ["dotted config key, underscores", "--structured_outputs_config.reasoning-parser qwen3"],
    ["JSON config", `--structured-outputs-config '{"reasoning_parser":"qwen3"}'`],
    ["JSON config with =", `--structured-outputs-config='{"backend":"xgrammar","reasoning_parser":"qwen3"}'`],
    ["JSON config, escaped key", `--structured-outputs-config '{"reasoning\\u005fparser":"qwen3"}'`],
    ["abbreviated config flag", `--structured-out '{"reasoning_parser":"qwen3"}'`],
    ["abbreviated dotted config flag", "--structured-out.reasoning_parser qwen3"],
    ["enable_in_reasoning, dotted", "--structured-outputs-config.enable_in_reasoning true"],
    ["enable_in_reasoning, JSON", `--structured-outputs-config '{"enable_in_reasoning":true}'`],
    ["enable_in_reasoning, JSON with =", `--structured_outputs_config={"enable_in_reasoning":true}`],
    ["enable_in_reasoning, abbreviated", `--structured-outputs '{"enable_in_reasoning":true}'`],
    ["abbreviated --reasoning-parser", "--reasoning-pars qwen3"],
    ["abbreviated --reasoning-parser with =", "--reasoning_pa=qwen3"],
    ["upper case", "--Reasoning-Parser qwen3"],
    ["reasoning config", `--reasoning-config '{"think_end_str":"</think>"}'`],
    ["abbreviated --host", "--hos 0.0.0.0"],
    ["abbreviated --port with =", "--po=9000"],
    ["abbreviated --config", "--conf c.yaml"],
    ["abbreviated --served-model-name", "--served-model x"],
    ["abbreviated --api-key", "--api-k k"],
  ];
  it.each(refused)("refuses %s", (_name, extra) => {
    for (const [role, env] of [
      ["main", { MODEL_NAME: "m", VLLM_EXTRA_ARGS: extra }],
      ["embed", { EMBEDDING_MODEL: "e", EMBEDDING_VLLM_EXTRA_ARGS: extra }],
    ] as const) {
      const found = problems(env, role);
      expect(found).toHaveLength(1);
      expect(found[0]).toMatch(/^(EMBEDDING_)?VLLM_EXTRA_ARGS: .* not allowed|may not set/);
    }
  });

  it("names the flag and the flag it abbreviates", () => {
    expect(problems({ MODEL_NAME: "m", VLLM_EXTRA_ARGS: "--reasoning-pars qwen3" })[0]).toContain(
      "--reasoning-pars (an abbreviation of --reasoning-parser) is not allowed",
    );
  });

  const allowed: Array<[string, string]> = [
    [
      "structured outputs backend",
      `--structured-outputs-config '{"backend":"xgrammar","disable_any_whitespace":true}'`,
    ],
    ["dotted backend", "--structured-outputs-config.backend guidance"],
    ["optimisation level", "-O3"],
    ["config format (longer than --config)", "--config-format hf"],
    ["a flag that merely shares a prefix", "--max-model-len 4096 --enable-chunked-prefill"],
  ];
  it.each(allowed)("accepts %s", (_name, extra) => {
    expect(args({ MODEL_NAME: "m", VLLM_EXTRA_ARGS: extra })).toEqual(
      expect.arrayContaining(splitShellWords(extra)),
    );
  });
});

describe("shell words", () => {
  const cases: Array<[string, string, string[]]> = [
    ["plain words", "a b  c", ["a", "b", "c"]],
    ["tabs and newlines", "a\tb\nc", ["a", "b", "c"]],
    ["single quotes keep everything", `'a "b" \\c'`, [`a "b" \\c`]],
    ["double quotes with escapes", `"a \\"b\\" \\\\ c"`, [`a "b" \\ c`]],
    ["backslash escapes a space", "a\\ b", ["a b"]],
    ["adjacent quoted parts join", `--x='{"a": 1}'`, [`--x={"a": 1}`]],
    ["empty quoted word", `a '' b`, ["a", "", "b"]],
    ["no expansion", "$HOME *", ["$HOME", "*"]],
    ["empty", "   ", []],
  ];
  it.each(cases)("%s", (_name, input, expected) => {
    expect(splitShellWords(input)).toEqual(expected);
  });

  it.each([["'open"], ['"open'], ["trailing\\"]])("rejects %s", (input) => {
    expect(() => splitShellWords(input)).toThrow();
  });

  const quoted: Array<[string, string]> = [
    ["Qwen/Qwen3-8B", "Qwen/Qwen3-8B"],
    ["0.9", "0.9"],
    ["{{ a b }}", "'{{ a b }}'"],
    ["it's", `'it'\\''s'`],
    ["", "''"],
  ];
  it.each(quoted)("quotes %j as %s and splits back", (word, expected) => {
    expect(shellQuote(word)).toBe(expected);
    expect(splitShellWords(shellQuote(word))).toEqual([word]);
  });
});
