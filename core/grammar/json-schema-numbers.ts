/**
 * Number bounds for the JSON grammar. The plain number rules take no bounds, so bounded numbers
 * are written digit by digit (number-range-gbnf.ts) as a `gbnf` node: integers exactly, decimals as a
 * subset whose every value is inside the bounds.
 * `multipleOf`: a small closed integer range becomes an enum, a wider one some non-negative multiples
 * (a subset); a multipleOf of 1 (or 1/k, such as 0.01, where every integer passes the validator's
 * floating-point check) generates integers only.
 * Anything else is rejected with schema_unsupported.
 */
import type { Node, Out } from "./json-schema-common.js";
import { has, unsupported } from "./json-schema-common.js";
import { type Bounds, integerRangeGbnf, MAX_INTEGER, numberRangeGbnf } from "./number-range-gbnf.js";

export const NUMBER_KEYS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
/** An integer range small enough to be written as an enum. */
const MAX_ENUM_RANGE = 256;

/** The tightest bounds of all number keywords (draft-04 boolean exclusive forms included). */
export function readBounds(schema: Node, at: string): Bounds {
  const b: Bounds = { lo: -Infinity, loExclusive: false, hi: Infinity, hiExclusive: false };
  const num = (k: string) => {
    const v = schema[k];
    if (typeof v !== "number" || !Number.isFinite(v)) throw unsupported(`\`${k}: ${JSON.stringify(v)}\``, at);
    return v;
  };
  const lower = (v: number, exclusive: boolean) => {
    if (v > b.lo || (v === b.lo && exclusive)) Object.assign(b, { lo: v, loExclusive: exclusive });
  };
  const upper = (v: number, exclusive: boolean) => {
    if (v < b.hi || (v === b.hi && exclusive)) Object.assign(b, { hi: v, hiExclusive: exclusive });
  };
  if (has(schema, "minimum")) lower(num("minimum"), schema.exclusiveMinimum === true);
  if (has(schema, "maximum")) upper(num("maximum"), schema.exclusiveMaximum === true);
  if (typeof schema.exclusiveMinimum !== "boolean" && has(schema, "exclusiveMinimum")) {
    lower(num("exclusiveMinimum"), true);
  }
  if (typeof schema.exclusiveMaximum !== "boolean" && has(schema, "exclusiveMaximum")) {
    upper(num("exclusiveMaximum"), true);
  }
  return b;
}

export const intBounds = (b: Bounds): [number, number] => [
  b.loExclusive ? Math.floor(b.lo) + 1 : Math.ceil(b.lo),
  b.hiExclusive ? Math.ceil(b.hi) - 1 : Math.floor(b.hi),
];

/** Whether every integer I passes ajv's multipleOf check `I / step === parseInt(I / step)`. */
export function integersAreMultiples(step: number): boolean {
  if (!(step > 0)) return false;
  if (typeof step !== "number" || !Number.isFinite(step) || Number.isInteger(step)) return step === 1;
  const k = Math.round(1 / step);
  if (k < 2 || k > 100_000) return false;
  // step = m·2^e exactly, k·step = 1 + δ. I/step = I·k/(1 + δ) lies I·k·|δ|/(1 + δ) from I·k, and
  // I·k in [2^p, 2^(p+1)) rounds back to I·k when that distance is below half its spacing: 2^(p-53)
  // (2^(p-54) below a power of two). δ ≤ 2^-54 keeps it below (0.1: δ = 2^-54 exactly); for a
  // negative δ the distance exceeds I·k·|δ|, so |δ| ≤ 2^-55 is required.
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, step);
  const bits = view.getBigUint64(0);
  const exponent = Number((bits >> 52n) & 0x7ffn) - 1075;
  const mantissa = (bits & ((1n << 52n) - 1n)) | (1n << 52n);
  if (exponent >= 0) return false;
  const scale = 1n << BigInt(-exponent);
  const diff = BigInt(k) * mantissa - scale;
  return diff < 0n ? -diff * (1n << 55n) <= scale : diff * (1n << 54n) <= scale;
}

function rejectBounds(schema: Node, kind: string, why: string, at: string): never {
  const bounded = NUMBER_KEYS.filter((k) => has(schema, k));
  throw unsupported(`\`${bounded.join("`, `")}\` on ${kind} (${why})`, at);
}

/** How many multiples `multiplesGbnf` starts from. */
const MULTIPLES = 20;

