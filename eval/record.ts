/** One request of an eval run, as appended to records.jsonl (the file a run resumes from). */
import { z } from "zod";

export const EvalRecord = z.object({
  /** `${setting}|${item}|${repeat}`: the unit a resumed run skips when already done. */
  key: z.string(),
  setting: z.string(),
  item: z.string(),
  repeat: z.int().min(0),
  /** ok: an answer came back; invalid: it broke or overran its constraint; failed: no answer. */
  status: z.enum(["ok", "invalid", "failed"]),
  correct: z.boolean().nullable(),
  /** Reflection-on settings only: the draft's own correctness and whether the final changed it. */
  draft_correct: z.boolean().nullable(),
  changed: z.boolean().nullable(),
  thinking_tokens: z.int().nullable(),
  answer_tokens: z.int().nullable(),
  ms: z.number(),
  model: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type EvalRecord = z.infer<typeof EvalRecord>;

export const recordKey = (setting: string, item: string, repeat: number) => `${setting}|${item}|${repeat}`;
