import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { AUTOMATON_BUDGET, automatonWork, withAutomatonBudget } from "./automaton-budget.js";
import { GrammarError } from "./errors.js";
import { FORMAT_PATTERNS } from "./json-string-formats.js";
import { jsonSchemaToGbnf } from "./index.js";
import { MAX_STATES, patternsDfa } from "./string-automata.js";

const FORMATS = ["email", "hostname", "uri", "date", "ipv4", "uuid"];
const range = (n: number) => [...Array(n).keys()];
/** Inputs that once took seconds to minutes: oneOf branches proved apart pair by pair on automata. */
const HOSTILE: Record<string, Record<string, unknown>> = {
  "4 uri branches": { type: "string", oneOf: range(4).map((i) => ({ format: "uri", pattern: `${i}` })) },
  "8 uri branches": { type: "string", oneOf: range(8).map((i) => ({ format: "uri", pattern: `${i}` })) },
  "60 format branches": {
    type: "string",
    oneOf: range(60).map((i) => ({ format: FORMATS[i % 6], pattern: `${i}` })),
  },
  "100 exponential branches": {
    type: "string",
    oneOf: range(100).map((i) => ({ pattern: `^(a|b)*a(a|b){${i % 6}}x{${i}}$` })),
  },
  "200 properties of two-branch oneOfs": {
    type: "object",
    properties: Object.fromEntries(
      range(200).map((i) => [
        `p${i}`,
        {
          type: "string",
          oneOf: [
            { format: "email", pattern: `a${i}` },
            { format: "hostname", pattern: "b" },
          ],
        },
      ]),
    ),
  },
};

/** The lowering's outcome and the automaton states it built, counted under an outer budget. */
function lower(schema: Record<string, unknown>, limit = AUTOMATON_BUDGET) {
  let work = 0;
  let refusal: string | undefined;
  try {
    withAutomatonBudget(() => {
      try {
        jsonSchemaToGbnf(schema);
      } finally {
        work = automatonWork();
      }
    }, limit);
  } catch (err) {
    expect(err).toBeInstanceOf(GrammarError);
    refusal = (err as GrammarError).message;
  }
  return { refusal, work };
}

describe("the automaton budget of one lowering", () => {
  for (const [name, schema] of Object.entries(HOSTILE)) {
    it(`stops ${name} within the budget`, () => {
      const start = performance.now();
      const { refusal, work } = lower(schema);
      console.log(
        `${name}: ${(performance.now() - start).toFixed(0)} ms, ${work} states, ${refusal ?? "accepted"}`,
      );
      // Past the bound by one state, or by one cached automaton charged at once, at most.
      expect(work).toBeLessThanOrEqual(AUTOMATON_BUDGET + MAX_STATES);
      if (refusal) expect(refusal).toContain(`${AUTOMATON_BUDGET} states in all`);
    });
  }

  it("refuses the whole lowering when spent, the same way whatever earlier lowerings cached", () => {
    const schema = HOSTILE["100 exponential branches"]!;
    const first = lower(schema);
    const again = lower(schema);
    expect(first.refusal).toContain("states in all");
    expect(again).toEqual(first);
  });

  it("builds a format's automaton once per lowering, charging a cached one once", () => {
    const uri = FORMAT_PATTERNS.uri!;
    withAutomatonBudget(() => {
      patternsDfa([uri]);
      const first = automatonWork();
      patternsDfa([uri]);
      const second = automatonWork() - first;
      // The second time only the intersections with the well-formed strings are built again.
      expect(second).toBeGreaterThan(0);
      expect(second * 2).toBeLessThan(first);
    }, 1e9);
  });
});
