/**
 * `npm run eval -- --checkpoint DIR [--suite S] [--trials 50] [--split heldout|train] [--tasks 0,3|all]
 *                  [--max-steps N] [--workers N] [--policy-threads N] [--backend B] [--out DIR]`
 *
 * Greedy evaluation of a checkpoint written by `npm run train` (its sft/ or rl/ folder): one episode per
 * init state 0..trials−1 of the split for every task, a per-task success table on stdout, results as
 * `eval.json` and a success and a failure GIF per task in `--out` (default: `<checkpoint>-eval/`, next to
 * the checkpoint, never inside it: a checkpoint folder is replaced whole on the next save).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { defaultPolicyThreads, startPolicyThreads } from "../../algorithms/rollout/parallelPolicy.ts";
import { selectBackend } from "../../models/backend.ts";
import { loadVla } from "../../models/checkpoint.ts";
import { getSuite, isSuiteName, listSuites } from "../../sim/tasks/registry.ts";
import { runEvaluation } from "../pipeline/evalStage.ts";
import { readExtras } from "../pipeline/policy.ts";
import { hasCheckpoint } from "../pipeline/runDir.ts";
import { createPool } from "../pipeline/taskEnvs.ts";
import { formatInterval, wilsonInterval } from "../report/wilson.ts";
import { runCli, UserError } from "./errors.ts";

const HELP = `Usage: npm run eval -- --checkpoint DIR [options]

Greedy evaluation of a training checkpoint (a run's sft/ or rl/ folder) on LIBERO init states.

  --checkpoint <dir>      checkpoint folder (required)
  --suite <name>          suite to evaluate (default: the checkpoint's); ${listSuites().join(", ")}
  --tasks <ids|all>       task ids, e.g. 0,3,5 or 0-4 (default: the checkpoint's tasks)
  --trials <n>            init states per task, indices 0..n-1 (default 50, at most 50)
  --split <heldout|train> init states to use (default heldout: never seen in training)
  --max-steps <n|auto>    counted steps per episode (default auto: the suite's limit)
  --workers <n>           env worker threads (default: one per CPU core)
  --policy-threads <n>    threads for the forward passes on a CPU backend (default 2 on 2+ cores; same result)
  --backend <name>        tfjs backend: auto, tensorflow, webgpu, wasm, cpu (default auto)
  --out <dir>             where eval.json and the GIFs go (default <checkpoint>-eval)
  --help                  show this text
`;

function positiveInt(flag: string, value: string, max = Infinity): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > max) throw new UserError(`--${flag} must be an integer 1..${max === Infinity ? "" : max}, got "${value}"`);
  return n;
}

function parseTaskIds(value: string, count: number, suite: string): number[] {
  if (value === "all") return Array.from({ length: count }, (_, i) => i);
  const ids: number[] = [];
  for (const part of value.split(",")) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new UserError(`--tasks must be ids like 0,3,5 or 0-4, or "all"; got "${value}"`);
    const [a, b] = [Number(m[1]), Number(m[2] ?? m[1])];
    for (let k = a; k <= b; k++) ids.push(k);
  }
  const bad = ids.find((id) => id >= count);
  if (bad !== undefined) throw new UserError(`task id ${bad} does not exist in ${suite}; valid ids are 0..${count - 1}`);
  return [...new Set(ids)];
}

async function main(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        checkpoint: { type: "string" }, suite: { type: "string" }, tasks: { type: "string" }, trials: { type: "string" },
        split: { type: "string" }, "max-steps": { type: "string" }, workers: { type: "string" }, "policy-threads": { type: "string" }, backend: { type: "string" },
        out: { type: "string" }, help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UserError(`${(e as Error).message.split("\n")[0]} (see npm run eval -- --help)`);
  }
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const dir = values.checkpoint;
  if (!dir) throw new UserError("--checkpoint DIR is required: a run's sft/ or rl/ folder, e.g. runs/libero_spatial-small-grpo-s0/rl");
  if (!hasCheckpoint(dir)) throw new UserError(`${dir} is not a checkpoint folder (it has no checkpoint.json); give a run's sft/ or rl/ folder`);
  const split = values.split ?? "heldout";
  if (split !== "heldout" && split !== "train") throw new UserError(`--split must be heldout or train, got "${split}"`);
  const trials = values.trials === undefined ? 50 : positiveInt("trials", values.trials, 50);
  const workers = values.workers === undefined ? Math.max(1, os.cpus().length) : positiveInt("workers", values.workers);
  const policyThreads = values["policy-threads"] === undefined ? defaultPolicyThreads() : positiveInt("policy-threads", values["policy-threads"]);

  await selectBackend(values.backend ?? "auto").catch((e: Error) => {
    throw new UserError(e.message);
  });
  let loaded;
  try {
    loaded = loadVla(dir);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const { model, checkpoint } = loaded;
  try {
    const extras = readExtras(checkpoint.extras, dir);
    const suite = values.suite ?? extras.suite;
    if (!isSuiteName(suite)) throw new UserError(`unknown suite "${suite}"; valid suites: ${listSuites().join(", ")}`);
    const spec = getSuite(suite);
    const tasks = values.tasks !== undefined ? parseTaskIds(values.tasks, spec.tasks.length, suite) : suite === extras.suite ? extras.tasks : spec.tasks.map((t) => t.id);
    const maxSteps = values["max-steps"] === undefined || values["max-steps"] === "auto" ? spec.maxSteps : positiveInt("max-steps", values["max-steps"]);
    const out = values.out ?? `${path.resolve(dir)}-eval`;
    const episodes = tasks.length * trials;
    console.log(`evaluating ${dir} (${extras.stage} step ${extras.step}) on ${suite} tasks ${tasks.join(",")}: ${trials} ${split} init states each, ${maxSteps} steps, greedy`);

    const pool = await createPool({ suite, maxSteps, tasks, envs: Math.min(episodes, Math.max(8, 4 * workers)), groupSize: trials, workers });
    const parallel = await startPolicyThreads(model, policyThreads);
    let result;
    try {
      result = await runEvaluation({
        pool, model: parallel ?? model, tokenizer: extras.tokenizer, stats: extras.stats, suite, tasks, maxSteps, trials,
        split, step: extras.stage === "rl" ? extras.step : 0, videosDir: path.join(out, "videos"), videos: "all", label: "eval",
      });
    } finally {
      await pool.close();
      await parallel?.dispose();
    }

    // Each rate with its Wilson 95% interval: at 5–50 trials per task luck alone moves a rate by 10–40 points.
    const line = (id: string, name: string, successes: number, trials: number) =>
      `${id.padStart(4)}  ${name}  ${`${successes}/${trials}`.padStart(7)} ${`${((100 * successes) / trials).toFixed(1)}%`.padStart(6)}  ${formatInterval(wilsonInterval(successes, trials)).padStart(11)}`;
    const nameWidth = Math.min(70, Math.max(4, ...tasks.map((id) => spec.tasks[id].instruction.length)));
    const cut = (s: string) => (s.length > nameWidth ? `${s.slice(0, nameWidth - 1)}…` : s.padEnd(nameWidth));
    console.log(`\n${"task".padStart(4)}  ${"instruction".padEnd(nameWidth)}  success  (95% interval)`);
    for (const id of tasks) {
      const t = result.perTask.get(id)!;
      console.log(line(String(id), cut(spec.tasks[id].instruction), t.successes, t.trials));
    }
    const total = tasks.reduce((n, id) => n + result.perTask.get(id)!.successes, 0);
    console.log(line("all", "".padEnd(nameWidth), total, episodes));

    fs.mkdirSync(out, { recursive: true });
    const summary = {
      checkpoint: path.resolve(dir), stage: extras.stage, step: extras.step, suite, split, trials, maxSteps,
      successRate: result.successRate,
      interval95: wilsonInterval(total, episodes),
      perTask: Object.fromEntries([...result.perTask].map(([id, t]) => [id, { ...t, interval95: wilsonInterval(t.successes, t.trials) }])),
      videos: result.videos.map((v) => path.relative(out, v)),
    };
    fs.writeFileSync(path.join(out, "eval.json"), `${JSON.stringify(summary, null, 2)}\n`);
    console.log(`\nresults: ${path.join(out, "eval.json")}; ${result.videos.length} GIFs in ${path.join(out, "videos")}`);
  } finally {
    model.dispose();
  }
}

await runCli(main);
