/**
 * SFT recipes side by side on the main job's traj1 demos: for each learning-rate variant, a fresh VLA is
 * fine-tuned for the same steps on the same batches, and the table gives its loss and token accuracy along
 * the way, beside the marginal entropy of the target tokens (the loss of a policy that ignores the image and
 * predicts the average action), then its greedy closed-loop success from the demo's own train init state
 * and from held-out ones.
 *
 *   npm run bench -- sft [--suite libero_spatial] [--tasks 3] [--preset small] [--steps 300] [--batch 16]
 *                        [--trials 2] [--variants 3e-4,3e-4:w30:cos] [--backend auto] [--quick]
 *
 * A variant is `lr[:w<warm-up steps>][:cos]` (constant after warm-up unless `cos`; see sftLearningRate).
 * The demos are generated into a temporary folder (seed 0, the main job's selection), so data/ is untouched.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import seedrandom from "seedrandom";
import * as tf from "@tensorflow/tfjs-core";
import { makeSftBatch, sftLearningRate, sftStep, type SftSchedule } from "../algorithms/sft.ts";
import { decodeChunks, encodeChunks } from "../models/actionTokenizer.ts";
import { selectBackend } from "../models/backend.ts";
import { ACTION_SLOTS } from "../models/types.ts";
import { AdamW } from "../models/optim.ts";
import { Vla } from "../models/vla.ts";
import { ensureDemos } from "../src/demos/generate.ts";
import { observationEncoder, projectTextTokenizer, readSuiteActionStats, vlaConfigFor } from "../src/pipeline/policy.ts";
import { loadDemoWindows } from "../src/pipeline/sftStage.ts";
import { DemoReader } from "../sim/dataset/reader.ts";
import { decodeEncodedImage } from "../sim/dataset/record.ts";
import { makeTaskEnv, type TaskEnv } from "../sim/tasks/taskEnv.ts";
import { machineLine, printTable, type Cell } from "./lib/table.ts";
import { flag } from "./lib/args.ts";

const quick = process.argv.includes("--quick");
const suite = flag("suite", "libero_spatial");
const tasks = flag("tasks", "3").split(",").map(Number);
const preset = flag("preset", quick ? "tiny" : "small");
const steps = Number(flag("steps", quick ? "20" : "300"));
const batchSize = Number(flag("batch", quick ? "8" : "16"));
const trials = Number(flag("trials", quick ? "1" : "2"));
const variants = flag("variants", quick ? "1e-3,1e-3:w5:cos" : "3e-4,3e-4:w30:cos,1e-3:w30:cos").split(",");

function parseVariant(v: string): SftSchedule {
  const [lrText, ...opts] = v.split(":");
  const lr = Number(lrText);
  const warmOpt = opts.find((o) => o.startsWith("w"));
  const warmup = warmOpt ? Number(warmOpt.slice(1)) : 0;
  const bad = opts.filter((o) => o !== "cos" && o !== warmOpt);
  if (!(lr > 0) || !Number.isInteger(warmup) || warmup < 0 || warmup >= steps || bad.length > 0) {
    throw new Error(`bad variant '${v}': write lr[:w<warm-up steps below --steps>][:cos], e.g. 1e-3:w30:cos`);
  }
  return { steps, lr, warmup, schedule: opts.includes("cos") ? "cosine" : "constant" };
}

/** Mean over the 56 slots of the entropy (nats) of each slot's target tokens over all windows. */
function marginalEntropy(tokens: Int32Array[]): number {
  let total = 0;
  for (let s = 0; s < ACTION_SLOTS; s++) {
    const counts = new Map<number, number>();
    for (const t of tokens) counts.set(t[s], (counts.get(t[s]) ?? 0) + 1);
    for (const c of counts.values()) total -= (c / tokens.length) * Math.log(c / tokens.length);
  }
  return total / ACTION_SLOTS;
}

