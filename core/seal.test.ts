import { describe, expect, it } from "vitest";
import { generateKey, open, openJson, seal, sealJson } from "./seal.js";

describe("seal", () => {
  const key = generateKey();

  it("round-trips and hides the plaintext", () => {
    const box = sealJson(key, { secret: "the launch code is 0000" });
    expect(box.toString("latin1")).not.toContain("launch code");
    expect(openJson(key, box)).toEqual({ secret: "the launch code is 0000" });
  });

  it("uses a fresh IV each time", () => {
    expect(seal(key, "same").equals(seal(key, "same"))).toBe(false);
  });

  it("rejects a wrong key and a tampered box", () => {
    const box = seal(key, "hello");
    expect(() => open(generateKey(), box)).toThrow();
    const tampered = Buffer.from(box);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => open(key, tampered)).toThrow();
    expect(open(key, box).toString()).toBe("hello");
  });

  it("insists on a 32-byte key", () => {
    expect(() => seal(Buffer.alloc(16), "x")).toThrow(/32 bytes/);
  });
});
