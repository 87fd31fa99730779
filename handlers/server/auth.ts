/**
 * API-key auth: `Authorization: Bearer`, `x-api-key`, or `?api_key=` on the routes a browser opens
 * directly (WebSocket, dashboard, docs). Keys are compared in constant time: both sides are hashed
 * to a fixed length first, so neither the content nor the length of the key leaks through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { DeliberateError } from "../../core/errors.js";

export function keyMatcher(key: string): (candidate: string | undefined) => boolean {
  const expected = createHash("sha256").update(key).digest();
  return (candidate) => {
    const given = createHash("sha256")
      .update(candidate ?? "")
      .digest();
    return timingSafeEqual(expected, given) && candidate !== undefined;
  };
}

/** Routes whose key may come in the query string, because browsers cannot set headers there. */
export const QUERY_KEY_ROUTES = new Set(["/ws/completions", "/dashboard", "/docs", "/openapi.json"]);

export function presentedKey(
  header: (name: string) => string | undefined,
  queryKey?: string,
): string | undefined {
  const authorization = header("authorization");
  if (authorization) {
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (match) return match[1];
  }
  return header("x-api-key") ?? queryKey;
}

export function requireApiKey(key: string, open: Set<string> = new Set(["/health"])): MiddlewareHandler {
  const matches = keyMatcher(key);
  return async (c, next) => {
    if (open.has(c.req.path)) return next();
    const queryKey = QUERY_KEY_ROUTES.has(c.req.path) ? c.req.query("api_key") : undefined;
    if (!matches(presentedKey((name) => c.req.header(name), queryKey))) {
      const error = new DeliberateError(
        "unauthorized",
        "a valid API key is required (Authorization: Bearer <key> or x-api-key)",
      );
      return c.json(error.toEnvelope(), 401, { "www-authenticate": 'Bearer realm="deliberate"' });
    }
    return next();
  };
}
