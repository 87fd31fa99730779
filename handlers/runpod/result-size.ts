/**
 * RunPod refuses job results over 20 MB (runpod-python's rp_tips.py warns at 20 MB, counted in
 * units of 1,000,000 bytes), and a refused result is dropped without a trace: the job would end
 * TIMED_OUT with no message. A result over the limit is replaced by an error that says so.
 */
import { DeliberateError } from "../../core/errors.js";
import { failureBody } from "./job-handler.js";

export const RUNPOD_RESULT_LIMIT_BYTES = 20_000_000;

export function fitResult<T>(body: T, limit = RUNPOD_RESULT_LIMIT_BYTES): T | { error: string } {
  const bytes = Buffer.byteLength(JSON.stringify(body));
  if (bytes <= limit) return body;
  return failureBody(
    new DeliberateError(
      "payload_too_large",
      `the result is ${bytes} bytes, over RunPod's limit of ${limit} bytes per job result; ` +
        "split the job (for embeddings: fewer inputs per job)",
    ),
  );
}
