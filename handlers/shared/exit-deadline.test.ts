import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs a script that arms an exit deadline, then does `then`; resolves with how it ended. */
function armed(
  then: string,
  ms = 300,
): Promise<{ code: number | null; signal: string | null; ms: number; out: string }> {
  const script = `
    import { armExitDeadline } from "./handlers/shared/exit-deadline.ts";
    import { createLogger } from "./handlers/shared/logger.ts";
    const watchdog = armExitDeadline(${ms}, createLogger("info"));
    ${then}
  `;
  const t0 = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal, ms: performance.now() - t0, out })),
  );
}

describe("the exit deadline", () => {
  it("exits 1 with a log line when something keeps the process alive past it", async () => {
    const ended = await armed("setInterval(() => {}, 1000);");
    expect(ended.code).toBe(1);
    expect(ended.out).toContain("shutdown did not finish in time");
  });

  it("kills the process from its watchdog thread when the main thread is stuck", async () => {
    // Blocked once the watchdog runs, well before the main-thread timer could fire.
    const ended = await armed(
      'setInterval(() => {}, 1000); watchdog.once("online", () => { for (;;) {} });',
      5000,
    );
    expect(ended.signal).toBe("SIGKILL");
  });

  it("does not keep a process alive that ends by itself", async () => {
    const ended = await armed("");
    expect(ended.code).toBe(0);
    expect(ended.ms).toBeLessThan(10_000);
  });
});
