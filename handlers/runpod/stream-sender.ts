/**
 * Sends a job's streamed items one POST at a time, in order. Deltas that pile up while a POST is in
 * flight are merged (same step), so a fast engine costs a few POSTs rather than one per token.
 */
import type { StreamItem } from "./job-handler.js";

export class StreamSender {
  private readonly queue: StreamItem[] = [];
  private draining: Promise<void> | undefined;
  sent = 0;

  constructor(private readonly send: (item: StreamItem) => Promise<unknown>) {}

  push(item: StreamItem): void {
    const last = this.queue.at(-1);
    if (
      typeof last === "object" &&
      typeof item === "object" &&
      last.type === "completion.delta" &&
      item.type === "completion.delta" &&
      last.step === item.step
    ) {
      last.text += item.text;
    } else {
      this.queue.push(typeof item === "object" ? { ...item } : item);
    }
    this.draining ??= this.drain();
  }

  private async drain(): Promise<void> {
    for (let item = this.queue.shift(); item; item = this.queue.shift()) {
      await this.send(item).catch(() => undefined);
      this.sent++;
    }
    this.draining = undefined;
  }

  /** Resolves once every pushed item has been sent (or failed). */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
  }
}
