/**
 * API-key auth: `Authorization: Bearer`, `x-api-key`, or `?api_key=` on the routes a browser opens
 * directly (WebSocket, dashboard, docs). Keys are compared in constant time: both sides are hashed
 * to a fixed length first, so neither the content nor the length of the key leaks through timing.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, MiddlewareHandler } from "hono";
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

const BROWSER_401 = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>API key required</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5">
<h1>API key required</h1>
<p>This Deliberate server needs its API key (<code>ORCH_API_KEY</code>, or the key printed at start-up).</p>
<ul><li>Programs: send <code>Authorization: Bearer &lt;key&gt;</code> or <code>x-api-key: &lt;key&gt;</code>.</li>
<li>Browsers: open <a href="/dashboard">/dashboard</a> or <a href="/docs">/docs</a>; they ask for the key once
and keep it for this tab.</li></ul></body></html>`;

/** The 401 answer: the JSON envelope, or for a browser a page saying how to pass the key. */
export function unauthorized(c: Context): Response {
  const headers = { "www-authenticate": 'Bearer realm="deliberate"' };
  if ((c.req.header("accept") ?? "").includes("text/html")) return c.html(BROWSER_401, 401, headers);
  const error = new DeliberateError(
    "unauthorized",
    "a valid API key is required (Authorization: Bearer <key> or x-api-key)",
  );
  return c.json(error.toEnvelope(), 401, headers);
}

export function requireApiKey(
  key: string,
  open: (path: string) => boolean = (path) => path === "/health",
  onRefused?: (path: string) => void,
): MiddlewareHandler {
  const matches = keyMatcher(key);
  return async (c, next) => {
    if (open(c.req.path)) return next();
    const queryKey = QUERY_KEY_ROUTES.has(c.req.path) ? c.req.query("api_key") : undefined;
    if (!matches(presentedKey((name) => c.req.header(name), queryKey))) {
      onRefused?.(c.req.path);
      return unauthorized(c);
    }
    return next();
  };
}
