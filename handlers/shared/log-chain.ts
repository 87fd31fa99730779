/**
 * The chain that makes sealed request logs tamper-evident. Every entry carries an HMAC over its
 * chain id, sequence number, kind, sealed box and the previous entry's MAC, so a dropped,
 * replayed, reordered or altered line breaks the chain where it happened. Each log file opens
 * with a `start` entry naming where the chain stands, so one rotated file can be checked alone;
 * a clean stop writes an `end` entry, so a cut tail is visible too.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

export type ChainKind = "start" | "record" | "end";

export interface ChainEntry {
  v: 2;
  kind: ChainKind;
  chain: string;
  /** Records written before this entry (start/end) or this record's number, from 0. */
  seq: number;
  /** start only: the MAC this file's chain continues from ("" for a new chain). */
  prev?: string;
  box?: string;
  mac: string;
}

/** A MAC key of its own, derived from the sealing key (never the AES key itself). */
export function chainKey(key: Buffer): Buffer {
  return Buffer.from(hkdfSync("sha256", key, Buffer.alloc(0), "deliberate request-log chain v2", 32));
}

export function entryMac(macKey: Buffer, e: Omit<ChainEntry, "mac" | "v">, prev: string): string {
  return createHmac("sha256", macKey)
    .update(JSON.stringify([e.chain, e.seq, e.kind, e.box ?? "", prev]))
    .digest("base64");
}

export class LogChain {
  private seq = 0;
  private prev = "";
  readonly chain: string;

  constructor(
    private readonly macKey: Buffer,
    chain = randomBytes(12).toString("hex"),
  ) {
    this.chain = chain;
  }

  /** The entry that opens a file: where the chain stands. */
  start(): ChainEntry {
    const fields = { kind: "start" as const, chain: this.chain, seq: this.seq, prev: this.prev };
    return this.link({ ...fields, mac: entryMac(this.macKey, fields, this.prev) });
  }

  record(box: string): ChainEntry {
    const fields = { kind: "record" as const, chain: this.chain, seq: this.seq, box };
    this.seq++;
    return this.link({ ...fields, mac: entryMac(this.macKey, fields, this.prev) });
  }

  end(): ChainEntry {
    const fields = { kind: "end" as const, chain: this.chain, seq: this.seq };
    return this.link({ ...fields, mac: entryMac(this.macKey, fields, this.prev) });
  }

  private link(entry: Omit<ChainEntry, "v">): ChainEntry {
    this.prev = entry.mac;
    return { v: 2, ...entry };
  }
}

function sameMac(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Checks entries in file order and names every break. After a break it resynchronises on the
 * entry that broke, so each problem is reported once.
 */
export class ChainVerifier {
  private chain: string | undefined;
  private prev: string | undefined;
  private seq: number | undefined;
  private ended = false;
  readonly problems: string[] = [];

  constructor(private readonly macKey: Buffer) {}

  /** True when the entry's own MAC is sound given its stated predecessor. */
  check(entry: ChainEntry, where: string): boolean {
    const problem = (text: string) => this.problems.push(`${where}: ${text}`);
    if (entry.kind === "start") {
      const ok = sameMac(entry.mac, entryMac(this.macKey, entry, entry.prev ?? ""));
      if (!ok) problem("file start entry altered or not made with this key");
      else if (this.chain === entry.chain && this.prev !== undefined && entry.prev !== this.prev) {
        problem(
          `records missing before this file (chain expected seq ${this.seq}, file starts at ${entry.seq})`,
        );
      } else if (this.chain !== undefined && this.chain !== entry.chain && !this.ended) {
        problem(
          `chain ${this.chain} stopped without an end entry (the process did not stop cleanly, or its tail is missing)`,
        );
      }
      this.enter(entry, entry.seq);
      return ok;
    }
    if (this.prev === undefined || this.chain !== entry.chain) {
      problem(
        `entry of chain ${entry.chain} without its chain's start entry (the start of the log is missing)`,
      );
      this.enter(entry, entry.seq + (entry.kind === "record" ? 1 : 0));
      return false;
    }
    const expected = this.seq ?? 0;
    const ok = sameMac(entry.mac, entryMac(this.macKey, entry, this.prev));
    if (!ok) {
      if (entry.seq < expected)
        problem(`replayed or reordered record (seq ${entry.seq}, expected ${expected})`);
      else if (entry.seq > expected)
        problem(`${entry.seq - expected} record(s) missing (seq ${entry.seq}, expected ${expected})`);
      else problem(`record ${entry.seq} altered, or the one before it was replaced`);
    }
    if (this.ended) problem("entry after the chain's end entry");
    this.enter(entry, entry.seq + (entry.kind === "record" ? 1 : 0));
    if (entry.kind === "end") this.ended = true;
    return ok;
  }

  /** Call after the last entry: a chain without its end entry lost its tail (or is still live). */
  finish(): string | undefined {
    if (this.chain !== undefined && !this.ended) {
      return `chain ${this.chain} has no end entry: the log is still being written, the process did not stop cleanly, or its tail was cut`;
    }
    return undefined;
  }

  private enter(entry: ChainEntry, nextSeq: number): void {
    if (entry.chain !== this.chain) this.ended = false;
    this.chain = entry.chain;
    this.prev = entry.mac;
    this.seq = nextSeq;
  }
}
