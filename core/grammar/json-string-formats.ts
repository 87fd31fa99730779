/**
 * String formats generated through an anchored regex (json-string-pattern.ts): each regex matches
 * a subset of what the validator's format (ajv-formats, full mode) accepts — plain lower-case
 * forms with bounded label counts and lengths — so every output passes it.
 */
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?";
const DOMAIN = `${LABEL}(?:\\.${LABEL}){0,2}\\.[a-z]{2,6}`;
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";

export const FORMAT_PATTERNS: Record<string, string> = {
  email: `^[a-z0-9_+-]{1,30}(?:\\.[a-z0-9_+-]{1,30}){0,2}@${DOMAIN}$`,
  hostname: `^${LABEL}(?:\\.${LABEL}){0,3}$`,
  ipv4: `^(?:${OCTET}\\.){3}${OCTET}$`,
  ipv6: "^[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}$",
  uuid: "^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$",
  uri: `^https?://${DOMAIN}(?:/[a-z0-9_.-]{1,20}){0,4}$`,
};
