/**
 * Number bounds for the JSON grammar. node-llama-cpp's numbers take no bounds, so: a small closed
 * integer range becomes an enum, a minimum of at most 1 becomes the naturals (or positives), a
 * number minimum of at most 0 the non-negative decimals; every output still validates. Anything
 * else is rejected with schema_unsupported.
 */
import { marker } from "./json-grammar-patch.js";
import { has, type Node, type Out, unsupported } from "./json-schema-common.js";

export const NUMBER_KEYS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"];
/** An integer range small enough to be written as an enum. */
const MAX_ENUM_RANGE = 256;

/** A lower bound of at most 0 alone: non-negative decimals satisfy it. Other bounds are rejected. */
export function numberSchema(schema: Node, at: string): Out {
  const bounded = NUMBER_KEYS.filter((k) => has(schema, k));
  if (bounded.length === 0) return { type: "number" };
  if (bounded.length === 1 && typeof schema.minimum === "number" && schema.minimum <= 0) {
    return { const: marker("unum") };
  }
  throw unsupported(`\`${bounded.join("`, `")}\` on a number (only \`minimum\` ≤ 0)`, at);
}

/**
 * Integer bounds: a small closed range becomes an enum; a range from at most 1 upwards becomes
 * the naturals (or positives) with as many digits as fit under the maximum. Else rejected.
 */
export function integerSchema(schema: Node, at: string): Out {
  const bounded = NUMBER_KEYS.filter((k) => has(schema, k));
  if (bounded.length === 0) return { type: "integer" };
  let lo = -Infinity;
  let hi = Infinity;
  let step = 1;
  const num = (k: string) => {
    const v = schema[k];
    if (typeof v !== "number") throw unsupported(`\`${k}: ${JSON.stringify(v)}\``, at);
    return v;
  };
  if (has(schema, "minimum")) lo = Math.ceil(num("minimum"));
  if (has(schema, "maximum")) hi = Math.floor(num("maximum"));
  if (has(schema, "exclusiveMinimum")) lo = Math.max(lo, Math.floor(num("exclusiveMinimum")) + 1);
  if (has(schema, "exclusiveMaximum")) hi = Math.min(hi, Math.ceil(num("exclusiveMaximum")) - 1);
  if (has(schema, "multipleOf")) step = num("multipleOf");
  if (!Number.isInteger(step)) throw unsupported("`multipleOf` that is not an integer", at);
  const closedSmall = Number.isFinite(lo) && Number.isFinite(hi) && hi - lo <= MAX_ENUM_RANGE;
  if (!closedSmall && step === 1 && lo <= 1) {
    const digits = hi === Infinity ? 16 : Math.floor(Math.log10(hi + 1));
    if (digits >= 1) return { const: marker(lo === 1 ? `pint_${digits}` : `uint_${digits}`) };
  }
  if (!closedSmall) {
    throw unsupported(
      `\`${bounded.join("`, `")}\` on an integer (only small closed ranges, or a minimum of at most 1)`,
      at,
    );
  }
  const values: number[] = [];
  for (let v = lo; v <= hi; v++) if (v % step === 0) values.push(v);
  if (values.length === 0) throw unsupported(`\`${bounded.join("`, `")}\` (no integer can match)`, at);
  return { enum: values };
}

/** Whether a numeric enum/const value passes the bounds beside it. */
export function numberFits(n: number, schema: Node, at: string): boolean {
  const num = (k: string) => (typeof schema[k] === "number" ? (schema[k] as number) : undefined);
  if (num("minimum") !== undefined && n < num("minimum")!) return false;
  if (num("maximum") !== undefined && n > num("maximum")!) return false;
  if (num("exclusiveMinimum") !== undefined && n <= num("exclusiveMinimum")!) return false;
  if (num("exclusiveMaximum") !== undefined && n >= num("exclusiveMaximum")!) return false;
  if (num("multipleOf") !== undefined && !Number.isInteger(n / num("multipleOf")!)) return false;
  if (typeof schema.exclusiveMinimum === "boolean" || typeof schema.exclusiveMaximum === "boolean") {
    throw unsupported("draft-04 boolean `exclusiveMinimum`/`exclusiveMaximum`", at);
  }
  return true;
}
