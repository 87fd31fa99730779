import { describe, expect, it } from "vitest";
import { DeliberateError } from "./errors.js";
import { JobQueue } from "./queue.js";
import { generateKey } from "./seal.js";

function gate() {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

describe("JobQueue", () => {
  it("runs up to the concurrency, queues the rest with positions, refuses beyond the bound", async () => {
    const queue = new JobQueue({ maxConcurrency: 2, maxQueue: 2, key: generateKey() });
    const gates = [gate(), gate(), gate(), gate()];
    const positions: number[] = [];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      queue.run(
        { n: i },
        async (p) => {
          started.push(p.n);
          await g.promise;
          return p.n * 10;
        },
        { onQueued: (pos) => positions.push(pos) },
      ),
    );
    expect(positions).toEqual([0, 0, 1, 2]);
    expect(queue.stats()).toEqual({ running: 2, waiting: 2 });
    await expect(queue.run({}, async () => 1)).rejects.toMatchObject({ code: "queue_full" });

    gates[0]!.open();
    expect(await runs[0]).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    for (const g of gates) g.open();
    expect(await Promise.all(runs)).toEqual([0, 10, 20, 30]);
    expect(queue.stats()).toEqual({ running: 0, waiting: 0 });
  });

  it("hands the task a copy of the payload that went through the sealed box", async () => {
    const queue = new JobQueue({ maxConcurrency: 1, maxQueue: 1, key: generateKey() });
    const g = gate();
    const first = queue.run({ a: 1 }, async (p) => {
      await g.promise;
      return p;
    });
    const payload = { secret: "s" };
    const second = queue.run(payload, async (p) => p);
    g.open();
    await first;
    const got = await second;
    expect(got).toEqual(payload);
    expect(got).not.toBe(payload);
  });

  it("drops a waiting job whose signal fires, with the signal's reason", async () => {
    const queue = new JobQueue({ maxConcurrency: 1, maxQueue: 4, key: generateKey() });
    const g = gate();
    const first = queue.run(null, () => g.promise);
    const controller = new AbortController();
    let ran = false;
    const second = queue.run(
      null,
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    controller.abort(new DeliberateError("timeout", "deadline"));
    await expect(second).rejects.toMatchObject({ code: "timeout" });
    expect(queue.stats().waiting).toBe(0);
    g.open();
    await first;
    expect(ran).toBe(false);
  });

  it("refuses everything once closed", async () => {
    const queue = new JobQueue({ maxConcurrency: 1, maxQueue: 1, key: generateKey() });
    queue.close(new DeliberateError("shutting_down", "bye"));
    await expect(queue.run(null, async () => 1)).rejects.toMatchObject({ code: "shutting_down" });
  });

  it("frees the slot when a task throws", async () => {
    const queue = new JobQueue({ maxConcurrency: 1, maxQueue: 0, key: generateKey() });
    await expect(queue.run(null, async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    expect(await queue.run(null, async () => 2)).toBe(2);
  });

  it("a raised limit starts waiting tasks at once; a lowered one lets running tasks finish and starts no more", async () => {
    const queue = new JobQueue({ maxConcurrency: 1, maxQueue: 8, key: generateKey() });
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const runs = gates.map((g, i) =>
      queue.run(i, async (n) => {
        started.push(n);
        await g.promise;
        return n;
      }),
    );
    expect(started).toEqual([0]);
    queue.setMaxConcurrency(3);
    expect(queue.maxConcurrency).toBe(3);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    queue.setMaxConcurrency(1);
    gates[0]!.open();
    gates[1]!.open();
    await Promise.all([runs[0], runs[1]]);
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]); // two still run against a limit of one: none starts
    gates[2]!.open();
    await runs[2];
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2, 3]);
    gates[3]!.open();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
  });
});
