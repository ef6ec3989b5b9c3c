/**
 * The rollout engine end to end on small pieces: the tiny VLA on the wasm backend, robot_table envs in
 * worker threads. Two tasks with different step limits (24 and 12 counted steps) make episodes end at
 * different iterations, 3 groups × 2 members on 4 envs make the last group wait for free envs, and the
 * 12-step limit cuts a chunk short (8 + 4).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import { createHash } from "node:crypto";
import { selectBackend } from "../../models/backend.ts";
import { vlaPreset } from "../../models/config.ts";
import { TextTokenizer } from "../../models/textTokenizer.ts";
import type { ActionStats } from "../../models/actionNormalizer.ts";
import { Vla } from "../../models/vla.ts";
import type { EnvSpec } from "../../sim/envFactory.ts";
import { type CollectOptions, type CollectResult, collectRollouts, type RolloutPolicy } from "../../algorithms/rollout/collect.ts";
import { evaluate } from "../../algorithms/rollout/evaluate.ts";
import { ParallelPolicy } from "../../algorithms/rollout/parallelPolicy.ts";
import { WorkerPool } from "../../algorithms/rollout/workerPool.ts";

const SPECS: Record<string, EnvSpec> = {
  long: { kind: "robot_table", maxSteps: 24 },
  short: { kind: "robot_table", maxSteps: 12 },
};
const INSTRUCTIONS: Record<string, string> = { long: "lift the arm up", short: "open the gripper" };
const STATS: ActionStats = {
  q01: [-0.5, -0.5, -0.5, -0.2, -0.2, -0.2, -1],
  q99: [0.5, 0.5, 0.5, 0.2, 0.2, 0.2, 1],
  min: [-1, -1, -1, -1, -1, -1, -1],
  max: [1, 1, 1, 1, 1, 1, 1],
  mean: [0, 0, 0, 0, 0, 0, 0],
  std: [0.3, 0.3, 0.3, 0.1, 0.1, 0.1, 1],
};
const id = (index: number) => ({ suite: "robot_table", taskId: 0, split: "train" as const, index });
const GROUPS = [
  { groupId: 10, taskKey: "long", initStateId: id(0) },
  { groupId: 11, taskKey: "short", initStateId: id(1) },
  { groupId: 12, taskKey: "short", initStateId: id(2) },
];
const POOL_SPECS = [SPECS.long, SPECS.long, SPECS.short, SPECS.short];

/** Counts the rows the policy is asked for. */
class CountingPolicy implements RolloutPolicy {
  rows = 0;
  constructor(private readonly inner: Vla) {}
  get config() {
    return this.inner.config;
  }
  sampleAsync(...args: Parameters<Vla["sampleAsync"]>) {
    this.rows += args[0].images.shape[0];
    return this.inner.sampleAsync(...args);
  }
  logits(...args: Parameters<Vla["logits"]>) {
    this.rows += args[0].images.shape[0];
    return this.inner.logits(...args);
  }
}

let vla: Vla;
let pool1: WorkerPool;
let pool2: WorkerPool;
const warnings: string[] = [];
let baseline: CollectResult;

function options(pool: WorkerPool, model: RolloutPolicy, overrides: Partial<CollectOptions> = {}): CollectOptions {
  return {
    pool, model, stats: STATS,
    tokenizer: TextTokenizer.fromInstructions(Object.values(INSTRUCTIONS)),
    instructionOf: (k) => INSTRUCTIONS[k],
    envSpecOf: (k) => SPECS[k],
    groups: GROUPS, groupSize: 2, temperature: 1.6, rlStep: 3, seed: 7,
    ...overrides,
  };
}

/** Everything a rollout's consumer sees, hashed: tokens, log-probs, images, finishStep, success. */
function fingerprint(r: CollectResult): string[] {
  return r.rollouts.map((ro) => {
    const h = createHash("sha256");
    h.update(`${ro.groupId}/${ro.finishStep}/${ro.success}/${ro.steps.length}`);
    for (const s of ro.steps) {
      h.update(s.image);
      h.update(new Uint8Array(s.tokens.buffer, s.tokens.byteOffset, s.tokens.byteLength));
      h.update(new Uint8Array(s.samplingLogProbs.buffer, s.samplingLogProbs.byteOffset, s.samplingLogProbs.byteLength));
    }
    return h.digest("hex").slice(0, 16);
  });
}

