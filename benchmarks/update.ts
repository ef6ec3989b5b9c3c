/**
 * The RL update alone: one GRPO update (ppoUpdate: old log-probs, then one pass of mini-batch steps) on
 * synthetic rollouts, per slice length (chunk steps per forward/backward, RlConfig.sliceChunkSteps; the
 * original's traj_mini_batch_size is 16). Slicing only bounds memory (the loss of a slice is weighted by
 * whole-trajectory token counts), so a longer slice computes the same update in fewer, larger passes.
 *
 *   npm run bench -- update [--backend wasm] [--preset small] [--trajectories 16] [--steps 8] [--slices 16,64] [--mini-batch 4]
 * On a GPU host: ../shared/device/pack.sh benchmarks/update.ts, then
 *   bash .device/boot.sh --backend webgpu --preset base --trajectories 128 --steps 25 --slices 16,64,128 --mini-batch 32
 * (Run G's update, base on an H200, took 16–20 s of its ~50 s RL steps at slices of 16.)
 */
import seedrandom from "seedrandom";
import * as tf from "@tensorflow/tfjs-core";
import { ppoUpdate, updateVariables } from "../algorithms/ppoUpdate.ts";
import { defaultRlConfig } from "../algorithms/rlConfig.ts";
import type { Rollout } from "../algorithms/rollout.ts";
import { selectBackend } from "../models/backend.ts";
import { vlaPreset } from "../models/config.ts";
import { AdamW } from "../models/optim.ts";
import { TextTokenizer } from "../models/textTokenizer.ts";
import { Vla } from "../models/vla.ts";
import { observationEncoder } from "../src/pipeline/policy.ts";
import { flag, positiveIntFlag, positiveIntsFlag } from "./lib/args.ts";
import { machineLine, printTable } from "./lib/table.ts";

// Flags first, so that a bad one is reported before the backend loads.
const preset = flag("preset", "small");
const N = positiveIntFlag("trajectories", "16");
const S = positiveIntFlag("steps", "8");
const miniBatch = positiveIntFlag("mini-batch", "4");
const slices = positiveIntsFlag("slices", "16,64");
const G = 8;
if (N % G !== 0 || N % miniBatch !== 0) throw new Error(`--trajectories (${N}) must be a multiple of the group size ${G} and of --mini-batch (${miniBatch}).`);
const backend = await selectBackend(flag("backend", "wasm"));
console.log(machineLine());

const INSTRUCTION = "put the black bowl on the plate";
const config = vlaPreset(preset);
const tokenizer = TextTokenizer.fromInstructions([INSTRUCTION]);
const encode = observationEncoder(config, tokenizer);

/** N trajectories of S chunk steps (the last one full), groups of G with one success each: every group is mixed. */
function rollouts(): Rollout[] {
  const rng = seedrandom("update-bench");
  const side = config.imageSize;
  return Array.from({ length: N }, (_, n) => ({
    suite: "libero_spatial", taskId: 0, instruction: INSTRUCTION, init: { split: "train" as const, index: n % 50 },
    groupId: Math.floor(n / G),
    steps: Array.from({ length: S }, () => ({
      image: Uint8Array.from({ length: side * side * 3 }, () => Math.floor(rng() * 256)),
      tokens: Int32Array.from({ length: 56 }, () => Math.floor(rng() * 256)),
      samplingLogProbs: new Float32Array(56),
    })),
    finishStep: 8 * S,
    success: n % G === 0,
  }));
}

const data = rollouts();
const rows: (string | number)[][] = [];
for (const slice of slices) {
  const model = new Vla(config, 0);
  const rl = { ...defaultRlConfig(), groupSize: G, miniBatchTrajectories: miniBatch, sliceChunkSteps: slice, temperature: 1 };
  const optimizer = new AdamW(updateVariables(model), { lr: rl.learningRate, weightDecay: rl.weightDecay, clipNorm: rl.gradClip });
  await ppoUpdate({ model, rollouts: data, encode, optimizer, config: rl }); // warm-up: kernels and pipelines
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const diag = await ppoUpdate({ model, rollouts: data, encode, optimizer, config: rl });
  const seconds = (performance.now() - t0) / 1000;
  rows.push([slice, N * S, seconds, (N * S) / seconds, diag.optimizerSteps, diag.policyLoss, tf.memory().numTensors - before]);
  optimizer.dispose();
  model.dispose();
}
printTable(
  `One GRPO update, ${preset} on ${backend}: ${N} trajectories × ${S} chunk steps, mini-batches of ${miniBatch}`,
  ["slice (chunk steps)", "rows", "update s", "rows/s", "optimizer steps", "policy loss", "Δ tensors"],
  rows,
  ["Each row: the old log-probs of every chunk step (forward), then one pass of mini-batch steps (forward + backward per slice, gradients summed, one AdamW step per mini-batch). The second of two updates is timed."],
);
