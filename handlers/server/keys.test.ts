import { describe, expect, it } from "vitest";
import { ConfigError } from "../shared/config.js";
import { isLoopback, settleApiKey } from "./keys.js";

describe("settleApiKey", () => {
  it("keeps a configured key", () => {
    expect(settleApiKey({ apiKey: "k".repeat(20), host: "0.0.0.0" })).toEqual({
      key: "k".repeat(20),
      generated: false,
    });
  });

  it("generates a fresh key on loopback only", () => {
    const a = settleApiKey({ apiKey: undefined, host: "127.0.0.1" });
    const b = settleApiKey({ apiKey: undefined, host: "::1" });
    expect(a.generated).toBe(true);
    expect(a.key.length).toBeGreaterThanOrEqual(32);
    expect(a.key).not.toBe(b.key);
  });

  it("refuses any other address without a key", () => {
    for (const host of ["0.0.0.0", "::", "10.0.0.5", "example.com"]) {
      expect(isLoopback(host)).toBe(false);
      expect(() => settleApiKey({ apiKey: undefined, host })).toThrow(ConfigError);
    }
  });
});
