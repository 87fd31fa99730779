import { describe, expect, it } from "vitest";
import { corpusCoverage, formatCoverage } from "./corpus-coverage.js";

describe("corpus coverage without generation", () => {
  const rows = [
    { id: "ok", schema: { type: "string" } },
    { id: "lookaround", schema: { type: "string", pattern: "a(?=b)" } },
    { id: "lookaround-2", schema: { type: "object", properties: { a: { pattern: "x(?!y)" } } } },
    { id: "bad-schema", schema: { type: 12 } },
  ];

  it("counts accepted rows and tallies refusals by reason, with example ids", () => {
    const report = corpusCoverage(rows, { examples: 1 });
    expect(report.total).toBe(4);
    expect(report.accepted).toBe(1);
    expect(report.acceptedIds).toEqual(["ok"]);
    const lookaround = [...report.rejected.entries()].find(([reason]) => /lookaround/.test(reason));
    expect(lookaround?.[1].count).toBe(2);
    expect(lookaround?.[1].examples).toHaveLength(1);
    expect(lookaround?.[1].examples[0]).toMatch(/^lookaround: /);
    // The validator's own refusal counts too (the schema is not valid JSON Schema).
    expect([...report.rejected.values()].reduce((n, r) => n + r.count, 0)).toBe(3);
    expect(formatCoverage(report)).toMatch(/^coverage 1\/4 accepted \(25\.00%\), 3 refused/);
  });

  it("runs each grammar through a check that may refuse it too", () => {
    const seen: string[] = [];
    const report = corpusCoverage(rows.slice(0, 1), { gbnfCheck: (gbnf) => seen.push(gbnf) });
    expect(report.accepted).toBe(1);
    expect(seen[0]).toMatch(/^root ::=/m);
  });
});
