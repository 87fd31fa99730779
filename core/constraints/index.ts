/**
 * Constraints: normalising `structured_outputs` (prepare.ts) and validating a final answer after
 * decoding (json-schema.ts, regex.ts), within the size bounds of bounds.ts.
 */
export {
  prepareConstraint,
  CONSTRAINT_KEYS,
  type CheckedAnswer,
  type PreparedConstraint,
} from "./prepare.js";
export { LIMITS } from "./bounds.js";
export { compileSchema, compiledSchemas, type CompiledSchema } from "./json-schema.js";
export { canonicalJson } from "./canonical-json.js";
export { DEFAULT_DRAFT, draftOf, type Draft, warmUpValidators } from "./ajv-drafts.js";
