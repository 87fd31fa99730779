/** A small Dockerfile and .dockerignore reader for the packaging tests (no Docker engine here). */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

/** Joins backslash continuations, drops comments and blank lines. */
export function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (!buf && (line.trim() === "" || line.trim().startsWith("#"))) return;
    if (buf && line.trim().startsWith("#")) return; // comments inside a continuation are skipped too
    if (!buf) start = i + 1;
    if (line.endsWith("\\")) {
      buf += `${line.slice(0, -1)} `;
      return;
    }
    buf += line;
    const m = /^\s*(\S+)\s*(.*)$/s.exec(buf)!;
    out.push({ keyword: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start });
    buf = "";
  });
  return out;
}

export function stages(instructions: Instruction[]): Stage[] {
  const result: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw new Error(`line ${ins.line}: cannot read FROM ${ins.args}`);
      result.push({ image: m[1]!, name: m[2], instructions: [] });
    } else if (result.length > 0) {
      result.at(-1)!.instructions.push(ins);
    }
  }
  return result;
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
}

export function parseCopy(args: string): Copy {
  const words = args.split(/\s+/);
  let from: string | undefined;
  const rest: string[] = [];
  for (const w of words) {
    if (w.startsWith("--from=")) from = w.slice("--from=".length);
    else if (!w.startsWith("--")) rest.push(w);
  }
  return { from, sources: rest.slice(0, -1), dest: rest.at(-1)! };
}

/** True when a .dockerignore pattern list excludes `file` (relative to the context) or a folder above it. */
export function dockerIgnored(patterns: string[], file: string): boolean {
  const parts = file.replace(/^\.\//, "").split("/");
  const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith("!");
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+/, "").replace(/\/+$/, "");
    const re = new RegExp(
      `^${pattern
        .split("**")
        .map((p) =>
          p
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]"),
        )
        .join(".*")
        .replace(/\.\*\//g, "(?:.*/)?")}$`,
    );
    if (candidates.some((c) => re.test(c))) ignored = !negate;
  }
  return ignored;
}

export function readIgnore(text: string): string[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}
