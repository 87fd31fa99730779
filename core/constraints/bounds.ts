/**
 * Size bounds for structured_outputs. vLLM compiles JSON schemas and grammars with no timeout
 * (reference §2.4, #54003): a huge or deeply nested one can pin a CPU for minutes, so oversized
 * constraints are refused before they reach the engine. The structural bounds of grammars and
 * regexes are in grammar/ast.ts and regex-bounds.ts.
 */
export const LIMITS = {
  /** Serialised JSON schema, in UTF-8 bytes. */
  schemaBytes: 64 * 1024,
  /** Nesting depth of objects and arrays inside the schema document. */
  schemaDepth: 32,
  /** Values (objects, arrays, scalars) in any constraint document. */
  constraintNodes: 50_000,
  /**
   * Schema nodes with every `$ref`, anyOf/oneOf/allOf branch written out in place (the largest of
   * the 8,165 jsonschemabench corpus schemas is under 1,000), and the longest chain of `$ref`s.
   */
  schemaExpansion: 20_000,
  schemaRefDepth: 128,
  /** Grammar text, in UTF-8 bytes. */
  grammarBytes: 64 * 1024,
  /** Regex source, in UTF-8 bytes (vLLM times regex compilation out after 5 s; we refuse earlier). */
  regexBytes: 4 * 1024,
  /** Number of choices, and bytes per choice. */
  choiceCount: 1024,
  choiceBytes: 1024,
} as const;

const encoder = new TextEncoder();

export const kib = (bytes: number) => `${bytes / 1024} KB`;

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}
