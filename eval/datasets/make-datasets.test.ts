/** The shipped datasets are exactly what the generator writes, and their answers hold up. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { prepareConstraint } from "../../core/constraints/index.js";
import { loadDataset } from "../dataset.js";
import { DATASETS, jsonl } from "./make-datasets.js";

const file = (name: string) => new URL(`./${name}.jsonl`, import.meta.url);

describe.each(Object.keys(DATASETS))("dataset %s", (name) => {
  const items = loadDataset(file(name).pathname);

  it("is the generator's output, 50 items", () => {
    expect(readFileSync(file(name), "utf8")).toBe(jsonl(DATASETS[name]!()));
    expect(items).toHaveLength(50);
  });

  it("has constraints the server accepts and expected answers that satisfy them", () => {
    for (const item of items) {
      const prepared = prepareConstraint(item.structured_outputs)!;
      // the expected answer, written as the model would, passes the request's own constraint
      const expected = item.compare.path === "$.answer" ? { answer: item.expected } : item.expected;
      const text = typeof expected === "string" ? expected : JSON.stringify(expected);
      expect(() => prepared.validate(text), item.id).not.toThrow();
    }
  });
});

describe("answers checked against their text", () => {
  it("extraction: every expected field is written in the text", () => {
    for (const item of loadDataset(file("extraction").pathname)) {
      const o = item.expected as Record<string, string | number>;
      for (const value of [
        o.order_id,
        o.customer,
        o.product,
        String(o.quantity),
        Number(o.unit_price).toFixed(2),
      ]) {
        expect(item.prompt, item.id).toContain(String(value));
      }
    }
  });

  it("classification: every label is used, ten times each", () => {
    const counts: Record<string, number> = {};
    for (const item of loadDataset(file("classification").pathname)) {
      counts[item.expected as string] = (counts[item.expected as string] ?? 0) + 1;
    }
    expect(Object.values(counts)).toEqual([10, 10, 10, 10, 10]);
  });

  it("arithmetic: each answer solves the question as written", () => {
    // Read back from the text, not from the generator's variables.
    const solvers: [RegExp, (n: number[]) => number][] = [
      [/(\d+) trays of (\d+) cookies each and sells (\d+)/, ([a, b, c]) => a! * b! - c!],
      [/has (\d+) dollars and buys (\d+) books at (\d+) dollars/, ([a, b, c]) => a! - b! * c!],
      [/at (\d+) km per hour for (\d+) hours, then another (\d+) km/, ([a, b, c]) => a! * b! + c!],
      [/^(\d+) students are split into groups of (\d+)/, ([a, b]) => Math.floor(a! / b!)],
      [/cost (\d+) cents each\. How many dollars do (\d+) pens/, ([a, b]) => (a! * b!) / 100],
      [
        /is (\d+) years old\. .*'s father is (\d+) times as old, minus (\d+) years/,
        ([a, b, c]) => a! * b! - c!,
      ],
      [/is (\d+) m by (\d+) m\. Tiles cost (\d+) dollars/, ([a, b, c]) => a! * b! * c!],
      [/holds (\d+) litres and loses (\d+) litres a day\. .* after (\d+) days/, ([a, b, c]) => a! - b! * c!],
    ];
    for (const item of loadDataset(file("arithmetic").pathname)) {
      const solved = solvers.flatMap(([re, f]) => {
        const m = item.prompt!.match(re);
        return m ? [f(m.slice(1).map(Number))] : [];
      });
      expect(solved, item.id).toHaveLength(1);
      expect(solved[0], item.id).toBeCloseTo(item.expected as number, 9);
      expect(item.expected as number, item.id).toBeGreaterThanOrEqual(0);
    }
  });
});
