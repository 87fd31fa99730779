/**
 * String formats generated through an anchored regex (json-string-pattern.ts): each regex matches
 * a subset of what the validator's format (ajv-formats, full mode) accepts — plain lower-case
 * forms with bounded label counts and lengths — so every output passes it. Every string format
 * ajv-formats checks has an entry; `password` and `binary` accept any string and need none.
 */
import { fullFormats } from "ajv-formats/dist/formats.js";
import { negatePattern } from "./string-pattern-text.js";

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,18}[a-z0-9])?";
const DOMAIN = `${LABEL}(?:\\.${LABEL}){0,2}\\.[a-z]{2,6}`;
/** ajv's `url` takes no `--` inside a label. */
const URL_LABEL = "[a-z0-9]{1,10}(?:-[a-z0-9]{1,10}){0,2}";
const OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const DATE = "\\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\\d|2[0-8])";
const TIME = "(?:[01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(?:\\.\\d{1,3})?";
const ZONE = "(?:Z|[+-](?:[01]\\d|2[0-3]):[0-5]\\d)";
const PATH = "(?:/[a-z0-9_.-]{1,20}){0,4}";
const POINTER = "(?:/[a-z0-9_]{1,8}){0,3}";
/** What follows `scheme://` in a generated `uri`. */
const URI_REST = `${DOMAIN}${PATH}`;

/** URI schemes tried against a `pattern` beside `format: uri` (see uriWithPrefix). */
const SCHEMES = ["https", "http", "file", "ftp", "ws", "wss", "ws+unix", "wss+unix", "s3", "git"];

/**
 * `format: uri` (or `uri-reference`) beside a `pattern` that only constrains a prefix: the URIs
 * `scheme://…` of json-string-formats' own form, for each scheme whose `scheme://` the pattern
 * matches. Sound where the pattern has no `$`, lookaround, `\b`/`\B` or backreference: a match
 * inside `scheme://` is then a match inside every string that starts with it (the pattern is a
 * search). Undefined when no scheme qualifies.
 */
export function uriWithPrefix(format: string, pattern: string): string | undefined {
  if (format !== "uri" && format !== "uri-reference") return undefined;
  if (/\$|\(\?[=!<]|\\[bBk1-9]/.test(pattern)) return undefined;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern, "u");
  } catch {
    return undefined;
  }
  const schemes = SCHEMES.filter((s) => regex.test(`${s}://`));
  if (schemes.length === 0) return undefined;
  const escaped = schemes.map((s) => s.replace(/[+.]/g, "\\$&"));
  return `^(?:${escaped.join("|")})://${URI_REST}$`;
}

export const FORMAT_PATTERNS: Record<string, string> = {
  date: `^${DATE}$`,
  time: `^${TIME}${ZONE}$`,
  "date-time": `^${DATE}T${TIME}${ZONE}$`,
  "iso-time": `^${TIME}${ZONE}?$`,
  "iso-date-time": `^${DATE}T${TIME}${ZONE}?$`,
  duration: "^P(?:\\d{1,4}Y)?(?:\\d{1,2}M)?\\d{1,3}D(?:T\\d{1,2}H(?:\\d{1,2}M)?(?:\\d{1,2}S)?)?$",
  email: `^[a-z0-9_+-]{1,30}(?:\\.[a-z0-9_+-]{1,30}){0,2}@${DOMAIN}$`,
  hostname: `^${LABEL}(?:\\.${LABEL}){0,3}$`,
  ipv4: `^(?:${OCTET}\\.){3}${OCTET}$`,
  ipv6: "^[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){7}$",
  uuid: "^[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}$",
  uri: `^https?://${URI_REST}$`,
  "uri-reference": `^(?:https?://${DOMAIN})?${PATH}$`,
  "uri-template": `^https?://${DOMAIN}${PATH}(?:/\\{[a-z]{1,10}\\})?$`,
  url: `^https?://${URL_LABEL}(?:\\.${URL_LABEL}){0,2}\\.[a-z]{2,6}${PATH}$`,
  "json-pointer": `^${POINTER}$`,
  "json-pointer-uri-fragment": `^#${POINTER}$`,
  "relative-json-pointer": `^(?:0|[1-9]\\d{0,2})(?:#|${POINTER})$`,
  byte: "^(?:[A-Za-z0-9+/]{4}){0,40}(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$",
  regex: "^[a-z0-9]{1,20}$",
};

type FormatDef = RegExp | ((value: never) => boolean) | true | { type?: string; validate: unknown };
const FORMATS = fullFormats as unknown as Record<string, FormatDef>;

/** The data type a format of ajv-formats checks, or undefined for a format it does not check. */
function formatType(format: string): "string" | "number" | undefined {
  if (!Object.hasOwn(FORMATS, format)) return undefined;
  const def = FORMATS[format]!;
  if (def === true) return undefined;
  return typeof def === "object" && !(def instanceof RegExp) && def.type === "number" ? "number" : "string";
}

/** Whether the validator checks this format on values of this type (other types pass it untouched). */
export function formatApplies(format: string, type: "string" | "number"): boolean {
  return formatType(format) === type;
}

/**
 * The strings a format rejects, as a pattern (string-automata.ts), where ajv-formats checks it with
 * a RegExp alone (its flags kept): exact. Undefined for a format checked by a function.
 */
export function formatComplement(format: string): string | undefined {
  const regex = formatRegex(format);
  return regex ? negatePattern(regex.source, regex.flags) : undefined;
}

/** The RegExp ajv-formats checks a string format with, where that is all it checks. */
export function formatRegex(format: string): RegExp | undefined {
  if (!formatApplies(format, "string")) return undefined;
  const def = FORMATS[format]!;
  const check = typeof def === "object" && !(def instanceof RegExp) ? def.validate : def;
  return check instanceof RegExp ? check : undefined;
}

/** Whether a literal (enum/const value) passes the format, by ajv-formats' own check. */
export function formatAccepts(format: string, value: string | number): boolean {
  const type = typeof value === "number" ? "number" : "string";
  if (!formatApplies(format, type)) return true;
  const def = FORMATS[format]!;
  const check = typeof def === "object" && !(def instanceof RegExp) ? def.validate : def;
  if (check instanceof RegExp) return check.test(String(value));
  return typeof check === "function" ? Boolean((check as (v: unknown) => boolean)(value)) : true;
}
