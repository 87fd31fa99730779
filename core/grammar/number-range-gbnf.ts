/**
 * GBNF for JSON numbers inside bounds, written digit by digit (no exponent, no `-0`).
 *
 * - Integers: exactly the integers of [lo, hi], both clamped to ±MAX_INTEGER (a subset when a bound
 *   is wider: every generated integer is exactly representable, so the validator sees its value).
 * - Decimals: the integers above, plus `I.F` with up to FRACTION_DIGITS fraction digits wherever the
 *   whole interval [I, I+1) (or (-(I+1), -I] for `-I.F`) is inside the bounds. I has at most
 *   FRACTION_INTEGER_DIGITS digits, so I.F has at most 15 significant digits and parses to a double
 *   that stays inside that interval. Fractions across a bound are left out (a subset).
 */

/** 15 digits: integers and 15-digit decimals below it parse exactly enough (see above). */
export const MAX_INTEGER = 999_999_999_999_999;
const FRACTION_INTEGER_DIGITS = 7;
const FRACTION_DIGITS = 8;
const MAX_FRACTION_INTEGER = 10 ** FRACTION_INTEGER_DIGITS - 1;

/** Digit strings of one length from lo to hi (same length, lo ≤ hi). */
function sameLength(lo: string, hi: string): string[] {
  if (lo === "") return [""];
  const [l, h] = [Number(lo[0]), Number(hi[0])];
  const restLo = lo.slice(1);
  const restHi = hi.slice(1);
  const digit = (a: number, b: number) => (a === b ? `"${a}"` : `[${a}-${b}]`);
  const any = restLo.length ? ` [0-9]{${restLo.length}}` : "";
  if (l === h) return sameLength(restLo, restHi).map((s) => `${digit(l, l)}${s ? ` ${s}` : ""}`);
  const zeros = "0".repeat(restLo.length);
  const nines = "9".repeat(restLo.length);
  const out: string[] = [];
  let from = l;
  let to = h;
  if (restLo !== zeros) {
    out.push(...sameLength(restLo, nines).map((s) => `"${l}" ${s}`.trim()));
    from = l + 1;
  }
  if (restHi !== nines) to = h - 1;
  if (from <= to) out.push(`${digit(from, to)}${any}`);
  if (restHi !== nines) out.push(...sameLength(zeros, restHi).map((s) => `"${h}" ${s}`.trim()));
  return out;
}

/** Alternatives for the decimal digits of every integer in [lo, hi] (0 ≤ lo ≤ hi). */
function unsignedRange(lo: number, hi: number): string[] {
  const out: string[] = [];
  for (let digits = String(lo).length; digits <= String(hi).length; digits++) {
    const first = Math.max(lo, digits === 1 ? 0 : 10 ** (digits - 1));
    const last = Math.min(hi, 10 ** digits - 1);
    if (first <= last) out.push(...sameLength(String(first), String(last)));
  }
  return out;
}

/** Alternatives for every integer in [lo, hi] (integers, possibly infinite; clamped). */
function signedRange(lo: number, hi: number): string[] {
  const a = Math.max(lo, -MAX_INTEGER);
  const b = Math.min(hi, MAX_INTEGER);
  const out: string[] = [];
  if (b >= 0 && a <= b) out.push(...unsignedRange(Math.max(a, 0), b));
  if (a < 0 && a <= b) out.push(...unsignedRange(Math.max(1, -b), -a).map((s) => `"-" ${s}`));
  return out;
}

const group = (alternatives: string[]) => `(${alternatives.map((a) => `(${a})`).join(" | ")})`;

/** GBNF for the integers in [lo, hi], or undefined when there is none. */
export function integerRangeGbnf(lo: number, hi: number): string | undefined {
  const alternatives = signedRange(Math.ceil(lo), Math.floor(hi));
  return alternatives.length ? group(alternatives) : undefined;
}

export interface Bounds {
  lo: number;
  loExclusive: boolean;
  hi: number;
  hiExclusive: boolean;
}

/** GBNF for numbers inside the bounds (see the header), or undefined when it would generate none. */
export function numberRangeGbnf({ lo, loExclusive, hi, hiExclusive }: Bounds): string | undefined {
  const intLo = loExclusive ? Math.floor(lo) + 1 : Math.ceil(lo);
  const intHi = hiExclusive ? Math.ceil(hi) - 1 : Math.floor(hi);
  const alternatives = signedRange(intLo, intHi);
  const fraction = ` "." [0-9]{1,${FRACTION_DIGITS}}`;
  // I.F ∈ [I, I+1): needs I ≥ intLo and I + 1 ≤ hi.
  const posHi = Math.min(Math.floor(hi) - 1, MAX_FRACTION_INTEGER);
  const posLo = Math.max(intLo, 0);
  if (posLo <= posHi) alternatives.push(...unsignedRange(posLo, posHi).map((s) => `${s}${fraction}`));
  // -I.F ∈ (-(I+1), -I]: needs -I ≤ intHi and -(I+1) ≥ lo.
  const negLo = Math.max(-intHi, 0);
  const negHi = Math.min(-Math.ceil(lo) - 1, MAX_FRACTION_INTEGER);
  if (negLo <= negHi) alternatives.push(...unsignedRange(negLo, negHi).map((s) => `"-" ${s}${fraction}`));
  return alternatives.length ? group(alternatives) : undefined;
}
