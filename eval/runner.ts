/**
 * Runs an eval grid against a server: every setting × item × repeat once, C at a time, appending
 * each outcome to records.jsonl as it lands, so an interrupted run resumes where it stopped.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { CompletionRequestInput, CompletionResult } from "../core/protocol.js";
import { complete } from "./client.js";
import { matches } from "./compare.js";
import type { EvalItem } from "./dataset.js";
import { EvalRecord, recordKey } from "./record.js";
import type { Setting } from "./settings.js";

/** Constraint failures are answers that broke their promise: counted as invalid, not as failures. */
const INVALID_CODES = new Set(["constraint_violation", "answer_truncated"]);

export interface RunOptions {
  url: string;
  apiKey: string;
  items: EvalItem[];
  settings: Setting[];
  repeats: number;
  concurrency: number;
  recordsPath: string;
  /** Repeat r is sent with seed seedBase + r, so runs are reproducible and repeats differ. */
  seedBase?: number;
  maxAnswerTokens?: number;
  signal?: AbortSignal;
  onRecord?: (record: EvalRecord, done: number, total: number) => void;
}

interface Task {
  key: string;
  setting: Setting;
  item: EvalItem;
  repeat: number;
}

/** The last record of each key in a records file (a failed one is superseded by its rerun). */
export function readRecords(path: string): Map<string, EvalRecord> {
  const byKey = new Map<string, EvalRecord>();
  if (!existsSync(path)) return byKey;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    let parsed: ReturnType<typeof EvalRecord.safeParse>;
    try {
      parsed = EvalRecord.safeParse(JSON.parse(line));
    } catch {
      continue; // a line cut by the interruption itself
    }
    if (parsed.success) byKey.set(parsed.data.key, parsed.data);
  }
  return byKey;
}

export function tasksOf(items: EvalItem[], settings: Setting[], repeats: number): Task[] {
  const tasks: Task[] = [];
  // Settings interleave, so a run cut short still compares them on the same items.
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const item of items) {
      for (const setting of settings) {
        tasks.push({ key: recordKey(setting.name, item.id, repeat), setting, item, repeat });
      }
    }
  }
  return tasks;
}

function parseAnswer(text: string, item: EvalItem): { ok: true; value: unknown } | { ok: false } {
  if (!item.structured_outputs?.json) return { ok: true, value: text };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function scoreResult(task: Task, result: CompletionResult, ms: number): EvalRecord {
  const { item, setting } = task;
  const correct = matches(result.output, item.expected, item.compare);
  let draftCorrect: boolean | null = null;
  let changed: boolean | null = null;
  if (setting.reflection && result.draft !== null) {
    const draft = parseAnswer(result.draft, item);
    draftCorrect = draft.ok && matches(draft.value, item.expected, item.compare);
    changed = !draft.ok || !matches(draft.value, result.output, { rule: "exact" });
  }
  const final = result.steps.find((s) => s.step === "final");
  return {
    key: task.key,
    setting: setting.name,
    item: item.id,
    repeat: task.repeat,
    status: "ok",
    correct,
    draft_correct: draftCorrect,
    changed,
    thinking_tokens: result.usage.thinking_tokens,
    answer_tokens: final?.completion_tokens ?? null,
    ms,
    model: result.model,
    error: null,
  };
}

function requestOf(task: Task, options: RunOptions): CompletionRequestInput {
  const { item, setting } = task;
  return {
    ...(item.prompt !== undefined ? { prompt: item.prompt } : { messages: item.messages! }),
    ...(item.structured_outputs ? { structured_outputs: item.structured_outputs } : {}),
    thinking_effort: setting.effort,
    reflection: setting.reflection,
    seed: (options.seedBase ?? 1000) + task.repeat,
    ...(options.maxAnswerTokens ? { max_answer_tokens: options.maxAnswerTokens } : {}),
  };
}

async function runTask(task: Task, options: RunOptions): Promise<EvalRecord> {
  const started = performance.now();
  const outcome = await complete(options.url, options.apiKey, requestOf(task, options), options.signal);
  const ms = Math.round(performance.now() - started);
  if (outcome.kind === "result") return scoreResult(task, outcome.result, ms);
  return {
    key: task.key,
    setting: task.setting.name,
    item: task.item.id,
    repeat: task.repeat,
    status: INVALID_CODES.has(outcome.code) ? "invalid" : "failed",
    correct: null,
    draft_correct: null,
    changed: null,
    thinking_tokens: null,
    answer_tokens: null,
    ms,
    model: null,
    error: { code: outcome.code, message: outcome.message },
  };
}

/** Runs what is not done yet; returns every record of the grid (earlier ones included). */
export async function runEval(options: RunOptions): Promise<EvalRecord[]> {
  const tasks = tasksOf(options.items, options.settings, options.repeats);
  const records = readRecords(options.recordsPath);
  const todo = tasks.filter((t) => {
    const previous = records.get(t.key);
    return previous === undefined || previous.status === "failed";
  });
  let done = tasks.length - todo.length;
  let next = 0;
  const worker = async () => {
    while (next < todo.length && !options.signal?.aborted) {
      const task = todo[next++]!;
      let record: EvalRecord;
      try {
        record = await runTask(task, options);
      } catch (err) {
        if (options.signal?.aborted) return; // interrupted: this task stays to do
        throw err;
      }
      appendFileSync(options.recordsPath, `${JSON.stringify(record)}\n`);
      records.set(task.key, record);
      options.onRecord?.(record, ++done, tasks.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return tasks.flatMap((t) => {
    const record = records.get(t.key);
    return record ? [record] : [];
  });
}
