/**
 * `npm run bench -- rollout [-- --backend wasm --workers 1,2,16 --policy-threads 2 --groups 2 --group-size 8 --max-steps 64 --quick]`
 * (`--grpo [--envs 64]` also measures a whole 64 × 8 rollout instead of estimating it):
 * end-to-end rollout throughput with the policy in the loop: counted env steps per second for 1, 2 and all
 * worker threads, the time split between the model (image prep + batched forward + sampling, main thread)
 * and the envs (wall time of the parallel chunk steps), and the wall-clock of one GRPO-sized rollout.
 *
 * Envs: `robot_table` (the robot-only scene) until the LIBERO task envs land; it has no success test, so
 * every episode runs to its step limit: the original's worst case, and what its rollout does anyway (it
 * keeps all envs stepping until the limit, SIMPLEVLA_RL.md §1).
 * Model: the `small` preset with random weights (speed does not depend on the weights).
 * Peers: SimpleVLA-RL on 8×A800 does about 45 min per RL step of 512 trajectories × ≤ 512 steps, so at most
 * about 97 env steps/s including its update; on 8×H20 its rollout phase alone took 306 s, at most about
 * 857 env steps/s (PEERS.md §B.2, derived).
 */
import os from "node:os";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { selectBackend } from "../models/backend.ts";
import { vlaPreset } from "../models/config.ts";
import type { ActionStats } from "../models/actionNormalizer.ts";
import { TextTokenizer } from "../models/textTokenizer.ts";
import { Vla } from "../models/vla.ts";
import type { EnvSpec } from "../sim/envFactory.ts";
import { collectRollouts, type CollectResult, type RolloutPolicy } from "../algorithms/rollout/collect.ts";
import { defaultPolicyThreads, ParallelPolicy } from "../algorithms/rollout/parallelPolicy.ts";
import { WorkerPool } from "../algorithms/rollout/workerPool.ts";
import { fmt, machineLine, printTable } from "./lib/table.ts";

/** PEERS.md §B.2: 512 trajectories × 512 steps in about 45 min per step on 8×A800 (rollout + update). */
const PEER_STEPS_PER_S = 97;
const PEER_NAME = "SimpleVLA-RL, 8×A800 (whole RL step, derived)";
/** PEERS.md §B.2: on 8×H20 the generation phase alone took 306 s per step: ≤ 512·512 / 306 env steps/s. */
const PEER_GEN_STEPS_PER_S = 857;
const PEER_GEN_NAME = "SimpleVLA-RL, 8×H20 (rollout phase only, derived)";
const GRPO_GROUPS = 64;
const GRPO_G = 8;

