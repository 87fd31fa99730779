/**
 * The API key in force at start: ORCH_API_KEY, or a generated one when the server only binds a
 * loopback address. Binding anything else without a key refuses to start.
 */
import { randomBytes } from "node:crypto";
import { type Config, ConfigError } from "../shared/config.js";

export function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === "::1" || host === "localhost";
}

/** The API key in force, or the reason the server must not start. */
export function settleApiKey(config: Pick<Config, "apiKey" | "host">): { key: string; generated: boolean } {
  if (config.apiKey) return { key: config.apiKey, generated: false };
  if (!isLoopback(config.host)) {
    throw new ConfigError([
      `ORCH_API_KEY: required to bind ${config.host}; without a key the server only binds 127.0.0.1`,
    ]);
  }
  return { key: randomBytes(24).toString("base64url"), generated: true };
}
