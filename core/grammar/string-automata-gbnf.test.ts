import { describe, expect, it } from "vitest";
import { mulberry32 } from "../random.js";
import { patternsDfa } from "./string-automata.js";
import { negatePattern, conjoinPatterns } from "./string-pattern-text.js";
import { dfaGbnf, type StatesGbnf } from "./string-automata-gbnf.js";

/** A test renderer: a transition's characters as JSON, so that the rules can be walked below. */
const render = (ranges: Array<[number, number]>) => JSON.stringify(ranges);

/** A random string the rules generate (each rule: `R name | … | ""`, or `R*` / `R{lo,hi}`). */
function walk(out: StatesGbnf, rand: () => number): string {
  const pickChar = (ranges: Array<[number, number]>) => {
    const [lo, hi] = ranges[Math.floor(rand() * ranges.length)]!;
    // Mostly printable characters, so that the strings say something when a test fails.
    const top = Math.min(hi, Math.max(lo, 0x7e));
    return String.fromCodePoint(lo + Math.floor(rand() * (top - lo + 1)));
  };
  let text = "";
  let rule = out.body;
  for (let steps = 0; steps < 10_000; steps++) {
    const body = out.rules[rule]!;
    const free = /^(\[.*\])(?:\*|\{(\d+),(\d*)\})$/.exec(body);
    if (free) {
      const lo = Number(free[2] ?? 0);
      const hi = free[3] === undefined || free[3] === "" ? lo + 5 : Number(free[3]);
      const n = lo + Math.floor(rand() * (hi - lo + 1));
      for (let i = 0; i < n; i++) text += pickChar(JSON.parse(free[1]!));
      return text;
    }
    if (body === '""') return text;
    const alts = body.split(" | ");
    // Stop where the rule accepts with some chance, so that long strings are not the only ones.
    if (alts.includes('""') && rand() < 0.3) return text;
    const steps = alts.filter((a) => a !== '""');
    if (!steps.length) return text;
    const alt = steps[Math.floor(rand() * steps.length)]!;
    const cut = alt.lastIndexOf(" ");
    text += pickChar(JSON.parse(alt.slice(0, cut)));
    rule = alt.slice(cut + 1);
  }
  throw new Error("walk too long");
}

/** Whether the string passes every pattern as the validator reads it (Unicode mode, a search). */
const passes = (patterns: string[], s: string) => patterns.every((p) => new RegExp(p, "u").test(s));

function expectExact(patterns: string[], min = 0, max = Infinity) {
  const out = dfaGbnf(patternsDfa(patterns), min, max, render, "t");
  expect(out).not.toBeNull();
  const rand = mulberry32(7);
  for (let i = 0; i < 200; i++) {
    const s = walk(out!, rand);
    expect(passes(patterns, s), `${JSON.stringify(s)} against ${patterns.join(" ∧ ")}`).toBe(true);
    expect([...s].length).toBeGreaterThanOrEqual(min);
    expect([...s].length).toBeLessThanOrEqual(max);
  }
}

describe("dfaGbnf", () => {
  it("generates only matches, inside the length bounds", () => {
    expectExact(["^([^,]|$)"]);
    expectExact(["[0-9a-fA-F]+"], 12, 12);
    expectExact([".+[@].+[.]___"], 10, 200);
    expectExact(["customer", negatePattern("maker")!, negatePattern("^cu")!], 0, 30);
    expectExact([conjoinPatterns(["^[a-z0-9-]+$", negatePattern("^[0-9-]+$")!])!], 1, 8);
  });

  it("is null where no string fits", () => {
    expect(dfaGbnf(patternsDfa(["/^[0-9]{4}$/"]), 0, Infinity, render, "t")).toBeNull();
    expect(dfaGbnf(patternsDfa(["^ab$"]), 3, 5, render, "t")).toBeNull();
    expect(dfaGbnf(patternsDfa(["customer", negatePattern("cust")!]), 0, Infinity, render, "t")).toBeNull();
  });

  it("lowers a longest length the rules cannot fit under (a subset, still inside the bounds)", () => {
    expectExact(["^$|(^(?:\\S+\\s+){0,99}\\S+$)"], 1, 999);
  });
});
