/**
 * `npm run demos -- --suite libero_10 [--tasks 0,3|all] [--per-task 1] [--out data/demos] [--seed 0] [--max-steps N] [--workers N]`:
 * demonstrations by the scripted expert (src/demos/generate.ts), one file per task in `<out>/<suite>/`,
 * then the suite's `dataset_statistics.json`. Ends with a table per task: demos, the expert's successes
 * over its attempts (its success rate on this task) and the mean episode length. Runs again resume: tasks
 * already written are kept.
 */
import os from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { DEFAULT_DEMO_ROOT } from "../../sim/dataset/format.ts";
import { INIT_STATES_PER_SPLIT } from "../../sim/tasks/initStateId.ts";
import { getSuite, listSuites } from "../../sim/tasks/registry.ts";
import { ensureDemos, type TaskDemos } from "../demos/generate.ts";
import { formatDuration, progress, type Progress } from "../progress.ts";
import { onInterrupt, runCli, UserError } from "./errors.ts";

const HELP = `Usage: npm run demos -- --suite SUITE [options]

Makes demonstrations with the scripted expert: <out>/<suite>/task<id>.demos and dataset_statistics.json.
Tasks already written with the same settings are kept, so an interrupted run resumes where it stopped.

  --suite SUITE     ${listSuites().join(" | ")} (required)
  --tasks LIST      task ids, e.g. 0,3,5, or "all" (default all)
  --per-task N      successful demos per task, 1..${INIT_STATES_PER_SPLIT} (default 1: traj1)
  --out DIR         dataset root (default ${DEFAULT_DEMO_ROOT})
  --seed S          chooses the init states and the expert's style, 0..4294967295 (default 0)
  --max-steps N     steps an expert attempt has to reach the goal (default and most: the suite's step
                    limit, ${listSuites().map((s) => getSuite(s).maxSteps).join(" / ")}); a lower limit keeps only quicker demos
  --workers N       worker threads (default: CPU cores, ${os.cpus().length} here)
  --help            this text
`;

export interface DemosArgs {
  suite: string;
  tasks: number[];
  perTask: number;
  out: string;
  seed: number;
  /** the step limit of an expert attempt (the suite's unless --max-steps lowers it) */
  maxSteps: number;
  workers: number;
}

/** The command line as settings; every bad flag or value is a UserError saying what would be right. */
export function parseDemosArgs(argv: string[]): DemosArgs | "help" {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        suite: { type: "string" }, tasks: { type: "string" }, "per-task": { type: "string" }, out: { type: "string" },
        seed: { type: "string" }, "max-steps": { type: "string" }, workers: { type: "string" }, help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UserError(`${(err as Error).message.split("\n")[0]} (see npm run demos -- --help)`);
  }
  if (values.help) return "help";
  const suite = values.suite as string | undefined;
  if (suite === undefined) throw new UserError(`--suite is required; one of ${listSuites().join(", ")}.`);
  if (!(listSuites() as readonly string[]).includes(suite)) throw new UserError(`Unknown suite "${suite}"; the suites are ${listSuites().join(", ")}.`);
  return {
    suite,
    tasks: parseTasks(values.tasks as string | undefined, getSuite(suite).tasks.length, suite),
    perTask: integer(values["per-task"] as string | undefined, "--per-task", 1, 1, INIT_STATES_PER_SPLIT),
    out: (values.out as string | undefined) ?? DEFAULT_DEMO_ROOT,
    seed: integer(values.seed as string | undefined, "--seed", 0, 0, 0xffff_ffff),
    maxSteps: integer(values["max-steps"] as string | undefined, "--max-steps", getSuite(suite).maxSteps, 1, getSuite(suite).maxSteps),
    workers: integer(values.workers as string | undefined, "--workers", os.cpus().length, 1, 1024),
  };
}

/** `all` (or nothing) → every task; `0,3,5` → those, each checked against the suite's size. */
function parseTasks(text: string | undefined, count: number, suite: string): number[] {
  if (text === undefined || text === "all") return Array.from({ length: count }, (_, i) => i);
  const ids = text.split(",").map((part) => {
    const t = part.trim();
    if (!/^\d+$/.test(t) || Number(t) >= count) throw new UserError(`--tasks: "${t}" is not a task of ${suite}; give ids 0..${count - 1} separated by commas, or "all".`);
    return Number(t);
  });
  if (new Set(ids).size !== ids.length) throw new UserError(`--tasks ${text} names a task twice; give each once.`);
  return ids;
}

function integer(text: string | undefined, flag: string, fallback: number, lo: number, hi: number): number {
  if (text === undefined) return fallback;
  const n = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < lo || n > hi) throw new UserError(`${flag} is "${text}"; use an integer ${lo}..${hi}.`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const args = parseDemosArgs(argv);
  if (args === "help") {
    process.stdout.write(HELP);
    return;
  }
  const suite = getSuite(args.suite);
  const abort = new AbortController();
  const offInterrupt = onInterrupt(() => abort.abort());
  const t0 = performance.now();
  let bar: Progress | undefined;
  try {
    const result = await ensureDemos({
      suite: args.suite, tasks: args.tasks, perTask: args.perTask, root: args.out, seed: args.seed, maxSteps: args.maxSteps, workers: args.workers,
      signal: abort.signal,
      onProgress: (e) => {
        if (e.kind === "start") {
          const kept = e.keep.length ? `, ${e.keep.length} already there` : "";
          process.stdout.write(`${args.suite}: ${args.perTask} demo(s) for ${e.generate.length} task(s) on ${e.workers} worker(s)${kept}\n`);
          if (e.replace.length) {
            process.stdout.write(`replacing the files of task(s) ${e.replace.join(",")}: they hold demos made with another --seed, --per-task or --max-steps, by another revision of the expert and init states, or are damaged\n`);
          }
          if (e.episodes > 0) bar = progress("demos", e.episodes);
        }
        if (e.kind === "episode" && e.kept) bar?.tick(1, { task: e.taskId, steps: e.steps });
      },
    });
    bar?.done();
    bar = undefined;
    process.stdout.write(taskTable(result.tasks, (id) => suite.tasks[id].instruction));
    process.stdout.write(`statistics: ${result.statisticsPath}\ntook ${formatDuration((performance.now() - t0) / 1000)}\n`);
  } finally {
    bar?.done();
    offInterrupt();
  }
}

/** One row per task: status, demos, expert successes / attempts (its success rate), mean steps. */
export function taskTable(rows: TaskDemos[], instruction: (taskId: number) => string): string {
  const lines = [["task", "status", "demos", "expert ok/tries", "rate", "mean steps", "instruction"]];
  let ok = 0;
  let tries = 0;
  for (const r of rows) {
    ok += r.count;
    tries += r.attempts;
    lines.push([String(r.taskId), r.status, String(r.count), `${r.count}/${r.attempts}`, percent(r.count, r.attempts), r.meanSteps.toFixed(1), instruction(r.taskId)]);
  }
  lines.push(["all", "", String(ok), `${ok}/${tries}`, percent(ok, tries), "", ""]);
  const widths = lines[0].map((_, c) => Math.max(...lines.map((l) => l[c].length)));
  return lines.map((l) => l.map((cell, c) => (c === l.length - 1 ? cell : cell.padEnd(widths[c]))).join("  ").trimEnd()).join("\n") + "\n";
}

function percent(a: number, b: number): string {
  return b > 0 ? `${((100 * a) / b).toFixed(0)}%` : "-";
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await runCli(main);
