/**
 * Opens sealed request logs (ORCH_ENABLE_REQUEST_LOGS), prints one JSON record per line, and
 * checks their MAC chain: dropped, replayed, reordered or altered lines are reported on stderr.
 *   ORCH_ENCRYPTION_KEY=<key> tsx scripts/decrypt-request-logs.ts [--key K] [FILE...]
 * Give rotated files oldest first (requests.jsonl.2 requests.jsonl.1 requests.jsonl) to check the
 * chain across them. Reads stdin when no file is given. Exit 0: every line opened and the chain is
 * whole; 1: something is wrong (each problem named); 2: no key.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { decodeKey } from "../handlers/shared/config.js";
import { type ChainEntry, ChainVerifier, chainKey } from "../handlers/shared/log-chain.js";
import { openJson } from "../core/seal.js";

/** Opens one line: a v2 chain record's box, or a v1 line (written before the chain existed). */
export function openLine(key: Buffer, line: string): unknown {
  const parsed = JSON.parse(line) as { v?: number; box?: string; kind?: string };
  const sealed =
    (parsed.v === 1 || (parsed.v === 2 && parsed.kind === "record")) && typeof parsed.box === "string";
  if (!sealed) throw new Error("not a sealed request-log record");
  return openJson(key, Buffer.from(parsed.box!, "base64"));
}

export interface CheckReport {
  records: unknown[];
  problems: string[];
  /** No line opened under the key although some should have. */
  wrongKey: boolean;
}

/** Reads sealed log lines from each input in order, opening records and checking the chain. */
export async function checkLogs(
  key: Buffer,
  inputs: { name: string; stream: Readable }[],
): Promise<CheckReport> {
  const verifier = new ChainVerifier(chainKey(key));
  const records: unknown[] = [];
  const problems: string[] = [];
  let attempted = 0;
  let opened = 0;
  for (const { name, stream } of inputs) {
    let lineNo = 0;
    for await (const line of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
      lineNo++;
      if (!line.trim()) continue;
      const where = `${name}:${lineNo}`;
      let parsed: Partial<ChainEntry> & { v?: number };
      try {
        parsed = JSON.parse(line);
      } catch {
        problems.push(`${where}: not JSON`);
        continue;
      }
      if (parsed.v === 2 && parsed.kind) verifier.check(parsed as ChainEntry, where);
      if (parsed.v === 2 && parsed.kind !== "record") continue;
      attempted++;
      try {
        records.push(openLine(key, line));
        opened++;
      } catch (err) {
        problems.push(`${where}: cannot open (${(err as Error).message})`);
      }
    }
  }
  const unfinished = verifier.finish();
  const wrongKey = attempted > 0 && opened === 0;
  return {
    records,
    problems: wrongKey ? [] : [...verifier.problems, ...problems, ...(unfinished ? [unfinished] : [])],
    wrongKey,
  };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const keyAt = args.indexOf("--key");
  const keyText = keyAt >= 0 ? args.splice(keyAt, 2)[1] : process.env.ORCH_ENCRYPTION_KEY;
  const key = keyText ? decodeKey(keyText) : undefined;
  if (!key) {
    process.stderr.write("set ORCH_ENCRYPTION_KEY (or --key) to the 32-byte key, base64 or hex\n");
    return 2;
  }
  const inputs =
    args.length > 0
      ? args.map((name) => ({ name, stream: createReadStream(name) as Readable }))
      : [{ name: "stdin", stream: process.stdin as Readable }];
  const report = await checkLogs(key, inputs);
  if (report.wrongKey) {
    process.stderr.write("wrong key: no record opens under this key\n");
    return 1;
  }
  for (const record of report.records) process.stdout.write(`${JSON.stringify(record)}\n`);
  for (const problem of report.problems) process.stderr.write(`${problem}\n`);
  return report.problems.length === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then((code) => process.exit(code));
}
