/**
 * The definitions a lowered schema refers to, as the converter registers them. A refusal may be
 * caught (an optional property or a union branch left out), so what was registered meanwhile is
 * rolled back: unfinished definitions, and finished ones that refer to a dropped one. Finished,
 * self-contained ones stay, so that a union trying its branches in turn does not convert them
 * again (which grows exponentially with nesting). Refusals are remembered for the same reason.
 */
import type { GrammarError } from "./errors.js";
import type { Out } from "./json-schema-common.js";
import { setOwn } from "./json-schema-common.js";

/** The definition names a lowered schema refers to. */
function refsOf(out: unknown, found: string[] = []): string[] {
  if (Array.isArray(out)) for (const v of out) refsOf(v, found);
  else if (typeof out === "object" && out !== null) {
    for (const [k, v] of Object.entries(out)) {
      if (k === "$ref" && typeof v === "string") found.push(v.replace(/^#\/\$defs\//, ""));
      else refsOf(v, found);
    }
  }
  return found;
}

export class Definitions {
  readonly out: Record<string, Out> = {};
  /** Definitions in the order they were registered. */
  private readonly added: string[] = [];
  private readonly complete = new Set<string>();
  private readonly failed = new Map<string, GrammarError>();

  mark(): number {
    return this.added.length;
  }

  /**
   * Registers a definition (a placeholder first, so that a recursive one terminates) and builds
   * it; a definition already registered is not built again, one refused before is refused again.
   */
  register(name: string, build: () => Out, isRefusal: (err: unknown) => err is GrammarError): void {
    const failed = this.failed.get(name);
    if (failed) throw failed;
    if (Object.hasOwn(this.out, name)) return;
    setOwn(this.out, name, {});
    this.added.push(name);
    try {
      Object.assign(this.out[name]!, build());
      this.complete.add(name);
    } catch (err) {
      if (isRefusal(err)) this.failed.set(name, err);
      throw err;
    }
  }

  /** Drops what was registered since `mark` and cannot stay (see the file comment). */
  rollback(mark: number): void {
    const since = this.added.splice(mark);
    const gone = new Set(since.filter((name) => !this.complete.has(name)));
    for (let changed = true; changed; ) {
      changed = false;
      for (const name of since) {
        if (gone.has(name) || !refsOf(this.out[name]).some((r) => gone.has(r))) continue;
        gone.add(name);
        changed = true;
      }
    }
    for (const name of gone) {
      delete this.out[name];
      this.complete.delete(name);
    }
    this.added.push(...since.filter((name) => !gone.has(name)));
  }
}
