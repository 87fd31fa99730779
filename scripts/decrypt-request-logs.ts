/**
 * Opens sealed request logs (ORCH_ENABLE_REQUEST_LOGS) and prints one JSON record per line.
 *   ORCH_ENCRYPTION_KEY=<key> tsx scripts/decrypt-request-logs.ts [logs/requests.jsonl]
 * Reads stdin when no file is given. Lines that do not open under the key are reported on stderr.
 */
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { decodeKey } from "../handlers/shared/config.js";
import { openJson } from "../core/seal.js";

export function openLine(key: Buffer, line: string): unknown {
  const parsed = JSON.parse(line) as { v?: number; box?: string };
  if (parsed.v !== 1 || typeof parsed.box !== "string") throw new Error("not a sealed request-log line");
  return openJson(key, Buffer.from(parsed.box, "base64"));
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
  const input = args[0] ? createReadStream(args[0]) : process.stdin;
  let bad = 0;
  let lineNo = 0;
  for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
    lineNo++;
    if (!line.trim()) continue;
    try {
      process.stdout.write(`${JSON.stringify(openLine(key, line))}\n`);
    } catch (err) {
      bad++;
      process.stderr.write(`line ${lineNo}: cannot open (${(err as Error).message})\n`);
    }
  }
  return bad === 0 ? 0 : 1;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then((code) => process.exit(code));
}
