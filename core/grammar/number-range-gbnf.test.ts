import { describe, expect, it } from "vitest";
import { noThinkPrompt } from "../prompt.js";
import { integersAreMultiples, multiplesGbnf } from "./json-schema-numbers.js";
import { lowerJsonSchema } from "./json-schema.js";
import { integerRangeGbnf, numberRangeGbnf } from "./number-range-gbnf.js";
import { expectValidOverSeeds, useDemoEngine } from "../engines/llamacpp/test-support.js";

/** The GBNF these modules write (literals, classes, {m,n}, groups) read as a JavaScript regex. */
const asRegex = (gbnf: string) =>
  new RegExp(`^${gbnf.replace(/"(.)"/g, (_m, c: string) => c.replace(/[.-]/, "\\$&")).replace(/ /g, "")}$`);

describe("number ranges → GBNF, checked against every value near the bounds", () => {
  it("integers: exactly those of [lo, hi], with no -0 and no leading zero", () => {
    const ranges: Array<[number, number]> = [
      [0, 0],
      [0, 255],
      [1, 65535],
      [-1000, -7],
      [-17, 4321],
      [99, 1001],
      [123456, 654321],
    ];
    for (const [lo, hi] of ranges) {
      const re = asRegex(integerRangeGbnf(lo, hi)!);
      for (let v = lo - 50; v <= hi + 50; v += hi - lo > 20000 ? 7 : 1) {
        expect(re.test(String(v)), `${v} in [${lo}, ${hi}]`).toBe(v >= lo && v <= hi);
      }
      for (const bad of ["-0", "00", "01", "1e2", "1.0"]) expect(re.test(bad)).toBe(false);
    }
    expect(integerRangeGbnf(3, 2)).toBeUndefined();
  });

  it("decimals: every string the grammar accepts is inside the bounds", () => {
    const cases = [
      { lo: 0, loExclusive: false, hi: 1, hiExclusive: false },
      { lo: 1, loExclusive: true, hi: 100, hiExclusive: true },
      { lo: -2.5, loExclusive: false, hi: 3.75, hiExclusive: true },
      { lo: -Infinity, loExclusive: false, hi: -0.5, hiExclusive: false },
    ];
    for (const b of cases) {
      const re = asRegex(numberRangeGbnf(b)!);
      let accepted = 0;
      for (let i = -40_000; i <= 40_000; i++) {
        for (const text of [String(i / 100), (i / 100).toFixed(3), String(i / 7)]) {
          if (!re.test(text)) continue;
          accepted++;
          const x = Number(text);
          expect((b.loExclusive ? x > b.lo : x >= b.lo) && (b.hiExclusive ? x < b.hi : x <= b.hi), text).toBe(
            true,
          );
        }
      }
      expect(accepted).toBeGreaterThan(0);
    }
  });

  it("integer multipleOf over a wide range: some multiples, every one a multiple inside the bounds", () => {
    const every = (gbnf: string) =>
      [...gbnf.matchAll(/"(\d+)"(?: "0"\{0,(\d+)\})?/g)].flatMap(([, v, zeros]) =>
        Array.from({ length: Number(zeros ?? 0) + 1 }, (_, j) => Number(v + "0".repeat(j))),
      );
    for (const [lo, hi, k] of [
      [-Infinity, Infinity, 3],
      [0, Infinity, 12],
      [5, 100_000, 7],
      [1000, 5000, 999],
      [-50, 2 ** 60, 1024],
    ] as const) {
      const values = every(multiplesGbnf(lo, hi, k)!);
      expect(values.length).toBeGreaterThan(1);
      for (const v of values) {
        expect(v % k, `${v} of ${k}`).toBe(0);
        expect(v >= lo && v <= hi && v <= 999_999_999_999_999, `${v} in [${lo}, ${hi}]`).toBe(true);
      }
    }
    // No non-negative multiple in range: refused by the caller.
    expect(multiplesGbnf(-Infinity, -1, 3)).toBeUndefined();
    // No non-negative multiple in range: json-schema-number-grid.ts's window of the validator's.
    const { enum: window } = lowerJsonSchema({ type: "integer", multipleOf: 3, maximum: -300 }) as {
      enum: number[];
    };
    expect(window.length).toBeGreaterThan(0);
    for (const v of window) expect(v % 3 === 0 && v <= -300).toBe(true);
  });

  it("multipleOf 1/k: integers only where the validator's division is exact", () => {
    expect(integersAreMultiples(1)).toBe(true);
    expect(integersAreMultiples(0.5)).toBe(true);
    expect(integersAreMultiples(0.01)).toBe(true);
    // 10 · fl(0.1) = 1 + 2^-54: still exact for every integer (json-schema-numbers.ts).
    expect(integersAreMultiples(0.1)).toBe(true);
    expect(integersAreMultiples(0.2)).toBe(true);
    expect(integersAreMultiples(0.3)).toBe(false);
    expect(integersAreMultiples(1e-5)).toBe(false);
    expect(integersAreMultiples(2)).toBe(false);
    // Integers near powers of two (where the spacing of I·k halves) up to 15 digits, and small ones.
    const near = Array.from({ length: 50 }, (_, p) => 2 ** p).flatMap((t) => [t - 1, t, t + 1, 3 * t]);
    for (const step of [0.5, 0.25, 0.2, 0.1, 0.05, 0.01, 0.001, 1e-5]) {
      if (!integersAreMultiples(step)) continue;
      const values = [...near.filter((v) => v <= 999_999_999_999_999)];
      for (let v = 0; v < 200_000; v += 13) values.push(v);
      for (const v of values) expect(v / step, `${v} / ${step}`).toBe(Number.parseInt(String(v / step), 10));
    }
  });
});

const demo = useDemoEngine();

describe("number bounds on the real engine: every output passes the validator", () => {
  const schemas: Array<Record<string, unknown>> = [
    { type: "integer", minimum: 1, maximum: 65535 },
    { type: "integer", minimum: 900 },
    { type: "integer", exclusiveMinimum: -50, exclusiveMaximum: -3 },
    { type: "number", minimum: 0, maximum: 1 },
    { type: "number", minimum: 1, maximum: 100 },
    { type: "number", minimum: -2.5, exclusiveMaximum: 3.75 },
    { type: "number", multipleOf: 0.01, minimum: 0, maximum: 99999999999.99 },
    { type: "number", multipleOf: 0.1 },
    { type: "integer", multipleOf: 12, minimum: 0 },
    { type: "integer", multipleOf: 7, minimum: 5, maximum: 100_000 },
    {
      $schema: "http://json-schema.org/draft-04/schema#",
      type: "number",
      minimum: 0,
      exclusiveMinimum: true,
    },
  ];
  const prompt = noThinkPrompt([{ role: "user", content: "Reply with a number." }]);
  for (const schema of schemas) {
    it(JSON.stringify(schema), { timeout: 60_000 }, async () => {
      await expectValidOverSeeds(demo.engine, schema, { prompt, maxTokens: 64, seeds: [1, 2, 3, 4, 5, 6] });
    });
  }
});