const schedules = variants.map(parseVariant);
console.log(`tfjs backend: ${await selectBackend(flag("backend", "auto"))}`);
const root = await mkdtemp(join(tmpdir(), "simplevla-sft-"));
const envs: TaskEnv[] = [];
try {
  await ensureDemos({ suite, tasks, perTask: 1, root, seed: 0 });
  const demosDir = join(root, suite);
  const tokenizer = projectTextTokenizer();
  const stats = readSuiteActionStats(demosDir, suite);
  const { windows, frames } = await loadDemoWindows(demosDir, tasks, 1);
  const entropy = marginalEntropy(windows.map((w) => encodeChunks(w.actions, stats)));
  const demoState: number[] = [];
  for (const t of tasks) {
    const reader = await DemoReader.open(join(demosDir, `task${t}.demos`));
    demoState.push(reader.header.episodes[0].index);
    await reader.close();
    envs.push(await makeTaskEnv(suite, t));
  }
  const checkpoints = [Math.round(steps / 4), Math.round(steps / 2), steps];
  const rows: Cell[][] = [];
  for (let v = 0; v < schedules.length; v++) {
    const schedule = schedules[v];
    const model = new Vla(vlaConfigFor(preset, tokenizer), 1);
    const optimizer = new AdamW(model.trainableVariables(), { lr: schedule.lr });
    const spec = { imageSize: model.config.imageSize, textLength: model.config.maxTextLen, textTokenizer: tokenizer, actionStats: stats };
    const losses: string[] = [];
    let loss = 0;
    let accuracy = 0;
    let since = 0;
    const t0 = performance.now();
    for (let step = 1; step <= steps; step++) {
      // the same batches for every variant: the stream depends on the step only
      const rng = seedrandom(`bench-sft/${step}`);
      const picked = Array.from({ length: batchSize }, () => windows[Math.floor(rng() * windows.length)])
        .map((w) => ({ ...w, image: decodeEncodedImage(frames.get(w.image)!) }));
      const { batch, targets } = makeSftBatch(picked, spec, rng);
      optimizer.setLearningRate(sftLearningRate(step, schedule));
      try {
        const r = await sftStep(model, batch, targets, optimizer);
        loss += r.loss;
        accuracy += r.accuracy;
        since++;
      } finally {
        tf.dispose([batch.images, batch.text, targets]);
      }
      if (checkpoints.includes(step)) {
        losses.push(`${(loss / since).toFixed(2)} / ${(accuracy / since).toFixed(2)}`);
        loss = accuracy = since = 0;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const encode = observationEncoder(model.config, tokenizer);
    let ownState = 0;
    let heldOut = 0;
    for (let k = 0; k < tasks.length; k++) {
      const states: ["train" | "heldout", number][] = [["train", demoState[k]], ...Array.from({ length: trials }, (_, i) => ["heldout", i] as ["heldout", number])];
      for (const [split, index] of states) {
        const te = envs[k];
        let obs = te.env.reset(te.initState(split, index));
        let done = false;
        let success = false;
        while (!done) {
          const input = encode([obs.image], [te.task.instruction]);
          const tokens = await model.greedyAsync(input);
          tf.dispose([input.images, input.text]);
          const r = te.env.stepChunk(decodeChunks(tokens, stats));
          ({ done, success } = r);
          obs = r.obs;
        }
        if (success && split === "train") ownState++;
        if (success && split === "heldout") heldOut++;
      }
    }
    rows.push([variants[v], ...losses, seconds.toFixed(0), `${ownState}/${tasks.length}`, `${heldOut}/${tasks.length * trials}`]);
    optimizer.dispose();
    model.dispose();
  }
  printTable(
    `sft: ${preset} on ${suite} task(s) ${tasks.join(",")} traj1 (${windows.length} windows), ${steps} steps × ${batchSize}`,
    ["variant", ...checkpoints.map((s) => `loss / acc @${s}`), "s", "demo's state", "held-out"],
    rows,
    [
      machineLine(),
      `Marginal entropy of the target tokens: ${entropy.toFixed(2)} nats per slot (the loss of a policy that ignores the image).`,
      "Success: greedy, closed loop, the suite's step limit.",
    ],
  );
} finally {
  for (const te of envs) te.dispose();
  await rm(root, { recursive: true, force: true });
}
