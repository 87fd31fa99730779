/**
 * The pino logger of every handler: JSON lines at the configured level, with anything that could
 * carry a credential redacted, wherever it sits in a logged object.
 */
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

export const REDACT_PATHS = [
  "apiKey",
  "api_key",
  "authorization",
  "encryptionKey",
  "hfToken",
  "*.apiKey",
  "*.api_key",
  "*.authorization",
  "*.Authorization",
  "*.encryptionKey",
  "*.hfToken",
  '*["x-api-key"]',
  "headers.authorization",
  'headers["x-api-key"]',
  "*.headers.authorization",
  '*.headers["x-api-key"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "deliberate" },
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination({ dest: 1, sync: false }),
  );
}
