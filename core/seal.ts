/**
 * AES-256-GCM sealing of payloads at rest in memory and on disk (queued requests, cached results,
 * request logs). A sealed box is iv(12) | tag(16) | ciphertext; a fresh random IV every time.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error(`sealing key must be 32 bytes, got ${key.length}`);
}

export function seal(key: Buffer, plaintext: Buffer | string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Throws when the box was not sealed under this key or was altered. */
export function open(key: Buffer, box: Buffer): Buffer {
  checkKey(key);
  if (box.length < IV_BYTES + TAG_BYTES) throw new Error("sealed box is too short");
  const decipher = createDecipheriv("aes-256-gcm", key, box.subarray(0, IV_BYTES));
  decipher.setAuthTag(box.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(box.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export function sealJson(key: Buffer, value: unknown): Buffer {
  return seal(key, JSON.stringify(value));
}

export function openJson<T = unknown>(key: Buffer, box: Buffer): T {
  return JSON.parse(open(key, box).toString("utf8")) as T;
}

export function generateKey(): Buffer {
  return randomBytes(32);
}
