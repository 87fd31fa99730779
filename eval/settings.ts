/** The grid an eval runs: efforts × reflection on/off (`none` has no reflection, so it runs once). */
import { EFFORTS, type ThinkingEffort } from "../core/protocol.js";

export interface Setting {
  /** `none`, `low`, `low-noreflect`, ... */
  name: string;
  effort: ThinkingEffort;
  reflection: boolean;
}

export function parseEfforts(text: string): ThinkingEffort[] {
  const efforts = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const e of efforts) {
    if (!(EFFORTS as readonly string[]).includes(e)) {
      throw new Error(`--efforts: unknown effort "${e}" (use ${EFFORTS.join(", ")})`);
    }
  }
  if (efforts.length === 0) throw new Error("--efforts: give at least one effort");
  return [...new Set(efforts)] as ThinkingEffort[];
}

export function parseReflection(text: string): boolean[] {
  const values = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const out = values.map((v) => {
    if (v === "on") return true;
    if (v === "off") return false;
    throw new Error(`--reflection: "${v}" is not on or off`);
  });
  if (out.length === 0) throw new Error("--reflection: give on, off or on,off");
  return [...new Set(out)];
}

export function settingsGrid(efforts: ThinkingEffort[], reflection: boolean[]): Setting[] {
  const grid: Setting[] = [];
  for (const effort of efforts) {
    if (effort === "none") {
      grid.push({ name: "none", effort, reflection: false });
      continue;
    }
    for (const on of reflection)
      grid.push({ name: on ? effort : `${effort}-noreflect`, effort, reflection: on });
  }
  return grid;
}
