/**
 * The stand-in's "model": a toy tokenizer and deterministic text that honours the constraint where
 * it can (choice, regex, JSON Schema, grammar literal), the stop strings and max_tokens, so tests
 * can run the whole pipeline and check what vLLM would have returned.
 */
import { createHash } from "node:crypto";
import type { CompletionBody } from "./schemas.js";

const TOKEN = /<\|im_start\|>|<\|im_end\|>|<\|endoftext\|>|<\/?think>|\s*[^\s<]{1,4}|\s+|</g;

/** Splits text into "tokens": ChatML/think markers whole, words in pieces of up to four characters. */
export function tokenize(text: string): string[] {
  return text.match(TOKEN) ?? [];
}

const VOCAB = 151_643;
const idOfPiece = new Map<string, number>();
const pieceOfId = new Map<number, string>();

/**
 * A piece's id: a hash into Qwen3's vocabulary size, probed past collisions, and remembered so a
 * prompt sent as ids can be decoded (the toy vocabulary is every piece the stand-in has seen).
 */
export function tokenId(piece: string): number {
  const known = idOfPiece.get(piece);
  if (known !== undefined) return known;
  let id = createHash("sha256").update(piece).digest().readUInt32BE(0) % VOCAB;
  while (pieceOfId.has(id)) id = (id + 1) % VOCAB;
  idOfPiece.set(piece, id);
  pieceOfId.set(id, piece);
  return id;
}

export const tokenIds = (text: string): number[] => tokenize(text).map(tokenId);

/** The text of token ids, or the first id no piece has (vLLM: out of vocabulary). */
export function detokenize(ids: number[]): { text: string } | { unknown: number } {
  let text = "";
  for (const id of ids) {
    const piece = pieceOfId.get(id);
    if (piece === undefined) return { unknown: id };
    text += piece;
  }
  return { text };
}

/** `<|im_end|>`, Qwen3's EOS: vLLM appends it to token_ids when it ends a completion. */
export const EOS = "<|im_end|>";

export type VllmFinishReason = "stop" | "length" | "abort" | "repetition";

/** What a test may script for one completion; unset fields are generated as usual. */
export interface ScriptedReply {
  /** The raw model output before stop strings and max_tokens are applied. */
  text?: string;
  /** Forces the finish reason (and skips the stop/length logic), e.g. "repetition" or "abort". */
  finishReason?: VllmFinishReason;
}

export interface Generated {
  /** The text's pieces. */
  tokens: string[];
  /**
   * Every generated token's id, as vLLM's token_ids: the text's, then the stop string's tokens or
   * the EOS that ended it (usage counts these).
   */
  ids: number[];
  finishReason: VllmFinishReason;
  stopReason: string | number | null;
}

/** Applies stop strings and max_tokens to raw output, as vLLM's detokenizer and scheduler would. */
export function finish(raw: string, body: CompletionBody, forced?: VllmFinishReason): Generated {
  const maxTokens = body.max_tokens ?? 16; // vLLM's completions default: the 16-token trap
  const stops = body.stop == null ? [] : Array.isArray(body.stop) ? body.stop : [body.stop];
  let cut = raw;
  let stopString: string | null = null;
  for (const stop of stops) {
    const at = raw.indexOf(stop);
    if (stop !== "" && at >= 0 && at < cut.length) {
      cut = raw.slice(0, at);
      stopString = stop;
    }
  }
  const tokens = tokenize(cut);
  const ids = (pieces: string[]) => pieces.map(tokenId);
  if (forced) {
    const kept = tokens.slice(0, maxTokens);
    return { tokens: kept, ids: ids(kept), finishReason: forced, stopReason: null };
  }
  if (tokens.length > maxTokens) {
    const kept = tokens.slice(0, maxTokens);
    return { tokens: kept, ids: ids(kept), finishReason: "length", stopReason: null };
  }
  const ending = stopString === null ? [EOS] : tokenize(stopString);
  return { tokens, ids: ids([...tokens, ...ending]), finishReason: "stop", stopReason: stopString };
}

/** Free text the way a thinking model would write it for each prompt shape of the pipeline. */
export function freeText(prompt: string): string {
  if (prompt.endsWith("<|im_start|>assistant\n")) {
    return "<think>\nThe user wants a short reply.\n</think>\n\nOK, here it is.";
  }
  if (prompt.endsWith("Wait, have I made a mistake?")) {
    return " Let me check the draft again. It answers the question, so it stands.\n</think>\n\nDone.";
  }
  if (prompt.endsWith("<think>\n")) {
    return "The user asks a question. I will work it out step by step and then answer.\n</think>\n\nAnswer.";
  }
  return "Sure! Here is my answer: it depends.";
}

/** The constrained output for a structured_outputs object, or undefined when it has none. */
export function constrainedText(so: NonNullable<CompletionBody["structured_outputs"]>, seed: number): string {
  if (so.choice) return so.choice[Math.abs(seed) % so.choice.length]!;
  if (so.regex !== undefined) return regexInstance(so.regex);
  if (so.json !== undefined) {
    const schema = typeof so.json === "string" ? JSON.parse(so.json) : so.json;
    return JSON.stringify(jsonInstance(schema, schema));
  }
  if (so.grammar !== undefined) return /"((?:[^"\\]|\\.)*)"/.exec(so.grammar)?.[1] ?? "ok";
  if (so.json_object) return "{}";
  return "";
}

