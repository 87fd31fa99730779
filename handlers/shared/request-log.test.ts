import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import type { SettledRecord } from "../../core/completion-service.js";
import { generateKey } from "../../core/seal.js";
import { checkLogs } from "../../scripts/decrypt-request-logs.js";
import { createRequestLog } from "./request-log.js";

const dir = mkdtempSync(join(tmpdir(), "deliberate-chain-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const settled = (n: number): SettledRecord =>
  ({ jobId: `job_${n}`, outcome: "ok", cached: false, ms: n, request: { prompt: `p${n}` } }) as SettledRecord;

async function writeLog(name: string, key: Buffer, count: number, options = {}): Promise<string> {
  const path = join(dir, name);
  const log = createRequestLog(path, key, options);
  for (let i = 0; i < count; i++) log.write(settled(i));
  await log.close();
  return path;
}

const check = (key: Buffer, ...files: string[][]) =>
  checkLogs(
    key,
    files.map((lines, i) => ({ name: `f${i}`, stream: Readable.from([`${lines.join("\n")}\n`]) })),
  );

describe("request-log chain", () => {
  it("opens an untouched log with no problem", async () => {
    const key = generateKey();
    const lines = readFileSync(await writeLog("whole.jsonl", key, 5), "utf8")
      .trim()
      .split("\n");
    const report = await check(key, lines);
    expect(report.problems).toEqual([]);
    expect(report.records.map((r) => (r as { job_id: string }).job_id)).toEqual(
      [0, 1, 2, 3, 4].map((n) => `job_${n}`),
    );
  });

  it("names a dropped, a replayed and a reordered record, a cut tail and a wrong key", async () => {
    const key = generateKey();
    const lines = readFileSync(await writeLog("tamper.jsonl", key, 5), "utf8")
      .trim()
      .split("\n");
    // lines: start, record 0..4, end
    const dropped = [...lines.slice(0, 3), ...lines.slice(4)];
    expect((await check(key, dropped)).problems.join("\n")).toMatch(
      /1 record\(s\) missing \(seq 3, expected 2\)/,
    );
    const replayed = [...lines.slice(0, 4), lines[2]!, ...lines.slice(4)];
    expect((await check(key, replayed)).problems.join("\n")).toMatch(
      /replayed or reordered record \(seq 1, expected 3\)/,
    );
    const reordered = [lines[0]!, lines[1]!, lines[3]!, lines[2]!, ...lines.slice(4)];
    expect((await check(key, reordered)).problems.join("\n")).toMatch(
      /missing \(seq 2, expected 1\)[\s\S]*replayed or reordered/,
    );
    const cut = lines.slice(0, -2);
    expect((await check(key, cut)).problems.join("\n")).toMatch(/has no end entry/);
    const wrong = await check(generateKey(), lines);
    expect(wrong.wrongKey).toBe(true);
    expect(wrong.records).toEqual([]);
  });

  it("rotates past the size cap, and the rotated files check as one chain and each alone", async () => {
    const key = generateKey();
    const path = await writeLog("rotating.jsonl", key, 40, { maxBytes: 2048, keep: 100 });
    const files = readdirSync(dir).filter((f) => f.startsWith("rotating.jsonl"));
    expect(files.length).toBeGreaterThan(3);
    for (const f of files) expect(readFileSync(join(dir, f)).length).toBeLessThanOrEqual(2048 + 1024);
    const ordered = [...files.filter((f) => f !== "rotating.jsonl")]
      .sort((a, b) => Number(b.split(".").pop()) - Number(a.split(".").pop()))
      .concat("rotating.jsonl")
      .map((f) => readFileSync(join(dir, f), "utf8").trim().split("\n"));
    const all = await check(key, ...ordered);
    expect(all.problems).toEqual([]);
    expect(all.records).toHaveLength(40);
    // One middle file alone: its start entry vouches for where it stands; only the open tail is noted.
    const alone = await check(key, ordered[1]!);
    expect(alone.problems).toEqual([expect.stringMatching(/has no end entry/)]);
    // Dropping a whole middle file is caught at the next file's start.
    const gap = await check(key, ordered[0]!, ...ordered.slice(2));
    expect(gap.problems.join("\n")).toMatch(/records missing before this file/);
    expect(path).toBe(join(dir, "rotating.jsonl"));
  });

  it("counts writes that fail (disk full) and never throws", async () => {
    const log = createRequestLog("/dev/full", generateKey());
    const failures: unknown[] = [];
    log.onFailure?.((err) => failures.push(err));
    for (let i = 0; i < 3; i++) log.write(settled(i));
    await log.close();
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(String((failures[0] as NodeJS.ErrnoException).code)).toBe("ENOSPC");
  });
});
