/**
 * Serves a file shipped in an npm package (swagger-ui-dist) or a bundle the build wrote, read once
 * and kept in memory: the pages must work offline, so nothing comes from a CDN.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Context } from "hono";

const require = createRequire(import.meta.url);

const TYPES: Record<string, string> = {
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  png: "image/png",
};

export function packageFile(pkg: string, file: string): () => Buffer {
  let body: Buffer | undefined;
  return () => {
    body ??= readFileSync(require.resolve(`${pkg}/${file}`));
    return body;
  };
}

export function sendStatic(c: Context, name: string, body: Buffer | string): Response {
  const type = TYPES[name.split(".").pop() ?? ""] ?? "application/octet-stream";
  return c.body(typeof body === "string" ? body : new Uint8Array(body), 200, {
    "content-type": type,
    "cache-control": "public, max-age=3600",
    "x-content-type-options": "nosniff",
  });
}

/** Pages load only their own files; inline styles are allowed for the UI libraries' own use. */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'";
