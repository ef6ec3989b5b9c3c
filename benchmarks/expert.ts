/**
 * `npm run bench -- expert [--suites libero_spatial,libero_object] [--tasks 3,5] [--trials 5]`: the scripted
 * expert's success rate per task (every task of each suite, or only the ids `--tasks` lists) on the first
 * `trials` train init states of each task, within the suite's step limit (`--max-steps n` raises it, to see how
 * long a failing plan would need), with
 * the mean demo length and the reason of each failure (the plan gave up, or the step limit ran out; with the
 * goal atoms that held at the end). Targets (issue 5): ≥ 95% per task on spatial/object/goal/10, ≥ 90% on 90.
 */
import { makeTaskEnv } from "../sim/tasks/taskEnv.ts";
import { demonstrate } from "../sim/expert/executor.ts";
import { getSuite, listSuites } from "../sim/tasks/registry.ts";
import { evaluateGoal } from "../sim/tasks/predicates.ts";
import { machineLine, printTable, type Cell } from "./lib/table.ts";
import { flag } from "./lib/args.ts";

const quick = process.argv.includes("--quick");
const suites = flag("suites", quick ? "libero_spatial" : listSuites().join(",")).split(",");
const trials = Number(flag("trials", quick ? "2" : "5"));
const only = flag("tasks", "");
const taskIds = only === "" ? undefined : new Set(only.split(",").map(Number));
const stepLimit = flag("max-steps", "");
console.log(machineLine());
for (const suite of suites) {
  const rows: Cell[][] = [];
  let ok = 0;
  let all = 0;
  const t0 = performance.now();
  for (const task of getSuite(suite).tasks) {
    if (taskIds && !taskIds.has(task.id)) continue;
    const te = await makeTaskEnv(suite, task.id, stepLimit === "" ? {} : { maxSteps: Number(stepLimit) });
    let wins = 0;
    const lengths: number[] = [];
    const failures: string[] = [];
    for (let i = 0; i < trials; i++) {
      const run = demonstrate(te, i, `bench/${suite}/${task.id}/${i}`);
      if (run.success) {
        wins++;
        lengths.push(run.steps.length);
      } else {
        const atoms = evaluateGoal(te.task, te.world).atoms.map((a) => (a.holds ? "1" : "0")).join("");
        failures.push(`${run.planEnded ? "gave up" : "step limit"} (${atoms})`);
      }
    }
    te.dispose();
    ok += wins;
    all += trials;
    const mean = lengths.length ? lengths.reduce((a, b) => a + b, 0) / lengths.length : NaN;
    rows.push([task.id, `${wins}/${trials}`, Number.isFinite(mean) ? mean.toFixed(0) : "—", failures.join(", ") || "—", task.instruction]);
  }
  const minutes = (performance.now() - t0) / 60000;
  printTable(
    `expert on ${suite}: ${ok}/${all} = ${((100 * ok) / all).toFixed(0)}% (train init states 0..${trials - 1}, step limit ${stepLimit || getSuite(suite).maxSteps})`,
    ["task", "success", "mean steps", "failures (goal atoms held)", "instruction"],
    rows,
    [`${all} episodes in ${minutes.toFixed(1)} min on one thread (includes init-state sampling and rendering every step).`],
  );
}
