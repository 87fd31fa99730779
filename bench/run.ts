/**
 * `npm run bench`: runs every bench module in bench/ (each *.ts but this runner, *-support.ts and
 * files starting with "_"), one child process at a time so that none disturbs another's figures,
 * streams their output, and ends with a summary of the `RESULT {json}` lines they print.
 *   npm run bench                 all benches
 *   npm run bench -- server       only those whose file name contains "server"
 * Never part of the tests: figures depend on the machine.
 */
import { spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");

export function benchModules(dir: string, filters: string[] = []): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.endsWith("-support.ts") && !f.startsWith("_"))
    .filter((f) => !f.endsWith(".test.ts") && !f.endsWith(".d.ts"))
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
}

function runOne(file: string, results: Record<string, unknown>[]): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join("bench", file)], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    createInterface({ input: child.stdout! }).on("line", (line) => {
      if (line.startsWith("RESULT ")) {
        try {
          results.push({ file, ...JSON.parse(line.slice(7)) });
        } catch {
          // not ours: print as is
        }
      }
      process.stdout.write(`${line}\n`);
    });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

async function main(): Promise<number> {
  const files = benchModules(here, process.argv.slice(2));
  if (files.length === 0) {
    console.error("bench: no bench module matches");
    return 1;
  }
  const results: Record<string, unknown>[] = [];
  const exits: [string, number][] = [];
  for (const file of files) {
    console.log(`\n=== ${file} ===`);
    exits.push([file, await runOne(file, results)]);
  }
  console.log("\n=== summary ===");
  for (const [file, code] of exits) {
    const mine = results.filter((r) => r.file === file);
    console.log(`${code === 0 ? "ok  " : `FAIL(${code})`} ${file}`);
    for (const r of mine) {
      const { file: _f, name, ...figures } = r;
      console.log(
        `     ${name}: ${Object.entries(figures)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ")}`,
      );
    }
  }
  return exits.every(([, code]) => code === 0) ? 0 : 1;
}

process.exitCode = await main();
