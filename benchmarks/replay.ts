/**
 * How far one demonstration per task can carry a policy that only memorises it: each task's traj1
 * demonstration (the one the main job fine-tunes on) is replayed open loop, action for action, from other
 * init states of the same task. The held-out rate is what a perfect copy of the demo's actions would score
 * without looking at the image; a policy that reacts to where the objects are can beat it, and one that
 * does not even reproduce its demo falls below it. The original's traj1 SFT (a pretrained 7B VLA) reaches
 * 63.6% on libero_spatial (SIMPLEVLA_RL.md).
 *
 *   npm run bench -- replay [--suite libero_spatial] [--trials 10] [--quick]
 *
 * The demos are the main job's (same seed 0 and selection rule), generated into a temporary folder so that
 * nothing under data/ is touched.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDemos } from "../src/demos/generate.ts";
import { DemoReader } from "../sim/dataset/reader.ts";
import { getSuite, listSuites } from "../sim/tasks/registry.ts";
import { makeTaskEnv, type TaskEnv } from "../sim/tasks/taskEnv.ts";
import { machineLine, printTable, type Cell } from "./lib/table.ts";
import { flag } from "./lib/args.ts";

const quick = process.argv.includes("--quick");
const suite = flag("suite", "libero_spatial");
const trials = Number(flag("trials", quick ? "3" : "10"));
if (!(listSuites() as readonly string[]).includes(suite)) {
  console.error(`Unknown suite '${suite}'; valid suites: ${listSuites().join(", ")}.`);
  process.exit(2);
}
if (!Number.isInteger(trials) || trials < 1 || trials > 50) {
  console.error(`--trials must be an integer in 1..50, got ${flag("trials", "")}.`);
  process.exit(2);
}

/** Replays `actions` ([S·7]) from the init state; true when the task's goal holds at some step. */
function replay(te: TaskEnv, split: "train" | "heldout", index: number, actions: Float32Array): boolean {
  te.env.reset(te.initState(split, index));
  for (let s = 0; s < actions.length / 7; s++) {
    const r = te.env.step(actions.subarray(s * 7, s * 7 + 7));
    if (r.success) return true;
    if (r.done) return false;
  }
  return false;
}

const root = await mkdtemp(join(tmpdir(), "simplevla-replay-"));
try {
  const tasks = getSuite(suite).tasks.map((t) => t.id);
  const demos = await ensureDemos({ suite, tasks, perTask: 1, root, seed: 0, allowMissing: true });
  const rows: Cell[][] = [];
  let heldTotal = 0;
  let trainTotal = 0;
  let counted = 0;
  for (const result of demos.tasks) {
    const taskId = result.taskId;
    if (result.status === "missing") {
      rows.push([taskId, "no demo", "–", "–"]);
      continue;
    }
    const reader = await DemoReader.open(join(root, suite, `task${taskId}.demos`));
    const demo = await reader.readEpisode(0);
    await reader.close();
    const te = await makeTaskEnv(suite, taskId);
    try {
      let held = 0;
      let train = 0;
      for (let i = 0; i < trials; i++) {
        if (replay(te, "heldout", i, demo.actions)) held++;
        // the demo's own train state is skipped: replaying it there is the demo itself
        const trainIndex = i < demo.index ? i : i + 1;
        if (replay(te, "train", trainIndex, demo.actions)) train++;
      }
      heldTotal += held;
      trainTotal += train;
      counted++;
      rows.push([taskId, `train ${demo.index}, ${demo.actions.length / 7} steps`, `${held}/${trials}`, `${train}/${trials}`]);
    } finally {
      te.dispose();
    }
  }
  rows.push(["all", "", `${heldTotal}/${counted * trials} = ${((100 * heldTotal) / (counted * trials)).toFixed(0)}%`, `${trainTotal}/${counted * trials} = ${((100 * trainTotal) / (counted * trials)).toFixed(0)}%`]);
  printTable(
    `replay: ${suite} traj1 demos replayed open loop from other init states (${trials} per split)`,
    ["task", "demo", "held-out success", "other train states"],
    rows,
    [machineLine(), "An upper reference for a policy that copies its one demo blindly; the original's traj1 SFT reaches 63.6% on libero_spatial."],
  );
} finally {
  await rm(root, { recursive: true, force: true });
}
