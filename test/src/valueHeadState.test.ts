/**
 * The PPO value head survives a checkpoint: after a PPO update (so that every AdamW moment is non-zero),
 * saving through `splitForCheckpoint` and restoring with `restoreJoint` into a fresh model, head and optimizer
 * gives back the same weights and the same optimizer state, bit for bit.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, expect, it } from "vitest";
import seedrandom from "seedrandom";
import { selectBackend } from "../../models/backend.ts";
import { loadCheckpoint, restoreWeights, saveCheckpoint } from "../../models/checkpoint.ts";
import { AdamW } from "../../models/optim.ts";
import { Vla } from "../../models/vla.ts";
import { ppoUpdate, updateVariables } from "../../algorithms/ppoUpdate.ts";
import { defaultRlConfig } from "../../algorithms/rlConfig.ts";
import type { Rollout } from "../../algorithms/rollout.ts";
import { ValueHead } from "../../algorithms/valueHead.ts";
import { observationEncoder, projectTextTokenizer, vlaConfigFor } from "../../src/pipeline/policy.ts";
import { restoreJoint, splitForCheckpoint, type ValueHeadJSON } from "../../src/pipeline/valueHeadState.ts";

beforeAll(async () => {
  await selectBackend("wasm");
});

it("value head and joint AdamW state round-trip through a checkpoint", async () => {
  const tokenizer = projectTextTokenizer();
  const config = vlaConfigFor("tiny", tokenizer);
  const rl = { ...defaultRlConfig(), advantage: "ppo" as const, groupSize: 2, groupsPerBatch: 1, miniBatchTrajectories: 2, learningRate: 1e-3 };
  const make = (seed: number) => {
    const model = new Vla(config, seed);
    const head = new ValueHead(config.width, rl.valueHidden, seedrandom(`head ${seed}`));
    return { model, head, optimizer: new AdamW(updateVariables(model, head), { lr: rl.learningRate }) };
  };
  const a = make(1);
  const rng = seedrandom("rollouts");
  const rollouts: Rollout[] = [true, false].map((success) => ({
    suite: "libero_spatial", taskId: 0, instruction: "put the bowl on the plate", init: { split: "train", index: 0 }, groupId: 0, finishStep: 12, success,
    steps: [0, 1].map(() => ({
      image: Uint8Array.from({ length: 128 * 128 * 3 }, () => Math.floor(rng() * 256)),
      tokens: Int32Array.from({ length: 56 }, () => Math.floor(rng() * 256)),
      samplingLogProbs: new Float32Array(56),
    })),
  }));
  const diag = await ppoUpdate({ model: a.model, rollouts, encode: observationEncoder(config, tokenizer), optimizer: a.optimizer, config: rl, valueHead: a.head });
  expect(diag.valueLoss).not.toBeNull();

  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "valuehead-")), "rl");
  const split = await splitForCheckpoint(a.optimizer, a.model.trainableVariables().length, a.head);
  await saveCheckpoint(dir, { model: a.model, optimizer: split.policyOptimizer, extras: { valueHead: split.valueHead } }, { momentsDtype: "float32" });

  const b = make(2);
  const ckpt = loadCheckpoint(dir);
  restoreWeights(b.model, ckpt);
  restoreJoint(b.optimizer, ckpt.optimizer!, b.head, ckpt.extras.valueHead as ValueHeadJSON, dir);
  const [sa, sb] = await Promise.all([a.optimizer.getState(), b.optimizer.getState()]);
  expect(sb.step).toBe(sa.step);
  expect(sb.m).toEqual(sa.m);
  expect(sb.v).toEqual(sa.v);
  const weights = async (x: { trainableVariables(): { data(): Promise<unknown> }[] }) => Promise.all(x.trainableVariables().map((v) => v.data()));
  expect(await weights(b.head)).toEqual(await weights(a.head));
  expect(await weights(b.model)).toEqual(await weights(a.model));
  expect(() => restoreJoint(b.optimizer, ckpt.optimizer!, b.head, undefined, dir)).toThrow(/no value head/);
  for (const x of [a, b]) {
    x.optimizer.dispose();
    x.head.dispose();
    x.model.dispose();
  }
  fs.rmSync(path.dirname(dir), { recursive: true, force: true });
}, 60_000);