const INSTRUCTION = "put both the alphabet soup and the tomato sauce in the basket";
/** Identity statistics: tokens decode to env actions spread over [−1, 1], enough motion for timing. */
const STATS: ActionStats = {
  q01: [-1, -1, -1, -1, -1, -1, -1],
  q99: [1, 1, 1, 1, 1, 1, 1],
  min: [-1, -1, -1, -1, -1, -1, -1],
  max: [1, 1, 1, 1, 1, 1, 1],
  mean: [0, 0, 0, 0, 0, 0, 0],
  std: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 1],
};

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} must be a positive integer, got '${value}'.`);
  return n;
}

interface Args {
  backend: string;
  workers: number[];
  groups: number;
  groupSize: number;
  maxSteps: number;
  grpo: boolean;
  /** env slots for the --grpo run (episodes beyond them wait for free envs) */
  envs: number;
  /** policy threads of the extra row (ParallelPolicy) on a CPU backend; 1 = no extra row */
  policyThreads: number;
}

function parse(): Args {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        backend: { type: "string", default: "wasm" },
        workers: { type: "string" },
        groups: { type: "string" },
        "group-size": { type: "string" },
        "max-steps": { type: "string" },
        grpo: { type: "boolean", default: false },
        envs: { type: "string" },
        "policy-threads": { type: "string" },
        quick: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (err) {
    fail(`${(err as Error).message}. Flags: --backend, --workers 1,2,N, --groups, --group-size, --max-steps, --grpo, --envs, --policy-threads, --quick.`);
  }
  const cores = os.cpus().length;
  const workers = values.workers === undefined
    ? [...new Set([1, 2, cores])].filter((w) => w <= cores).sort((a, b) => a - b)
    : values.workers.split(",").map((w) => positiveInt("workers", w.trim(), 1));
  return {
    backend: values.backend!,
    workers,
    groups: positiveInt("groups", values.groups, values.quick ? 1 : 2),
    groupSize: positiveInt("group-size", values["group-size"], values.quick ? 4 : 8),
    maxSteps: positiveInt("max-steps", values["max-steps"], values.quick ? 24 : 64),
    grpo: values.grpo!,
    envs: positiveInt("envs", values.envs, 64),
    policyThreads: positiveInt("policy-threads", values["policy-threads"], defaultPolicyThreads()),
  };
}

/** One collection of groups × G episodes on a fresh pool of `envs` envs (episodes wait for free envs). */
async function run(vla: RolloutPolicy, tokenizer: TextTokenizer, workers: number, groups: number, G: number, maxSteps: number, envs = groups * G, lanes = 2) {
  const spec: EnvSpec = { kind: "robot_table", maxSteps };
  const t0 = performance.now();
  const pool = await WorkerPool.create({ specs: Array.from({ length: envs }, () => spec), workers });
  const startupMs = performance.now() - t0;
  try {
    // Warm-up outside the timing: one reset and one chunk per env (JIT of physics, controller, renderer).
    const all = Array.from({ length: envs }, (_, e) => e);
    await pool.reset(all.map((e) => ({ envIndex: e, initStateId: { suite: "robot_table", taskId: 0, split: "heldout" as const, index: e } })));
    await pool.stepChunks(all.map((e) => ({ envIndex: e, actions: new Float32Array(56) })));
    const result: CollectResult = await collectRollouts({
      pool, model: vla, tokenizer, stats: STATS,
      instructionOf: () => INSTRUCTION,
      groups: Array.from({ length: groups }, (_, g) => ({
        groupId: g, taskKey: "robot_table", initStateId: { suite: "robot_table", taskId: 0, split: "train" as const, index: g },
      })),
      groupSize: G, temperature: 1.6, rlStep: 0, seed: 0, framesPerEpisode: 0, lanes,
    });
    return { result, startupMs, workers: pool.numWorkers };
  } finally {
    await pool.close();
  }
}

/** A few forward passes at the batch size the runs will use, so that the first run does not pay for kernel set-up. */
async function warmUpModel(vla: Vla, tokenizer: TextTokenizer, B: number): Promise<void> {
  const S = vla.config.imageSize;
  const L = vla.config.maxTextLen;
  const text = new Int32Array(B * L);
  for (let b = 0; b < B; b++) text.set(tokenizer.encode(INSTRUCTION, L), b * L);
  for (const rows of [B, Math.ceil(B / 2)]) {
    for (let i = 0; i < 2; i++) {
      const logits = tf.tidy(() =>
        vla.logits({ images: tf.zeros([rows, S, S, 3]) as tf.Tensor4D, text: tf.tensor2d(text.subarray(0, rows * L), [rows, L], "int32") }),
      );
      await logits.data();
      logits.dispose();
    }
  }
}

/** The same warm-up for the policy threads' own tfjs instances. */
async function warmUpParallel(policy: ParallelPolicy, tokenizer: TextTokenizer, B: number): Promise<void> {
  await policy.prepare();
  const S = policy.config.imageSize;
  const L = policy.config.maxTextLen;
  const text = new Int32Array(B * L);
  for (let b = 0; b < B; b++) text.set(tokenizer.encode(INSTRUCTION, L), b * L);
  for (let i = 0; i < 2; i++) {
    const batch = { images: tf.zeros([B, S, S, 3]) as tf.Tensor4D, text: tf.tensor2d(text, [B, L], "int32") };
    await policy.logitsAsync(batch);
    tf.dispose([batch.images, batch.text]);
  }
}

async function main(): Promise<void> {
  const args = parse();
  console.log(machineLine());
  const backend = await selectBackend(args.backend).catch((err: Error) => fail(err.message));
  const config = vlaPreset("small");
  const vla = new Vla(config, 0);
  const tokenizer = TextTokenizer.fromInstructions([INSTRUCTION]);
  const N = args.groups * args.groupSize;
  await warmUpModel(vla, tokenizer, N);

  const rows: (string | number)[][] = [];
  let best = 0;
  // Every worker count in lockstep (the default), two lanes (model and envs overlap) at the largest count, and
  // on a CPU backend the forward pass split over policy threads (ParallelPolicy, what `npm run train` does).
  const cpu = backend === "wasm" || backend === "cpu";
  const threads = cpu ? args.policyThreads : 1;
  const configs = [
    ...args.workers.map((w) => ({ w, lanes: 1, threads: 1 })),
    { w: Math.max(...args.workers), lanes: 2, threads: 1 },
    ...(threads > 1 ? [{ w: Math.max(...args.workers), lanes: 1, threads }] : []),
  ];
  for (const { w, lanes, threads: policyThreads } of configs) {
    const parallel = policyThreads > 1 ? await ParallelPolicy.start(vla, policyThreads) : undefined;
    if (parallel) await warmUpParallel(parallel, tokenizer, N);
    const { result, startupMs, workers } = await run(parallel ?? vla, tokenizer, w, args.groups, args.groupSize, args.maxSteps, N, lanes).finally(() => parallel?.dispose());
    const t = result.timing;
    const rate = (t.envSteps / t.totalMs) * 1000;
    best = Math.max(best, rate);
    rows.push([
      `ours, ${backend}, ${workers} worker${workers > 1 ? "s" : ""}${lanes === 2 ? ", 2 lanes" : ""}${policyThreads > 1 ? `, ${policyThreads} policy threads` : ""}`,
      N, t.envSteps, fmt(rate), fmt((N / t.totalMs) * 1000),
      `${fmt(t.modelMs / 1000)} s (${fmt((100 * t.modelMs) / t.totalMs, 2)}%)`,
      `${fmt(t.envMs / 1000)} s (${fmt((100 * t.envMs) / t.totalMs, 2)}%)`,
      fmt(t.modelMs / t.modelRows), fmt(startupMs / 1000),
    ]);
  }
  rows.push([PEER_NAME, 512, "≤ 262,144", `≤ ${PEER_STEPS_PER_S}`, "≈ 0.19", "–", "–", "–", "–"]);
  rows.push([PEER_GEN_NAME, 512, "≤ 262,144", `≤ ${PEER_GEN_STEPS_PER_S}`, "≈ 1.7", "–", "–", "–", "–"]);
  printTable(
    `Rollout throughput, policy in the loop (small preset, ${N} episodes × ${args.maxSteps} steps)`,
    ["setup", "episodes", "env steps", "env steps/s", "traj/s", "model", "waiting for envs", "model ms/row", "pool startup s"],
    rows,
    [
      `Envs: robot_table (no LIBERO task envs yet), every episode runs to its ${args.maxSteps}-step limit; ` +
        "one 128×128 render per 8-step chunk. Model: main-thread time of image prep, forward pass, sampling and decoding; " +
        "waiting for envs: main-thread wall time not hidden behind the model. Two lanes let one half of the envs step while " +
        "the model computes the other half's chunk; lockstep (one lane) takes turns.",
      "Peers: PEERS.md §B.2 (upper bounds: its episodes may end before 512 steps); the A800 figure includes the " +
        "PPO update, the H20 one is its rollout phase alone, like ours.",
    ],
  );

  // One GRPO-sized rollout: 64 groups × 8 = 512 trajectories at the step limit.
  const grpoSteps = GRPO_GROUPS * GRPO_G * args.maxSteps;
  const allWorkers = Math.max(...args.workers);
  const grpoRows: (string | number)[][] = [];
  if (args.grpo) {
    const envs = Math.min(GRPO_GROUPS * GRPO_G, args.envs);
    const { result, workers } = await run(vla, tokenizer, allWorkers, GRPO_GROUPS, GRPO_G, args.maxSteps, envs);
    grpoRows.push([`ours, measured, ${workers} workers, ${envs} envs, 2 lanes`, `${GRPO_GROUPS} × ${GRPO_G}`, args.maxSteps, fmt(result.timing.totalMs / 60000)]);
  } else {
    grpoRows.push([`ours, estimated from the best rate above`, `${GRPO_GROUPS} × ${GRPO_G}`, args.maxSteps, fmt(grpoSteps / best / 60)]);
    grpoRows.push([`ours at 512 steps (SimpleVLA-RL's limit), estimated`, `${GRPO_GROUPS} × ${GRPO_G}`, 512, fmt((GRPO_GROUPS * GRPO_G * 512) / best / 60)]);
  }
  grpoRows.push(["SimpleVLA-RL, 8×A800 (rollout + update)", "64 × 8", 512, "≈ 45"]);
  grpoRows.push(["SimpleVLA-RL, 8×H20 (rollout phase only)", "64 × 8", 512, "≈ 5.1"]);
  printTable("Wall-clock of one GRPO-sized rollout", ["setup", "groups × G", "max steps", "minutes"], grpoRows, [
    args.grpo ? "Measured with --grpo." : "Estimated (pass --grpo to measure; 512 envs at once need a large machine).",
  ]);
  vla.dispose();
}

await main();
