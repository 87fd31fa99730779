/**
 * The engine host: a child process that owns the llama.cpp engine and serves the parent's calls
 * over the IPC channel (host-engine.ts is the other side). Native code may crash or hang here;
 * the parent sees the exit or the silence and restarts this process, never its own.
 */
import type { LlamaModel } from "node-llama-cpp";
import { DeliberateError, toDeliberateError } from "../../../errors.js";
import type { LlamaCppEngine } from "../engine.js";
import { createLlamaCppEngine } from "../index.js";
import { sanitizeNativeLine } from "./native-log.js";
import { type FromHost, type HostCall, PROGRESS_MS, type ToHost, toWire } from "./protocol.js";

const send = (message: FromHost): void => {
  process.send?.(message);
};

let engine: LlamaCppEngine | undefined;
let faults = false;
const running = new Map<number, AbortController>();

/** The longest text one token stands for: a prompt of n bytes has at least n / this tokens. */
function maxTokenBytes(model: LlamaModel): number {
  let longest = 1;
  for (const token of model.iterateAllTokens()) {
    longest = Math.max(longest, Buffer.byteLength(model.detokenize([token], true)));
  }
  return longest;
}

async function init(message: Extract<ToHost, { t: "init" }>): Promise<void> {
  faults = message.faults;
  try {
    engine = await createLlamaCppEngine({
      ...message.options,
      onLog: (level, msg) => {
        for (const line of msg.split("\n")) {
          const clean = sanitizeNativeLine(line);
          if (clean) send({ t: "log", level, msg: clean.text });
        }
      },
    });
    send({
      t: "ready",
      info: engine.modelInfo(),
      maxTokenBytes: maxTokenBytes(engine.model),
      concurrency: engine.stats().sequences,
    });
  } catch (err) {
    send({ t: "fatal", error: toWire(toDeliberateError(err)) });
    process.exitCode = 1;
    process.disconnect?.();
  }
}

async function serve(id: number, call: HostCall, signal: AbortSignal): Promise<unknown> {
  if (!engine) throw new DeliberateError("engine_unavailable", "the engine host is not loaded");
  switch (call.op) {
    case "completion": {
      let last = 0;
      const progress = () => {
        const now = performance.now();
        if (now - last < PROGRESS_MS) return;
        last = now;
        send({ t: "progress", id });
      };
      return engine.completion(
        {
          ...call.call,
          signal,
          ...(call.stream ? { onDelta: (text: string) => send({ t: "delta", id, text }) } : {}),
        },
        progress,
      );
    }
    case "countTokens":
      return engine.countTokens(call.text, signal);
    case "prepareConstraint":
      await engine.prepareConstraint(call.constraint, signal);
      return null;
    case "embeddings":
      return engine.embeddings({
        input: call.input,
        signal,
        ...(call.model === undefined ? {} : { model: call.model }),
        ...(call.dimensions === undefined ? {} : { dimensions: call.dimensions }),
      });
    case "health":
      return engine.health(signal);
    case "stats":
      return engine.stats();
  }
}

const hoard: unknown[] = [];

function fault(message: Extract<ToHost, { t: "fault" }>): void {
  if (!faults) return;
  switch (message.fault) {
    case "crash":
      process.kill(process.pid, message.signal);
      return;
    case "block": {
      // Holds the event loop, as native code that does not return would.
      const until = performance.now() + message.ms;
      while (performance.now() < until) {}
      return;
    }
    case "rss": {
      // In steps, so that the event loop (and the progress beat) keeps running meanwhile.
      let left = message.mb;
      const step = () => {
        hoard.push(Buffer.alloc(Math.min(left, 32) * 1024 * 1024, 1));
        left -= 32;
        if (left > 0) setImmediate(step);
      };
      step();
      return;
    }
    case "heap": {
      // Large arrays: the heap fills in a few steps, before garbage collection thrashes.
      const grow = () => {
        hoard.push(new Array(2_000_000).fill(0.5));
        setImmediate(grow);
      };
      grow();
      return;
    }
  }
}

process.on("message", (message: ToHost) => {
  switch (message.t) {
    case "init":
      void init(message);
      return;
    case "cancel":
      running.get(message.id)?.abort(new DeliberateError("cancelled", "the request was cancelled"));
      return;
    case "fault":
      fault(message);
      return;
    case "call": {
      const { t: _t, id, ...call } = message;
      const controller = new AbortController();
      running.set(id, controller);
      serve(id, call, controller.signal)
        .then(
          (value) => send({ t: "done", id, value }),
          (err: unknown) => send({ t: "fail", id, error: toWire(toDeliberateError(err, controller.signal)) }),
        )
        .finally(() => running.delete(id));
      return;
    }
  }
});

// The parent going away ends the host: nobody is left to answer.
process.on("disconnect", () => {
  void engine?.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
