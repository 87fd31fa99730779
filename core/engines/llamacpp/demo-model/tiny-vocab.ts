/**
 * The tiny model's GPT-2 byte-level BPE vocabulary: 256 byte tokens (id b = byte b), a few merges
 * with their merged tokens, then the ChatML and think markers as special tokens.
 */

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards. */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table: string[] = new Array(256);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + next++);
  }
  return table;
}

/** Merges as pairs of GPT-2 strings ("Ġ" is a space). Each part exists before the merge is listed. */
const MERGES: Array<[string, string]> = [
  ["Ġ", "t"],
  ["Ġ", "a"],
  ["h", "e"],
  ["i", "n"],
  ["r", "e"],
  ["o", "n"],
  ["Ġt", "he"],
  ["e", "r"],
  ["Ġ", "s"],
  ["a", "t"],
  ["Ġ", "w"],
  ["Ġ", "o"],
  ["e", "n"],
  ["Ġ", "c"],
  ["i", "s"],
  ["a", "n"],
  ["o", "r"],
  ["e", "s"],
  ["Ġ", "b"],
  ["e", "d"],
  ["Ġ", "f"],
  ["in", "g"],
  ["Ġ", "p"],
  ["o", "u"],
  ["Ġa", "n"],
  ["a", "l"],
  ["a", "r"],
  ["Ġt", "o"],
  ["Ġ", "m"],
  ["Ġo", "f"],
  ["Ġ", "in"],
  ["Ġ", "d"],
  ["Ġ", "h"],
  ["Ġan", "d"],
  ["i", "c"],
  ["a", "s"],
  ["l", "e"],
  ["Ġt", "h"],
  ["i", "on"],
  ["o", "m"],
  ["l", "l"],
  ["c", "t"],
  ["{", '"'],
  ['"', ":"],
  ['"', ","],
  ["t", "r"],
  ["u", "e"],
  ["tr", "ue"],
];

export const CONTROL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] as const;
export const USER_DEFINED_TOKENS = ["<think>", "</think>", "<tool_call>", "</tool_call>"] as const;

/** llama_token_type codes. */
const NORMAL = 1;
const CONTROL = 3;
const USER_DEFINED = 4;

export interface TinyVocab {
  tokens: string[];
  types: number[];
  merges: string[];
  ids: { endoftext: number; imStart: number; imEnd: number; think: number; thinkClose: number };
}

export function buildTinyVocab(): TinyVocab {
  const tokens = byteToUnicode();
  const types = tokens.map(() => NORMAL);
  const known = new Set(tokens);
  const merges: string[] = [];
  for (const [a, b] of MERGES) {
    if (!known.has(a) || !known.has(b)) throw new Error(`merge ${a} ${b} uses an unknown token`);
    merges.push(`${a} ${b}`);
    if (!known.has(a + b)) {
      known.add(a + b);
      tokens.push(a + b);
      types.push(NORMAL);
    }
  }
  const idOf = (t: string) => tokens.indexOf(t);
  for (const t of CONTROL_TOKENS) {
    tokens.push(t);
    types.push(CONTROL);
  }
  for (const t of USER_DEFINED_TOKENS) {
    tokens.push(t);
    types.push(USER_DEFINED);
  }
  return {
    tokens,
    types,
    merges,
    ids: {
      endoftext: idOf("<|endoftext|>"),
      imStart: idOf("<|im_start|>"),
      imEnd: idOf("<|im_end|>"),
      think: idOf("<think>"),
      thinkClose: idOf("</think>"),
    },
  };
}
