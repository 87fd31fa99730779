/**
 * One Ajv instance per JSON Schema draft, chosen by the schema's `$schema`. Creating an Ajv (and
 * compiling its meta-schema) is slow, so instances are cached; they are recycled after a bounded
 * number of compiles because Ajv keeps some per-schema state (nested `$id`s) for its lifetime.
 */
import * as ajvDraft04 from "ajv-draft-04";
import * as ajvFormats from "ajv-formats";
import { Ajv, type Options } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import draft06Meta from "ajv/dist/refs/json-schema-draft-06.json" with { type: "json" };

export type Draft = "draft-04" | "draft-06" | "draft-07" | "2019-09" | "2020-12";

/** The keyword that gives a schema its id (and moves the base URI of what is below it). */
export const idKeyword = (draft: Draft): "id" | "$id" => (draft === "draft-04" ? "id" : "$id");

/** Used when a schema has no `$schema`: the draft most real-world schemas are written against. */
export const DEFAULT_DRAFT: Draft = "draft-07";

/** The `$schema` URI each Ajv instance knows its meta-schema by. */
export const META_URI: Record<Draft, string> = {
  "draft-04": "http://json-schema.org/draft-04/schema#",
  "draft-06": "http://json-schema.org/draft-06/schema#",
  "draft-07": "http://json-schema.org/draft-07/schema#",
  "2019-09": "https://json-schema.org/draft/2019-09/schema",
  "2020-12": "https://json-schema.org/draft/2020-12/schema",
};

// ajv-draft-04 and ajv-formats are CommonJS with only a default export; under NodeNext the
// default import is the module object in types but the function at run time, so take either.
type Ctor = new (options: Options) => Ajv;
const Ajv04 = ((ajvDraft04 as unknown as { default?: Ctor }).default ?? ajvDraft04) as unknown as Ctor;
type FormatsPlugin = (ajv: Ajv, options?: { mode?: "fast" | "full" }) => Ajv;
const addFormats = ((ajvFormats as unknown as { default?: FormatsPlugin }).default ??
  ajvFormats) as unknown as FormatsPlugin;

/**
 * Patterns are compiled with the `u` flag (ECMAScript's Unicode mode, as ajv does by default);
 * a pattern only legacy mode accepts (`\_`, `\/`, a lone `{` — common in schemas written for
 * Python's re) falls back to a non-Unicode RegExp rather than making the whole schema unusable.
 */
function lenientRegExp(pattern: string, flags: string): RegExp {
  try {
    return new RegExp(pattern, flags);
  } catch (err) {
    if (!flags.includes("u")) throw err;
    return new RegExp(pattern, flags.replace("u", ""));
  }
}
lenientRegExp.code = "new RegExp";

const OPTIONS: Options = {
  // Real-world schemas carry unknown keywords and loose types; strict mode would refuse them.
  strict: false,
  // Only the first error is reported, so stop at the first one.
  allErrors: false,
  logger: false,
  // `required: ["__proto__"]` or `["constructor"]` must not be met by what `{}` inherits.
  ownProperties: true,
  code: { regExp: lenientRegExp },
};

/** Compiles after which an instance is replaced by a fresh one. */
const RECYCLE_AFTER = 1000;

/**
 * Keywords Ajv's vocabulary applies but a draft does not have. A schema written against that
 * draft may carry them as unknown (ignored) keywords: `if`/`then` in a draft-04 schema must not
 * validate anything, exactly as a draft-04 validator treats them.
 */
const NOT_IN_DRAFT: Partial<Record<Draft, string[]>> = {
  "draft-04": ["const", "contains", "propertyNames", "if", "then", "else"],
  "draft-06": ["if", "then", "else"],
};

// Up to draft-07, keywords beside `$ref` are ignored (the spec); Ajv applies them unless told not to.
const LEGACY_REF = { ...OPTIONS, ignoreKeywordsWithRef: true };

function create(draft: Draft): Ajv {
  let ajv: Ajv;
  switch (draft) {
    case "draft-04":
      ajv = new Ajv04(LEGACY_REF);
      break;
    case "draft-06":
      ajv = new Ajv(LEGACY_REF);
      ajv.addMetaSchema(draft06Meta);
      break;
    case "draft-07":
      ajv = new Ajv(LEGACY_REF);
      break;
    case "2019-09":
      ajv = new Ajv2019(OPTIONS);
      break;
    case "2020-12":
      ajv = new Ajv2020(OPTIONS);
      break;
  }
  for (const keyword of NOT_IN_DRAFT[draft] ?? []) ajv.removeKeyword(keyword);
  // Ajv refuses a schema with draft-04's `id` outright; from draft-06 on it is no keyword at all
  // (an annotation the validator ignores), which is how those drafts read it.
  if (draft !== "draft-04") ajv.removeKeyword("id");
  addFormats(ajv, { mode: "full" });
  return ajv;
}

const instances = new Map<Draft, { ajv: Ajv; uses: number }>();

/** The cached Ajv for a draft; counts a use and recycles the instance when it has served enough. */
export function ajvFor(draft: Draft): Ajv {
  let entry = instances.get(draft);
  if (!entry || entry.uses >= RECYCLE_AFTER) {
    entry = { ajv: create(draft), uses: 0 };
    instances.set(draft, entry);
  }
  entry.uses++;
  return entry.ajv;
}

/**
 * Creates every draft's instance now (~100–200 ms each) so that the first request with a JSON
 * schema does not pay for it. Entry points may call it at start-up; nothing requires it.
 */
export function warmUpValidators(): void {
  for (const draft of Object.keys(META_URI) as Draft[]) ajvFor(draft).compile({ type: "null" });
}

/**
 * The draft a `$schema` names, ignoring scheme, a trailing `#` and case. Undefined for a URI
 * that names no draft Ajv supports (e.g. draft-03 or a custom meta-schema).
 */
export function draftOf(uri: string | undefined): Draft | undefined {
  if (uri === undefined) return DEFAULT_DRAFT;
  const key = uri
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, "")
    .replace(/#$/, "")
    .replace(/\/$/, "");
  switch (key) {
    case "json-schema.org/draft-04/schema":
      return "draft-04";
    case "json-schema.org/draft-06/schema":
      return "draft-06";
    case "json-schema.org/draft-07/schema":
    // "schema" alone means "the latest draft" in old tooling; draft-07 is what such schemas target.
    case "json-schema.org/schema":
      return "draft-07";
    case "json-schema.org/draft/2019-09/schema":
      return "2019-09";
    case "json-schema.org/draft/2020-12/schema":
      return "2020-12";
    default:
      return undefined;
  }
}
