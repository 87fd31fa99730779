/** The two things every HTTP route does with errors and bodies, in the one error envelope. */
import type { Context } from "hono";
import { DeliberateError } from "../../../core/errors.js";

export function fail(c: Context, error: DeliberateError) {
  // biome-ignore lint/suspicious/noExplicitAny: Hono types statuses as a literal union
  return c.json(error.toEnvelope(), error.status as any);
}

/** The body as JSON; `invalid_request` when it is not. Parsing it is the route's business. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new DeliberateError("invalid_request", "the body is not valid JSON");
  }
}
