/**
 * A request body must arrive within ORCH_BODY_TIMEOUT_S of its headers, so a client that drips its
 * body cannot hold a connection for long. The body is read here, once; Hono caches it, so the routes'
 * own readers (JSON, zod validators) take it from the cache. Node's requestTimeout would also cut
 * long responses (connection-limits.ts), hence this check on the body alone.
 */
import type { MiddlewareHandler } from "hono";
import { DeliberateError } from "../../core/errors.js";
import { sleep } from "../../core/sleep.js";

export function bodyDeadline(ms: number): MiddlewareHandler {
  return async (c, next) => {
    if (ms <= 0 || c.req.method === "GET" || c.req.method === "HEAD" || !c.req.raw.body) return next();
    const done = new AbortController();
    const late = sleep(ms, done.signal).then(() => {
      throw new DeliberateError(
        "invalid_request",
        `the request body did not arrive within ${ms / 1000} s (ORCH_BODY_TIMEOUT_S)`,
      );
    });
    try {
      await Promise.race([c.req.arrayBuffer(), late]);
    } finally {
      done.abort();
      late.catch(() => {}); // the timer's own abort
    }
    return next();
  };
}
