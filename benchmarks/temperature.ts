/**
 * `npm run bench -- temperature --checkpoint DIR [--temperatures 1.0,1.2,1.4,1.6] [--states 8] [--group 8]`:
 * how a trained policy's sampled success depends on the sampling temperature, in GRPO's terms: G episodes
 * from each of the first `states` train init states of each of the checkpoint's tasks (the groups of one RL
 * draw), with the success rate and the number of mixed groups, the only ones dynamic sampling keeps. The
 * original samples at 1.6 (a pretrained 7B model's distributions are peaked); this prints what that
 * temperature does to ours. Needs a run's checkpoint (an sft/ or rl/ folder); without one it says so and
 * skips.
 */
import os from "node:os";
import { keepGroup } from "../algorithms/dynamicSampling.ts";
import { collectRollouts } from "../algorithms/rollout/collect.ts";
import { selectBackend } from "../models/backend.ts";
import { loadVla } from "../models/checkpoint.ts";
import { getSuite } from "../sim/tasks/registry.ts";
import { readExtras } from "../src/pipeline/policy.ts";
import { createPool, initStateId, taskKey, taskLookup } from "../src/pipeline/taskEnvs.ts";
import { flag } from "./lib/args.ts";
import { machineLine, printTable, type Cell } from "./lib/table.ts";

const dir = flag("checkpoint", "");
if (!dir) {
  console.log("temperature: skipped, it needs a trained policy: --checkpoint DIR (a run's sft/ or rl/ folder).");
  process.exit(0);
}
const temperatures = flag("temperatures", "1.0,1.2,1.4,1.6").split(",").map(Number);
const states = Number(flag("states", "8"));
const G = Number(flag("group", "8"));
const workers = Number(flag("workers", String(os.cpus().length)));
const backend = await selectBackend(flag("backend", "wasm"));

console.log(machineLine());
const { model, checkpoint } = loadVla(dir);
const extras = readExtras(checkpoint.extras, dir);
const suite = extras.suite;
const maxSteps = getSuite(suite).maxSteps;
const groups = extras.tasks.flatMap((task) =>
  Array.from({ length: states }, (_, i) => ({ taskKey: taskKey(suite, task), initStateId: initStateId(suite, task, "train", i) })),
).map((g, groupId) => ({ ...g, groupId }));
const pool = await createPool({ suite, maxSteps, tasks: extras.tasks, envs: Math.min(groups.length * G, Math.max(8, 4 * workers)), groupSize: G, workers });
const rows: Cell[][] = [];
try {
  for (const temperature of temperatures) {
    const t0 = performance.now();
    const result = await collectRollouts({
      pool, model, tokenizer: extras.tokenizer, stats: extras.stats, ...taskLookup({ suite, maxSteps }),
      groups, groupSize: G, temperature, rlStep: 1, seed: 0, framesPerEpisode: 0,
    });
    const outcomes = groups.map((_, g) => result.rollouts.slice(g * G, (g + 1) * G).map((r) => r.success));
    const wins = outcomes.map((o) => o.filter(Boolean).length);
    const total = wins.reduce((a, b) => a + b, 0);
    const mixed = outcomes.filter((o) => keepGroup(o)).length;
    rows.push([
      temperature.toFixed(1), `${total}/${groups.length * G}`, `${((100 * total) / (groups.length * G)).toFixed(0)}%`,
      `${mixed}/${groups.length}`, wins.join(" "), ((performance.now() - t0) / 1000).toFixed(0),
    ]);
  }
} finally {
  await pool.close();
  model.dispose();
}
printTable(
  `sampled success of ${dir} (${extras.stage} step ${extras.step}) on ${suite} tasks ${extras.tasks.join(",")}: ${G} episodes from each of train init states 0..${states - 1}`,
  ["temperature", "successes", "rate", "kept groups", "successes per group", "s"],
  rows,
  [`backend ${backend}, ${workers} env workers. The original samples at 1.6; kept groups: those dynamic sampling keeps (success rate in [0.1, 0.9]).`],
);