/**
 * Some non-negative multiples of the integer `k` in [lo, hi] (a subset): the first MULTIPLES
 * multiples from the lowest one in range, each followed by up to as many zeros as keep it within
 * hi and 15 digits (m·k·10^j is a multiple of k, and exact as a double); undefined where none fits.
 */
export function multiplesGbnf(lo: number, hi: number, k: number): string | undefined {
  const top = Math.min(hi, MAX_INTEGER);
  const first = Math.max(0, Math.ceil(lo / k));
  const alternatives: string[] = [];
  for (let m = first; m < first + MULTIPLES && m * k <= top; m++) {
    const v = m * k;
    let zeros = 0;
    while (v > 0 && v * 10 ** (zeros + 1) <= top) zeros++;
    alternatives.push(zeros ? `"${v}" "0"{0,${zeros}}` : `"${v}"`);
  }
  return alternatives.length ? `(${alternatives.join(" | ")})` : undefined;
}

/**
 * Integers within the bounds; with a `multipleOf` other than 1, a small closed range as an enum,
 * else some multiples (`multiplesGbnf`).
 */
function integers(schema: Node, b: Bounds, step: number, kind: string, at: string): Out {
  const [lo, hi] = intBounds(b);
  if (step !== 1) {
    if (!Number.isInteger(step) || step <= 0)
      rejectBounds(schema, kind, "a `multipleOf` that is not an integer", at);
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo > MAX_ENUM_RANGE) {
      const gbnf = multiplesGbnf(lo, hi, step);
      if (!gbnf) rejectBounds(schema, kind, "`multipleOf` without a non-negative multiple in range", at);
      return { gbnf };
    }
    const values: number[] = [];
    for (let v = lo; v <= hi; v++) if (v % step === 0) values.push(v);
    if (values.length === 0) rejectBounds(schema, kind, "no integer can match", at);
    return { enum: values };
  }
  const gbnf = integerRangeGbnf(lo, hi);
  if (!gbnf) rejectBounds(schema, kind, "no integer of at most 15 digits can match", at);
  return { gbnf };
}

export function integerSchema(schema: Node, at: string): Out {
  if (!NUMBER_KEYS.some((k) => has(schema, k))) return { type: "integer" };
  const step = has(schema, "multipleOf") ? (schema.multipleOf as number) : 1;
  return integers(schema, readBounds(schema, at), integersAreMultiples(step) ? 1 : step, "an integer", at);
}

export function numberSchema(schema: Node, at: string): Out {
  if (!NUMBER_KEYS.some((k) => has(schema, k))) return { type: "number" };
  const bounds = readBounds(schema, at);
  if (has(schema, "multipleOf")) {
    const step = schema.multipleOf;
    if (typeof step !== "number") throw unsupported(`\`multipleOf: ${JSON.stringify(step)}\``, at);
    // Integers only (a subset) where every integer is a multiple in the validator's arithmetic.
    return integers(schema, bounds, integersAreMultiples(step) ? 1 : step, "a number", at);
  }
  const gbnf = numberRangeGbnf(bounds);
  if (!gbnf) rejectBounds(schema, "a number", "no value with up to 8 decimals fits", at);
  return { gbnf };
}

/** Whether a numeric enum/const value passes the bounds beside it. */
export function numberFits(n: number, schema: Node, at: string): boolean {
  const b = readBounds(schema, at);
  if (b.loExclusive ? n <= b.lo : n < b.lo) return false;
  if (b.hiExclusive ? n >= b.hi : n > b.hi) return false;
  const step = schema.multipleOf;
  if (typeof step === "number") {
    const res = n / step;
    if (res !== Number.parseInt(String(res), 10)) return false; // the validator's own check
  }
  return true;
}

const INT32 = 2 ** 31;

/**
 * ajv-formats' number formats: `int32` and `int64` pass integers only (`int32` within
 * [-2^31, 2^31 - 1]); `float` and `double` pass every number. The schema comes back with the int32
 * range added to its bounds (both apply), and whether only integers may be generated.
 */
export function withNumberFormat(schema: Node): { integer: boolean; bounded: Node } {
  const format = schema.format;
  if (format !== "int32" && format !== "int64") return { integer: false, bounded: schema };
  if (format === "int64") return { integer: true, bounded: schema };
  const lo = typeof schema.minimum === "number" ? Math.max(schema.minimum, -INT32) : -INT32;
  const hi = typeof schema.maximum === "number" ? Math.min(schema.maximum, INT32 - 1) : INT32 - 1;
  return { integer: true, bounded: { ...schema, minimum: lo, maximum: hi } };
}
