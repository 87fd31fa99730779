/**
 * The documents name files of the repository as they are: every relative link in a tracked Markdown file, and
 * every backticked path under one of the repository's top-level folders (`core/...`, `handlers/...`), exists.
 * Build outputs (`dist/`) and globs are not files of the repository and are skipped.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "./support/server-process.js";

const tracked = execFileSync("git", ["ls-files", "*.md"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
const topLevel = new Set(readdirSync(ROOT).filter((name) => name !== "dist" && name !== "node_modules"));

function namedPaths(markdown: string): string[] {
  const links = [...markdown.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!);
  const backticked = [...markdown.matchAll(/`((?:\.\/)?[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.*-]+)+\/?)`/g)]
    .map((m) => m[1]!)
    .filter((p) => topLevel.has(p.replace(/^\.\//, "").split("/")[0]!));
  return [...links.filter((l) => !/^[a-z]+:/.test(l)), ...backticked].filter(
    (p) => !p.includes("*") && !p.startsWith("/"),
  );
}

describe("paths named in the documents", () => {
  it.each(tracked)("%s names only files that exist", (file) => {
    const dir = path.dirname(path.join(ROOT, file));
    const missing = namedPaths(readFileSync(path.join(ROOT, file), "utf8")).filter(
      (p) => !existsSync(path.join(dir, p)) && !existsSync(path.join(ROOT, p)),
    );
    expect(missing).toEqual([]);
  });
});
