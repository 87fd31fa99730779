/** Helpers shared by the grammar's tests. */
import { expect } from "vitest";
import { prepareConstraint } from "../constraints/index.js";
import { GrammarError } from "./errors.js";
import { lowerJsonSchema } from "./json-schema.js";

/** The message a schema is refused with; fails the test when the schema is accepted. */
export function rejection(schema: Record<string, unknown>): string {
  try {
    lowerJsonSchema(schema);
  } catch (err) {
    expect(err).toBeInstanceOf(GrammarError);
    expect((err as GrammarError).code).toBe("schema_unsupported");
    return (err as GrammarError).message;
  }
  throw new Error(`accepted: ${JSON.stringify(schema)}`);
}

/** The property names of each object alternative of a lowered union, nested unions flattened. */
export function alternatives(out: unknown): string[] {
  const node = out as { oneOf?: unknown[]; properties?: object };
  if (node.oneOf) return node.oneOf.flatMap(alternatives);
  return [
    Object.keys(node.properties ?? {})
      .sort()
      .join(),
  ];
}

/** Whether the post-hoc validator accepts a value against a schema. */
export function passes(schema: Record<string, unknown>, value: unknown): boolean {
  try {
    prepareConstraint({ json: schema })!.validate(JSON.stringify(value));
    return true;
  } catch {
    return false;
  }
}