const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
const firstMatching = (re: RegExp) => ["a", "0", "A", " ", "-", ...PRINTABLE].find((c) => re.test(c)) ?? "a";

/**
 * A shortest instance of a regex: first alternative, minimum repetitions, the first matching
 * character of each class. Covers the syntax constraints use (no look-arounds or back-references).
 */
export function regexInstance(pattern: string): string {
  let i = 0;
  const p = pattern;
  const alternation = (): string => {
    const first = sequence();
    while (p[i] === "|") {
      i++;
      sequence();
    }
    return first;
  };
  const sequence = (): string => {
    let out = "";
    while (i < p.length && p[i] !== "|" && p[i] !== ")") {
      const text = atom();
      let min = 1;
      let quantified = true;
      const q = p[i];
      const braces = /^\{(\d+)(?:,(\d*))?\}/.exec(p.slice(i));
      if (q === "*" || q === "?") min = 0;
      else if (braces) min = Number(braces[1]);
      else if (q !== "+") quantified = false;
      if (quantified) i += braces ? braces[0].length : 1;
      if (quantified && (p[i] === "?" || p[i] === "+")) i++; // lazy or possessive
      out += text.repeat(min);
    }
    return out;
  };
  const atom = (): string => {
    const c = p[i++]!;
    if (c === "(") {
      if (p[i] === "?") {
        if (p[i + 1] !== ":") throw new Error(`stand-in cannot generate for regex group (?${p[i + 1]}`);
        i += 2;
      }
      const inner = alternation();
      i++; // ")"
      return inner;
    }
    if (c === "[") {
      const start = i - 1;
      if (p[i] === "^") i++;
      if (p[i] === "]") i++;
      while (i < p.length && p[i] !== "]") i += p[i] === "\\" ? 2 : 1;
      i++;
      return firstMatching(new RegExp(`^${p.slice(start, i)}$`, "u"));
    }
    if (c === "\\") {
      const e = p[i++]!;
      if (e === "u" && /^[0-9a-fA-F]{4}/.test(p.slice(i))) {
        i += 4;
        return String.fromCharCode(Number.parseInt(p.slice(i - 4, i), 16));
      }
      if ("dDwWsSbB".includes(e)) return e === "b" || e === "B" ? "" : firstMatching(new RegExp(`^\\${e}$`));
      return ({ n: "\n", t: "\t", r: "\r" } as Record<string, string>)[e] ?? e;
    }
    if (c === ".") return "a";
    if (c === "^" || c === "$") return "";
    return c;
  };
  return alternation();
}

type Schema = Record<string, unknown>;

function resolveRef(ref: string, root: Schema): Schema {
  let node: unknown = root;
  for (const part of ref.replace(/^#\/?/, "").split("/").filter(Boolean)) {
    node = (node as Schema | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return (node as Schema) ?? {};
}

/** A minimal instance of a JSON Schema: required properties only, minimum sizes, first enum value. */
export function jsonInstance(schema: unknown, root: Schema, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || depth > 32) return schema === false ? null : {};
  const s = schema as Schema;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if (typeof s.$ref === "string") return jsonInstance(resolveRef(s.$ref, root), root, depth + 1);
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    if (Array.isArray(s[key])) return jsonInstance((s[key] as unknown[])[0], root, depth + 1);
  }
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  const kind = type ?? (s.properties ? "object" : s.items ? "array" : "object");
  switch (kind) {
    case "object": {
      const props = (s.properties ?? {}) as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const key of (s.required as string[] | undefined) ?? []) {
        out[key] = jsonInstance(props[key] ?? {}, root, depth + 1);
      }
      return out;
    }
    case "array": {
      const n = typeof s.minItems === "number" ? s.minItems : 0;
      return Array.from({ length: n }, () => jsonInstance(s.items ?? {}, root, depth + 1));
    }
    case "string": {
      const formats: Record<string, string> = {
        date: "2024-01-01",
        "date-time": "2024-01-01T00:00:00Z",
        time: "00:00:00Z",
        email: "a@example.com",
        uri: "https://example.com",
        uuid: "00000000-0000-0000-0000-000000000000",
        ipv4: "127.0.0.1",
      };
      if (typeof s.format === "string" && formats[s.format]) return formats[s.format];
      if (typeof s.pattern === "string") return regexInstance(s.pattern.replace(/^\^|\$$/g, ""));
      return "a".repeat(typeof s.minLength === "number" ? s.minLength : 0);
    }
    case "integer":
    case "number": {
      if (typeof s.minimum === "number") return Math.ceil(s.minimum);
      if (typeof s.exclusiveMinimum === "number") return Math.floor(s.exclusiveMinimum) + 1;
      if (typeof s.maximum === "number" && s.maximum < 0) return Math.floor(s.maximum);
      return 0;
    }
    case "boolean":
      return false;
    default:
      return null;
  }
}
