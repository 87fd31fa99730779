/** A progress line on stderr: redrawn in place on a terminal, a line per tenth elsewhere. */
import type { EvalRecord } from "./record.js";

export function progressReporter(stream: NodeJS.WriteStream = process.stderr) {
  const started = Date.now();
  const counts = { ok: 0, invalid: 0, failed: 0 };
  let lastTenth = -1;
  return (record: EvalRecord, done: number, total: number) => {
    counts[record.status]++;
    const share = done / total;
    const elapsed = (Date.now() - started) / 1000;
    const rate = (counts.ok + counts.invalid + counts.failed) / Math.max(elapsed, 1e-3);
    const eta = rate > 0 ? Math.round((total - done) / rate) : 0;
    const width = 30;
    const bar = "#".repeat(Math.round(share * width)).padEnd(width, "-");
    const text = `[${bar}] ${done}/${total}  ok ${counts.ok}  invalid ${counts.invalid}  failed ${counts.failed}  eta ${eta}s`;
    if (stream.isTTY) {
      stream.write(`\r${text}${done === total ? "\n" : ""}`);
    } else if (Math.floor(share * 10) > lastTenth || done === total) {
      lastTenth = Math.floor(share * 10);
      stream.write(`${text}\n`);
    }
  };
}
