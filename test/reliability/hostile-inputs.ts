/**
 * Seeded generator of hostile inputs: JSON that is broken, mistyped, nested too deep, padded past
 * the body limit, full of lone surrogates and prototype keys, or a request that is almost valid
 * but for one field. Every input it makes is invalid by construction, so each must be answered
 * with an error envelope.
 */
import { mulberry32 } from "../../core/random.js";

export const seeded = mulberry32;

const VALID = { prompt: "hi", thinking_effort: "none" };

/** Ways to break a completion request; each result is a JSON text (or not JSON at all). */
const BREAKERS: ((r: () => number, limit: number) => string)[] = [
  (r) => JSON.stringify(VALID).slice(0, Math.floor(r() * 20)), // truncated
  (r) => `${"[".repeat(500 + Math.floor(r() * 5000))}1`, // unclosed nesting
  () => JSON.stringify({ ...VALID, thinking_effort: "extreme" }),
  (r) => JSON.stringify({ ...VALID, temperature: r() > 0.5 ? "hot" : -5 }),
  (r) => JSON.stringify({ ...VALID, [`x${Math.floor(r() * 1e6)}`]: 1 }), // unknown field
  () => '{"__proto__":{"polluted":true},"prompt":"hi","constructor":{"prototype":{"x":1}}}',
  () => JSON.stringify({ prompt: "hi", messages: [{ role: "user", content: "hi" }] }), // both
  () => JSON.stringify({ ...VALID, structured_outputs: { regex: "(", choice: ["a"] } }),
  () => JSON.stringify({ ...VALID, structured_outputs: { regex: "(?P<n>x)" } }),
  () => JSON.stringify({ ...VALID, structured_outputs: { json: { type: "wat" } } }),
  () => JSON.stringify({ ...VALID, structured_outputs: { choice: [] } }),
  (r) => JSON.stringify({ ...VALID, max_answer_tokens: r() > 0.5 ? "ten" : -1 }),
  (r) => `{"prompt":"\\ud800${"\\udfff".repeat(Math.floor(r() * 50))}","thinking_effort":7}`,
  (_r, limit) => JSON.stringify({ ...VALID, prompt: "x".repeat(limit + 10) }), // over the body limit
  (r) => Array.from({ length: 64 }, () => String.fromCharCode(Math.floor(r() * 0x10000))).join(""),
  () => "null",
  () => "[]",
  () => '"a string"',
  (r) => String(r() * 1e9),
  () => JSON.stringify({ messages: [{ role: "wizard", content: 5 }] }),
  (r) =>
    JSON.stringify({
      messages: Array.from({ length: 3 }, () => ({ role: "user", content: r() > 0.5 ? null : [] })),
    }),
  () => JSON.stringify({ ...VALID, seed: "abc", stream: "yes" }),
];

export function hostileBody(r: () => number, limit: number): string {
  return BREAKERS[Math.floor(r() * BREAKERS.length)]!(r, limit);
}

/** A WebSocket frame: a broken envelope, or a valid envelope around a broken request. */
export function hostileFrame(r: () => number, limit: number, n: number): string | Buffer {
  const kind = Math.floor(r() * 6);
  if (kind === 0) return Buffer.from(hostileBody(r, limit)); // binary
  if (kind === 1) return hostileBody(r, limit); // not an envelope
  if (kind === 2) return JSON.stringify({ type: "completion.create", id: `h${n}` }); // no request
  if (kind === 3) return JSON.stringify({ type: r() > 0.5 ? "completion.destroy" : 42, id: `h${n}` });
  const body = hostileBody(r, limit);
  let request: unknown;
  try {
    request = JSON.parse(body);
  } catch {
    request = body;
  }
  return JSON.stringify({ type: "completion.create", id: `h${n}`, request });
}
