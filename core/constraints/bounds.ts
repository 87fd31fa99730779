/**
 * Size bounds for structured_outputs. vLLM compiles JSON schemas and grammars with no timeout
 * (reference §2.4, #54003): a huge or deeply nested one can pin a CPU for minutes, so oversized
 * constraints are refused before they reach the engine.
 */
export const LIMITS = {
  /** Serialised JSON schema, in UTF-8 bytes. */
  schemaBytes: 64 * 1024,
  /** Nesting depth of objects and arrays inside the schema document. */
  schemaDepth: 32,
  /** Grammar text, in UTF-8 bytes. */
  grammarBytes: 64 * 1024,
  /** Regex source, in UTF-8 bytes (vLLM times regex compilation out after 5 s; we refuse earlier). */
  regexBytes: 4 * 1024,
  /** Number of choices, and bytes per choice. */
  choiceCount: 1024,
  choiceBytes: 1024,
} as const;

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Depth of nested objects/arrays (a scalar is 0, `{}` is 1). Stops counting once `limit` is
 * exceeded, so a pathological document costs no more than the limit to measure.
 */
export function nestingDepth(value: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (current === null || typeof current !== "object") continue;
    const here = depth + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) stack.push({ value: child, depth: here });
  }
  return deepest;
}
