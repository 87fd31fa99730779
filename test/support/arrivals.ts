/**
 * What tests wait on: items as they arrive (messages, recorded requests, output lines), and the
 * first one, already seen or still to come, that matches.
 */
export class Arrivals<T> {
  readonly items: T[] = [];
  private waiters: { match: (item: T) => boolean; resolve: (item: T) => void }[] = [];

  push(item: T): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      if (!w.match(item)) return true;
      w.resolve(item);
      return false;
    });
  }

  /** `timeout` names the error when nothing matching arrives within `timeoutMs`. */
  next(match: (item: T) => boolean, timeoutMs: number, timeout: () => string): Promise<T> {
    const seen = this.items.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(timeout())), timeoutMs);
      this.waiters.push({
        match,
        resolve: (item) => {
          clearTimeout(timer);
          resolve(item);
        },
      });
    });
  }
}
