/** scripts/watchdog.sh speaking supervisord's event-listener protocol (supervisor docs/events.rst). */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./support.js";

const WATCHDOG = path.join(REPO, "scripts/watchdog.sh");

function event(name: string, payload: string): string {
  const header = `ver:3.0 server:supervisor serial:1 pool:watchdog poolserial:1 eventname:${name} len:${Buffer.byteLength(payload)}`;
  return `${header}\n${payload}`;
}

/** Runs the listener under a throwaway `sh` parent (the listener signals its parent, as it would supervisord). */
function runUnderParent(input: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "deliberate-watchdog-"));
  const marker = path.join(dir, "fatal");
  const inputFile = path.join(dir, "events");
  writeFileSync(inputFile, input);
  // The parent announces the listener's end (input exhausted), then waits to be signalled or killed.
  const script = `bash "$0" < "$1" > "$2"; echo listener-done >&2; exec sleep 30`;
  const parent = spawn("sh", ["-c", script, WATCHDOG, inputFile, path.join(dir, "out")], {
    env: { PATH: process.env.PATH!, FATAL_MARKER: marker },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  let listenerDone: () => void;
  const finished = new Promise<void>((resolve) => {
    listenerDone = resolve;
  });
  parent.stderr!.on("data", (d) => {
    stderr += d;
    if (stderr.includes("listener-done")) listenerDone();
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    parent.on("exit", (code, signal) => resolve({ code, signal })),
  );
  return {
    parent,
    done,
    finished,
    marker,
    out: () => readFileSync(path.join(dir, "out"), "utf8"),
    stderr: () => stderr,
  };
}

describe("watchdog listener", () => {
  it("acknowledges other programs' events and leaves supervisord alone", async () => {
    const r = runUnderParent(
      event("PROCESS_STATE_EXITED", "processname:other groupname:other from_state:RUNNING expected:1 pid:42"),
    );
    await r.finished;
    expect(r.parent.exitCode).toBeNull(); // not signalled: still sleeping
    r.parent.kill("SIGKILL");
    await r.done;
    expect(existsSync(r.marker)).toBe(false);
    expect(r.out()).toBe("READY\nRESULT 2\nOKREADY\n");
    expect(r.stderr()).toContain("watchdog: ignoring PROCESS_STATE_EXITED");
  });

  it.each([
    ["PROCESS_STATE_EXITED", "processname:vllm groupname:vllm from_state:RUNNING expected:0 pid:7"],
    ["PROCESS_STATE_FATAL", "processname:orchestrator groupname:orchestrator from_state:BACKOFF"],
    [
      "PROCESS_STATE_EXITED",
      "processname:vllm-embed groupname:vllm-embed from_state:RUNNING expected:0 pid:9",
    ],
  ])("on %s of a critical program writes the marker and signals its parent", async (name, payload) => {
    const r = runUnderParent(event(name, payload));
    expect(await r.done).toEqual({ code: null, signal: "SIGTERM" });
    expect(readFileSync(r.marker, "utf8")).toBe(`${name} ${payload}\n`);
  });

  it("does not mistake a program whose name merely starts like a critical one", async () => {
    const r = runUnderParent(
      event(
        "PROCESS_STATE_EXITED",
        "processname:vllm-sidecar groupname:x from_state:RUNNING expected:0 pid:1",
      ),
    );
    await r.finished;
    expect(r.parent.exitCode).toBeNull();
    r.parent.kill("SIGKILL");
    await r.done;
    expect(existsSync(r.marker)).toBe(false);
  });
});