beforeAll(async () => {
  await selectBackend("wasm");
  vla = new Vla(vlaPreset("tiny"), 1);
  const log = (line: string) => warnings.push(line);
  [pool1, pool2] = await Promise.all([
    WorkerPool.create({ specs: POOL_SPECS, workers: 1, log }),
    WorkerPool.create({ specs: POOL_SPECS, workers: 2, log }),
  ]);
  baseline = await collectRollouts(options(pool2, vla));
}, 120_000);

afterAll(async () => {
  await Promise.all([pool1?.close(), pool2?.close()]);
  vla?.dispose();
});

describe("collectRollouts", () => {
  test("rollout records: (group, member) order, finishStep at each task's step limit, a chunk cut short at 12 = 8 + 4", () => {
    const r = baseline.rollouts;
    expect(r.map((x) => x.groupId)).toEqual([10, 10, 11, 11, 12, 12]);
    expect(r.map((x) => x.finishStep)).toEqual([24, 24, 12, 12, 12, 12]);
    expect(r.map((x) => x.steps.length)).toEqual([3, 3, 2, 2, 2, 2]);
    expect(r.every((x) => x.success === false && x.instruction === INSTRUCTIONS[x.finishStep === 24 ? "long" : "short"])).toBe(true);
    expect(r[2].init).toEqual({ split: "train", index: 1 });
    for (const x of r) for (const s of x.steps) {
      expect(s.image.length).toBe(128 * 128 * 3);
      expect(s.tokens.length).toBe(56);
      expect(s.samplingLogProbs.every((v) => v <= 0 && Number.isFinite(v))).toBe(true);
    }
    // the two members of a group start from the same image and then diverge by sampling
    expect(fingerprint(baseline)[0]).not.toBe(fingerprint(baseline)[1]);
    expect(Buffer.compare(r[0].steps[0].image, r[1].steps[0].image)).toBe(0);
    expect(Array.from(r[0].steps[0].tokens)).not.toEqual(Array.from(r[1].steps[0].tokens));
    // video frames: first observation, every 4th, and the final one, capped at 8
    expect(baseline.frames[0].length).toBe(2); // observations 0..3: 0 and the final 3
    expect(baseline.frames[0][0]).toBe(r[0].steps[0].image);
    expect(baseline.timing.envSteps).toBe(24 * 2 + 12 * 4);
  });

  test("1 worker and 2 workers give identical rollouts", async () => {
    const one = await collectRollouts(options(pool1, vla));
    expect(fingerprint(one)).toEqual(fingerprint(baseline));
  });

  test("the forward pass split over 2 policy threads (ParallelPolicy) gives identical rollouts, sampled and greedy", async () => {
    const parallel = await ParallelPolicy.start(vla, 2);
    try {
      expect(fingerprint(await collectRollouts(options(pool2, parallel)))).toEqual(fingerprint(baseline));
      const greedyOne = await collectRollouts(options(pool2, vla, { greedy: true }));
      const greedyTwo = await collectRollouts(options(pool2, parallel, { greedy: true }));
      expect(fingerprint(greedyTwo)).toEqual(fingerprint(greedyOne));
    } finally {
      await parallel.dispose();
    }
  });

  test("the same seed gives identical rollouts; another seed or rlStep different ones", async () => {
    expect(fingerprint(await collectRollouts(options(pool2, vla)))).toEqual(fingerprint(baseline));
    const base = fingerprint(baseline);
    const otherSeed = fingerprint(await collectRollouts(options(pool2, vla, { seed: 8 })));
    expect(otherSeed.every((h, i) => h !== base[i])).toBe(true);
    const otherStep = fingerprint(await collectRollouts(options(pool2, vla, { rlStep: 4 })));
    expect(otherStep.every((h, i) => h !== base[i] && h !== otherSeed[i])).toBe(true);
  });

  test("a worker crashed mid-rollout is restarted, its episodes replayed, and the result equals the uncrashed run", async () => {
    const before = pool2.restarts;
    warnings.length = 0;
    // worker 1 exits after the first chunk; worker 0 throws an uncaught exception after the second
    const crashAt = new Map<number, () => void>([
      [1, () => pool2.crashWorkerForTest(1, "exit")],
      [2, () => pool2.crashWorkerForTest(0, "throw")],
    ]);
    const crashed = await collectRollouts(options(pool2, vla, { onIteration: ({ iteration }) => crashAt.get(iteration)?.() }));
    expect(pool2.restarts).toBe(before + 2);
    expect(warnings.join("\n")).toMatch(/env worker 1 exited with code 3; restarted it, rebuilt envs 1, 3 and replayed 2 episode\(s\)/);
    expect(warnings.join("\n")).toMatch(/env worker 0 threw "test crash requested by the pool"; restarted it/);
    expect(fingerprint(crashed)).toEqual(fingerprint(baseline));
  });

  test("a WASM heap that grows mid-episode under a worker's 4 envs changes nothing: same result", async () => {
    const grown = await collectRollouts(
      options(pool1, vla, { onIteration: ({ iteration }) => void (iteration === 1 && pool1.growHeapForTest(0)) }),
    );
    expect(fingerprint(grown)).toEqual(fingerprint(baseline));
  });

  test("finished episodes get no more model rows: rows = Σ chunk steps, with two lanes or one", async () => {
    const counting = new CountingPolicy(vla);
    const r = await collectRollouts(options(pool2, counting));
    const chunkSteps = r.rollouts.reduce((n, x) => n + x.steps.length, 0);
    expect(counting.rows).toBe(chunkSteps); // 3 + 3 + 2 + 2 + 2 + 2 = 14
    expect(counting.rows).toBeLessThan(6 * 3);
    // one lane (lockstep): group 12 waits for the envs of group 11, then runs 2 more chunks
    expect(r.timing.modelCalls).toBe(4);
    // two lanes (envs 0-1: group 10; envs 2-3: group 11, then group 12): 2 + 2 + 2 + 1 forward passes
    const lanes = await collectRollouts(options(pool2, new CountingPolicy(vla), { lanes: 2 }));
    expect(lanes.timing.modelRows).toBe(14);
    expect(lanes.timing.modelCalls).toBe(7);
    // other batch company moves log-probs only by rounding, and the tokens not at all here
    lanes.rollouts.forEach((ro, i) => ro.steps.forEach((st, c) => {
      expect(Array.from(st.tokens)).toEqual(Array.from(r.rollouts[i].steps[c].tokens));
      for (let k = 0; k < 56; k++) expect(st.samplingLogProbs[k]).toBeCloseTo(r.rollouts[i].steps[c].samplingLogProbs[k], 4);
    }));
  });

  test("no tensor leaks across two collections", async () => {
    await collectRollouts(options(pool2, vla, { greedy: true }));
    const before = tf.memory().numTensors;
    await collectRollouts(options(pool2, vla, { lanes: 2 }));
    await collectRollouts(options(pool2, vla, { greedy: true }));
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("evaluate", () => {
  test("greedy decoding is deterministic and counts success per task", async () => {
    const episodes = [
      { taskKey: "short", initStateId: id(5) },
      { taskKey: "long", initStateId: id(6) },
      { taskKey: "short", initStateId: id(7) },
    ];
    const a = await evaluate({ ...options(pool2, vla), episodes });
    const b = await evaluate({ ...options(pool1, vla), episodes });
    expect(Object.keys(a.perTask)).toEqual(["short", "long"]);
    expect(a.perTask.short).toEqual({ trials: 2, successes: 0, rate: 0 });
    expect(a.successRate).toBe(0);
    expect(fingerprint(b)).toEqual(fingerprint(a));
  });
});

describe("WorkerPool", () => {
  test("a bad env index, a bad action or a bad spec is a sentence, not a crash", async () => {
    const restarts = pool1.restarts;
    await expect(pool1.stepChunks([{ envIndex: 9, actions: new Float32Array(56) }])).rejects.toThrow(/envIndex must be an integer in 0\.\.3/);
    await expect(pool1.reset([{ envIndex: 4, initStateId: id(0) }])).rejects.toThrow(/envIndex must be an integer in 0\.\.3/);
    expect(pool1.numEnvs).toBe(4);
    await expect(pool1.stepChunks([{ envIndex: 0, actions: new Float32Array(56).fill(Number.NaN) }])).rejects.toThrow(/non-finite value NaN/);
    expect(pool1.restarts).toBe(restarts);
    await expect(WorkerPool.create({ specs: [{ kind: "nope" } as unknown as EnvSpec], workers: 1, log: () => {} })).rejects.toThrow(
      /Unknown env kind 'nope'/,
    );
  });
});
