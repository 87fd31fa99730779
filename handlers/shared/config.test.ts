/** parseConfig: defaults, forgiving values, and every problem reported at once. */
import { describe, expect, it } from "vitest";
import { ConfigError, decodeKey, parseConfig } from "./config.js";
import { DEFAULT_BUDGETS } from "../../core/effort.js";

const KEY_BYTES = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1));

function problems(env: Record<string, string | undefined>): string[] {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("defaults", () => {
  it("an empty environment gives a local server with the embedded engine", () => {
    const config = parseConfig({});
    expect(config).toMatchObject({
      apiKey: undefined,
      encryptionKey: undefined,
      host: "127.0.0.1",
      port: 8005,
      logLevel: "info",
      requestLogs: { enabled: false },
      vllm: undefined,
      embeddingsUrl: undefined,
      budgets: DEFAULT_BUDGETS,
      answerMaxTokens: 1024,
      cache: { ttlMs: 600_000, maxEntries: 1000 },
      mode: "server",
      tensorParallel: 1,
    });
    expect(config.requestTimeoutMs).toBe(600_000);
    expect(config.drainMs).toBe(30_000);
  });

  it("treats empty and blank variables as unset", () => {
    expect(parseConfig({ ORCH_PORT: "", ORCH_LOG_LEVEL: "  ", VLLM_URL: "" })).toMatchObject({
      port: 8005,
      logLevel: "info",
      vllm: undefined,
    });
  });
});

describe("host", () => {
  it("binds to loopback when no API key is set, and to every interface with one", () => {
    expect(parseConfig({}).host).toBe("127.0.0.1");
    expect(parseConfig({ ORCH_API_KEY: "k".repeat(32) }).host).toBe("0.0.0.0");
  });

  it("lets ORCH_HOST decide either way", () => {
    expect(parseConfig({ ORCH_HOST: "0.0.0.0" }).host).toBe("0.0.0.0");
    expect(parseConfig({ ORCH_HOST: "10.0.0.5", ORCH_API_KEY: "k".repeat(32) }).host).toBe("10.0.0.5");
  });

  it("refuses an API key too short to be a secret", () => {
    expect(problems({ ORCH_API_KEY: "short" })[0]).toMatch(/^ORCH_API_KEY: .*16/);
  });
});

describe("forgiving values", () => {
  it.each([
    ["INFO", "info"],
    [" Debug ", "debug"],
    ["WARN", "warn"],
    ["silent", "silent"],
  ])("log level %j is %j", (value, level) => {
    expect(parseConfig({ ORCH_LOG_LEVEL: value }).logLevel).toBe(level);
  });

  it("refuses an unknown log level", () => {
    expect(problems({ ORCH_LOG_LEVEL: "loud" })[0]).toMatch(/^ORCH_LOG_LEVEL/);
  });

  it("reads booleans in the usual spellings", () => {
    for (const yes of ["true", "TRUE", "1", "yes", "on"]) {
      expect(
        parseConfig({ ORCH_ENABLE_REQUEST_LOGS: yes, ORCH_ENCRYPTION_KEY: KEY_BYTES.toString("hex") })
          .requestLogs.enabled,
      ).toBe(true);
    }
    for (const no of ["false", "0", "No", "off"]) {
      expect(parseConfig({ ORCH_ENABLE_REQUEST_LOGS: no }).requestLogs.enabled).toBe(false);
    }
    expect(problems({ ORCH_ENABLE_REQUEST_LOGS: "maybe" })[0]).toMatch(/^ORCH_ENABLE_REQUEST_LOGS/);
  });

  it("ORCH_CACHE_MAX_ENTRIES=0 is allowed (it turns the cache off)", () => {
    expect(parseConfig({ ORCH_CACHE_MAX_ENTRIES: "0" }).cache.maxEntries).toBe(0);
    expect(problems({ ORCH_CACHE_MAX_ENTRIES: "-1" })[0]).toMatch(/^ORCH_CACHE_MAX_ENTRIES/);
  });

  it("converts seconds to milliseconds, fractions included", () => {
    const config = parseConfig({ ORCH_REQUEST_TIMEOUT_S: "1.5", ORCH_DRAIN_S: "0", ORCH_CACHE_TTL_S: "60" });
    expect(config.requestTimeoutMs).toBe(1500);
    expect(config.drainMs).toBe(0);
    expect(config.cache.ttlMs).toBe(60_000);
    expect(problems({ ORCH_REQUEST_TIMEOUT_S: "0" })[0]).toMatch(/^ORCH_REQUEST_TIMEOUT_S/);
  });

  it("refuses durations Node's timers would turn into 1 ms (over about 24.8 days)", () => {
    expect(parseConfig({ ORCH_REQUEST_TIMEOUT_S: "2147483" }).requestTimeoutMs).toBe(2_147_483_000);
    const found = problems({
      ORCH_REQUEST_TIMEOUT_S: "3000000",
      ORCH_DRAIN_S: "1e7",
      ORCH_CACHE_TTL_S: "1e9",
    });
    expect(found.map((p) => p.split(":")[0]).sort()).toEqual([
      "ORCH_CACHE_TTL_S",
      "ORCH_DRAIN_S",
      "ORCH_REQUEST_TIMEOUT_S",
    ]);
  });

  it("reads the mode in any case", () => {
    expect(parseConfig({ ORCH_MODE: "RunPod" }).mode).toBe("runpod");
    expect(problems({ ORCH_MODE: "lambda" })[0]).toMatch(/^ORCH_MODE/);
  });
});

describe("budgets", () => {
  it("ORCH_THINKING_BUDGETS overrides the named efforts only", () => {
    expect(parseConfig({ ORCH_THINKING_BUDGETS: "medium=4096, HIGH=16000" }).budgets).toEqual({
      low: 512,
      medium: 4096,
      high: 16000,
    });
  });

  it("reports a malformed budget list", () => {
    expect(problems({ ORCH_THINKING_BUDGETS: "medium:4096" })[0]).toMatch(/^ORCH_THINKING_BUDGETS: /);
  });

  it("ORCH_ANSWER_MAX_TOKENS sets the answer cap, at least 1", () => {
    expect(parseConfig({ ORCH_ANSWER_MAX_TOKENS: "2048" }).answerMaxTokens).toBe(2048);
    expect(problems({ ORCH_ANSWER_MAX_TOKENS: "0" })[0]).toMatch(/^ORCH_ANSWER_MAX_TOKENS/);
  });
});

describe("encryption key", () => {
  it("accepts 32 bytes as hex, base64 and url-safe base64", () => {
    for (const text of [
      KEY_BYTES.toString("hex"),
      KEY_BYTES.toString("hex").toUpperCase(),
      KEY_BYTES.toString("base64"),
      KEY_BYTES.toString("base64url"),
      ` ${KEY_BYTES.toString("base64")}\n`,
    ]) {
      expect(parseConfig({ ORCH_ENCRYPTION_KEY: text }).encryptionKey?.equals(KEY_BYTES)).toBe(true);
    }
  });

  it("refuses anything that is not exactly 32 bytes", () => {
    for (const text of [
      "not a key",
      KEY_BYTES.toString("hex").slice(0, 62),
      KEY_BYTES.subarray(0, 31).toString("base64"),
      Buffer.concat([KEY_BYTES, KEY_BYTES]).toString("base64"),
    ]) {
      expect(decodeKey(text)).toBeUndefined();
      expect(problems({ ORCH_ENCRYPTION_KEY: text })[0]).toMatch(/^ORCH_ENCRYPTION_KEY: must be 32 bytes/);
    }
  });
});

describe("vLLM", () => {
  it("VLLM_URL selects vLLM and needs MODEL_NAME", () => {
    expect(problems({ VLLM_URL: "http://127.0.0.1:8000" })).toEqual([
      "MODEL_NAME: required when VLLM_URL is set (the model vLLM serves)",
    ]);
    const config = parseConfig({
      VLLM_URL: "http://127.0.0.1:8000/",
      MODEL_NAME: "Qwen/Qwen3-8B",
      VLLM_EMBEDDINGS_URL: "http://127.0.0.1:8001",
    });
    expect(config.vllm).toEqual({
      url: "http://127.0.0.1:8000",
      embeddingsUrl: "http://127.0.0.1:8001",
      apiKey: undefined,
    });
    expect(config.modelName).toBe("Qwen/Qwen3-8B");
    expect(config.embeddingsUrl).toBe("http://127.0.0.1:8001");
  });

  it("refuses a URL that is not http(s)", () => {
    expect(problems({ VLLM_URL: "ftp://x", MODEL_NAME: "m" })[0]).toMatch(/^VLLM_URL/);
  });
  it("ORCH_MAX_CONCURRENCY defaults to 320 with vLLM and 8 with the embedded engine; a set value wins", () => {
    const vllm = { VLLM_URL: "http://127.0.0.1:8000", MODEL_NAME: "m" };
    expect(parseConfig(vllm).maxConcurrency).toBe(320);
    expect(parseConfig({}).maxConcurrency).toBe(8);
    expect(parseConfig({ ...vllm, ORCH_MAX_CONCURRENCY: "12" }).maxConcurrency).toBe(12);
    expect(parseConfig({ ORCH_MAX_CONCURRENCY: "3" }).maxConcurrency).toBe(3);
    expect(problems({ ORCH_MAX_CONCURRENCY: "0" })[0]).toMatch(/^ORCH_MAX_CONCURRENCY/);
  });

  it("ORCH_ADAPTIVE_CONCURRENCY is off unless set", () => {
    expect(parseConfig({}).adaptiveConcurrency).toBe(false);
    expect(parseConfig({ ORCH_ADAPTIVE_CONCURRENCY: "1" }).adaptiveConcurrency).toBe(true);
    expect(problems({ ORCH_ADAPTIVE_CONCURRENCY: "maybe" })[0]).toMatch(/^ORCH_ADAPTIVE_CONCURRENCY/);
  });
});

describe("all problems together", () => {
  it("reports every bad variable in one error, not the first one only", () => {
    const found = problems({
      ORCH_PORT: "eighty",
      ORCH_LOG_LEVEL: "loud",
      ORCH_ENCRYPTION_KEY: "nope",
      ORCH_THINKING_BUDGETS: "low=",
      VLLM_URL: "http://127.0.0.1:8000",
    });
    const names = found.map((p) => p.split(":")[0]);
    expect(names.sort()).toEqual(
      ["MODEL_NAME", "ORCH_ENCRYPTION_KEY", "ORCH_LOG_LEVEL", "ORCH_PORT", "ORCH_THINKING_BUDGETS"].sort(),
    );
  });

  it("request logs need the encryption key, reported with the other problems", () => {
    const found = problems({ ORCH_ENABLE_REQUEST_LOGS: "true", ORCH_PORT: "eighty" });
    expect(found.map((p) => p.split(":")[0]).sort()).toEqual(["ORCH_ENCRYPTION_KEY", "ORCH_PORT"]);
    expect(found.join("\n")).toMatch(/ORCH_ENCRYPTION_KEY: required with ORCH_ENABLE_REQUEST_LOGS/);
  });

  it("lists the problems in the error message, one a line", () => {
    try {
      parseConfig({ ORCH_PORT: "99999", ORCH_MODE: "x" });
    } catch (err) {
      expect((err as Error).message).toMatch(
        /^invalid configuration:\n {2}- ORCH_PORT: .*\n {2}- ORCH_MODE: /,
      );
      return;
    }
    throw new Error("expected a ConfigError");
  });
});
