/**
 * A last resort for integer and number schemas the grammar cannot write (`not: {multipleOf}`,
 * `anyOf` of steps, …) or whose written subsets have no value (an overlapping `oneOf`'s): the
 * integers of a window inside the bounds — from the lower bound, else up to the upper one, else
 * from 0 — that the validator accepts against the whole schema, as an enum.
 * A finite subset, exact value by value; undefined where no integer of the window passes or the
 * schema cannot be compiled on its own.
 */
import type { Json, Node, Out } from "./json-schema-common.js";
import { isNode } from "./json-schema-common.js";
import { intBounds, readBounds } from "./json-schema-numbers.js";
import { MAX_INTEGER } from "./number-range-gbnf.js";

/** Integers tried, and values kept at most. */
const WINDOW = 1000;
const MAX_VALUES = 256;

type Passing = (values: Json[], schema: Json) => Json[] | undefined;

export function numberGrid(schema: Json, at: string, passing: Passing): Out | undefined {
  if (!isNode(schema) || schema.type === undefined) return undefined;
  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).map(String);
  if (!types.every((t) => t === "integer" || t === "number")) return undefined;
  let lo: number;
  let hi: number;
  try {
    [lo, hi] = intBounds(readBounds(schema as Node, at));
  } catch {
    return undefined;
  }
  lo = Math.max(lo, -MAX_INTEGER);
  hi = Math.min(hi, MAX_INTEGER);
  const from =
    Number.isFinite(lo) && lo > -MAX_INTEGER
      ? lo
      : hi < MAX_INTEGER
        ? Math.max(lo, hi - WINDOW + 1)
        : Math.max(lo, 0);
  const candidates: number[] = [];
  for (let v = from; v <= hi && candidates.length < WINDOW; v++) candidates.push(v);
  const kept = passing(candidates, schema);
  if (!kept?.length) return undefined;
  return { enum: kept.slice(0, MAX_VALUES) };
}
