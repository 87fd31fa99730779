/**
 * An eval dataset: JSON lines, one item a line. Each item is a request (prompt or messages, and its
 * structured_outputs) plus the expected answer and the rule that compares an answer with it.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ChatMessage, StructuredOutputs } from "../core/protocol.js";

export const CompareRule = z.strictObject({
  /** exact: deep equality; numeric: |a - e| ≤ tolerance; set: the same members in any order. */
  rule: z.enum(["exact", "numeric", "set"]),
  /** A JSON path into the answer (`$.total`, `$.items[0].name`); the expected value is compared with it. */
  path: z.string().startsWith("$").optional(),
  tolerance: z.number().min(0).optional(),
  /** Strings compare without regard to case and surrounding space. */
  ignore_case: z.boolean().optional(),
});
export type CompareRule = z.infer<typeof CompareRule>;

export const EvalItem = z
  .strictObject({
    id: z.string().min(1),
    prompt: z.string().min(1).optional(),
    messages: z.array(ChatMessage).min(1).optional(),
    structured_outputs: StructuredOutputs.optional(),
    expected: z.unknown(),
    compare: CompareRule.default({ rule: "exact" }),
  })
  .refine((item) => (item.prompt === undefined) !== (item.messages === undefined), {
    message: "give exactly one of `prompt` or `messages`",
  })
  .refine((item) => item.expected !== undefined, { message: "`expected` is required" });
export type EvalItem = z.infer<typeof EvalItem>;

/** Reads a JSONL dataset; every bad line is reported with its number, all together. */
export function loadDataset(path: string): EvalItem[] {
  const problems: string[] = [];
  const items: EvalItem[] = [];
  const ids = new Set<string>();
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((line, index) => {
      if (line.trim() === "") return;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch {
        problems.push(`line ${index + 1}: not JSON`);
        return;
      }
      const parsed = EvalItem.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        problems.push(`line ${index + 1}: ${issue.path.join(".") || "item"}: ${issue.message}`);
      } else if (ids.has(parsed.data.id)) {
        problems.push(`line ${index + 1}: duplicate id ${parsed.data.id}`);
      } else {
        ids.add(parsed.data.id);
        items.push(parsed.data);
      }
    });
  if (problems.length > 0) throw new Error(`${path}:\n  ${problems.join("\n  ")}`);
  if (items.length === 0) throw new Error(`${path}: no items`);
  return items;
}
