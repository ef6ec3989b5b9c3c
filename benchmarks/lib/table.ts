/**
 * Plain-text tables for benchmark output: every benchmark prints one or more of these, with the machine
 * it ran on, so that a number in BENCHMARKS.md can always be traced back to the command that printed it.
 */
import os from "node:os";

export type Cell = string | number;

/** Formats a number with a fixed count of significant digits, leaving integers ≥ 1000 whole. */
export function fmt(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString("en-US");
  return Number(x.toPrecision(digits)).toString();
}

/** Prints `rows` under `header` as an aligned Markdown table preceded by a `### title` line. */
export function printTable(title: string, header: string[], rows: Cell[][], notes: string[] = []): void {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => String(r[j] ?? "").length)));
  const line = (r: Cell[]) => "| " + r.map((c, j) => String(c ?? "").padEnd(widths[j])).join(" | ") + " |";
  const out = [`### ${title}`, "", line(cells[0]), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|"];
  for (const r of cells.slice(1)) out.push(line(r));
  for (const n of notes) out.push("", n);
  console.log(out.join("\n") + "\n");
}

/** One line naming the machine, for the top of every benchmark's output. */
export function machineLine(): string {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `machine: ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/** Runs `fn` repeatedly for at least `minMs` (after `warmup` calls) and returns mean milliseconds per call. */
export async function timeIt(fn: () => unknown | Promise<unknown>, minMs = 1000, warmup = 2): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return (performance.now() - t0) / n;
}
