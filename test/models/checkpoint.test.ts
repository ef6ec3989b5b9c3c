import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../../models/backend.ts";
import { loadCheckpoint, loadVla, MAX_CHECKPOINT_FILE_BYTES, restoreOptimizer, restoreWeights, saveCheckpoint } from "../../models/checkpoint.ts";
import { vlaPreset } from "../../models/config.ts";
import { AdamW } from "../../models/optim.ts";
import { ACTION_SLOTS } from "../../models/types.ts";
import { Vla } from "../../models/vla.ts";
import { disposeBatch, makeBatch } from "./helpers.ts";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "vla-ckpt-"));
beforeAll(async () => {
  await selectBackend("wasm");
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const config = vlaPreset("tiny");
const extras = { step: 12, tokenizer: { vocab: ["<pad>", "put", "the"] }, rng: [1, 2, 3] };

function trainedPair(seed: number) {
  const model = new Vla(config, seed);
  const optimizer = new AdamW(model.trainableVariables(), { lr: 1e-3 });
  const batch = makeBatch(config, 2, 5);
  const tokens = tf.tensor2d(Int32Array.from({ length: 2 * ACTION_SLOTS }, (_, i) => i % 256), [2, ACTION_SLOTS], "int32");
  const step = async () => (await optimizer.minimize(() => tf.neg(tf.mean(model.logProbs(batch, tokens, 1))) as tf.Scalar)).loss;
  return { model, optimizer, batch, tokens, step };
}

/** A model and its checkpoint loaded for resuming (weights and optimizer state). */
function resumeFrom(dir: string): { model: Vla; checkpoint: ReturnType<typeof loadCheckpoint> } {
  const checkpoint = loadCheckpoint(dir);
  const model = new Vla(checkpoint.config, 0);
  restoreWeights(model, checkpoint);
  return { model, checkpoint };
}

function readAll(dir: string): Map<string, Buffer> {
  return new Map(fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f))]));
}

describe("checkpoints", () => {
  test("save → load → save is byte-stable and the loaded model gives identical logits", async () => {
    const { model, optimizer, batch, tokens, step } = trainedPair(1);
    await step();
    await step();
    const a = path.join(root, "a");
    const b = path.join(root, "b");
    await saveCheckpoint(a, { model, optimizer, extras });
    const { model: loaded, checkpoint } = resumeFrom(a);
    const opt2 = new AdamW(loaded.trainableVariables(), checkpoint.optimizer!.config);
    restoreOptimizer(opt2, checkpoint);
    expect(checkpoint.extras).toEqual(extras);
    await saveCheckpoint(b, { model: loaded, optimizer: opt2, extras: checkpoint.extras });
    const [fa, fb] = [readAll(a), readAll(b)];
    expect([...fb.keys()]).toEqual([...fa.keys()]);
    for (const [name, bytes] of fa) expect(fb.get(name)!.equals(bytes), name).toBe(true);
    const [la, lb] = [model.logits(batch), loaded.logits(batch)];
    expect(lb.dataSync()).toEqual(la.dataSync());
    tf.dispose([la, lb, tokens]);
    disposeBatch(batch);
    [model, loaded].forEach((m) => m.dispose());
    [optimizer, opt2].forEach((o) => o.dispose());
  });

  test("saving over an existing checkpoint replaces it whole and leaves no temporary directory", async () => {
    const { model, optimizer, batch, tokens, step } = trainedPair(2);
    const dir = path.join(root, "replace");
    await saveCheckpoint(dir, { model, optimizer, extras: { step: 1 } });
    await step();
    await saveCheckpoint(dir, { model, optimizer, extras: { step: 2 } });
    expect(loadCheckpoint(dir).extras).toEqual({ step: 2 });
    expect(loadCheckpoint(dir).optimizer!.step).toBe(1);
    expect(fs.readdirSync(root).filter((f) => f.startsWith("replace"))).toEqual(["replace"]);
    tokens.dispose();
    disposeBatch(batch);
    model.dispose();
    optimizer.dispose();
  });

  test("a corrupt or truncated file is rejected with its name and the problem", async () => {
    const { model, optimizer, batch, tokens } = trainedPair(3);
    const dir = path.join(root, "corrupt");
    await saveCheckpoint(dir, { model, optimizer, extras });
    const weights = path.join(dir, "weights-000.bin");
    const good = fs.readFileSync(weights);
    const flipped = Buffer.from(good);
    flipped[good.length - 5] ^= 0xff;
    fs.writeFileSync(weights, flipped);
    expect(() => loadCheckpoint(dir)).toThrow(/weights-000\.bin fails its SHA-256 check; it is corrupt/);
    fs.writeFileSync(weights, good.subarray(0, good.length - 100));
    expect(() => loadCheckpoint(dir)).toThrow(/weights-000\.bin has \d+ bytes but \d+ were written; it is truncated/);
    fs.rmSync(path.join(dir, "checkpoint.json"));
    expect(() => loadCheckpoint(dir)).toThrow(/is not a checkpoint: checkpoint\.json is missing/);
    tokens.dispose();
    disposeBatch(batch);
    model.dispose();
    optimizer.dispose();
  });

  test("inference loads a checkpoint whose optimizer files were left behind; resuming from it is an error", async () => {
    const { model, optimizer, batch, tokens, step } = trainedPair(7);
    await step();
    const dir = path.join(root, "weights-only");
    await saveCheckpoint(dir, { model, optimizer, extras });
    for (const f of fs.readdirSync(dir).filter((f) => f.startsWith("optimizer-"))) fs.rmSync(path.join(dir, f));
    expect(() => loadCheckpoint(dir)).toThrow(/optimizer-000\.bin is missing/);
    const { model: loaded, checkpoint } = loadVla(dir);
    expect(checkpoint.optimizer).toBeNull();
    const [la, lb] = [model.logits(batch), loaded.logits(batch)];
    expect(lb.dataSync()).toEqual(la.dataSync());
    expect(() => restoreOptimizer(optimizer, checkpoint)).toThrow(/holds no optimizer state/);
    tf.dispose([la, lb, tokens]);
    disposeBatch(batch);
    [model, loaded].forEach((m) => m.dispose());
    optimizer.dispose();
  });

  test("loading into a model of another shape is an error naming the differing setting", async () => {
    const model = new Vla(config, 4);
    const dir = path.join(root, "shape");
    await saveCheckpoint(dir, { model });
    const other = new Vla({ ...config, width: 48, heads: 2 }, 4);
    expect(() => restoreWeights(other, loadCheckpoint(dir))).toThrow(/holds a VLA with width = 32, but this model has width = 48/);
    const opt = new AdamW(model.trainableVariables());
    expect(() => restoreOptimizer(opt, loadCheckpoint(dir))).toThrow(/holds no optimizer state/);
    [model, other].forEach((m) => m.dispose());
    opt.dispose();
  });

  test("tensors are split across files so that no file exceeds the limit", async () => {
    const model = new Vla(config, 5);
    const optimizer = new AdamW(model.trainableVariables());
    const dir = path.join(root, "split");
    await saveCheckpoint(dir, { model, optimizer }, { maxFileBytes: 40_000 });
    const sizes = fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).size);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith("weights-")).length).toBeGreaterThan(3);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(40_000);
    const { model: loaded } = loadVla(dir);
    model.trainableVariables().forEach((v, i) => expect(loaded.trainableVariables()[i].dataSync()).toEqual(v.dataSync()));
    [model, loaded].forEach((m) => m.dispose());
    optimizer.dispose();
  });

  test("a resumable checkpoint of `base` is ≤ 28 MiB with every file ≤ 16 MiB", async () => {
    const model = new Vla(vlaPreset("base"), 0);
    const optimizer = new AdamW(model.trainableVariables());
    const dir = path.join(root, "base");
    await saveCheckpoint(dir, { model, optimizer, extras });
    const sizes = fs.readdirSync(dir).map((f) => fs.statSync(path.join(dir, f)).size);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(28 * 2 ** 20);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(MAX_CHECKPOINT_FILE_BYTES);
    model.dispose();
    optimizer.dispose();
    fs.rmSync(dir, { recursive: true });
  });

  test("resuming from bfloat16 moments gives losses within 1e-3 of resuming from float32 moments", async () => {
    const losses: number[][] = [];
    for (const momentsDtype of ["float32", "bfloat16"] as const) {
      const { model, optimizer, batch, tokens, step } = trainedPair(6);
      for (let i = 0; i < 5; i++) await step();
      const dir = path.join(root, `resume-${momentsDtype}`);
      await saveCheckpoint(dir, { model, optimizer }, { momentsDtype });
      const { model: resumed, checkpoint } = resumeFrom(dir);
      const opt = new AdamW(resumed.trainableVariables(), checkpoint.optimizer!.config);
      restoreOptimizer(opt, checkpoint);
      const out: number[] = [];
      for (let i = 0; i < 5; i++) out.push((await opt.minimize(() => tf.neg(tf.mean(resumed.logProbs(batch, tokens, 1))) as tf.Scalar)).loss);
      tokens.dispose();
      disposeBatch(batch);
      [model, resumed].forEach((m) => m.dispose());
      [optimizer, opt].forEach((o) => o.dispose());
      losses.push(out);
    }
    losses[0].forEach((l, i) => expect(Math.abs(losses[1][i] - l)).toBeLessThan(1e-3));
  });

  test("with roundLiveMoments the writer and a run resumed from its bfloat16 checkpoint continue bit for bit", async () => {
    const { model, optimizer, batch, tokens, step } = trainedPair(8);
    for (let i = 0; i < 3; i++) await step();
    const before = await optimizer.getState();
    const dir = path.join(root, "round-live");
    await saveCheckpoint(dir, { model, optimizer }, { momentsDtype: "bfloat16", roundLiveMoments: true });
    const live = await optimizer.getState();
    // the live moments did change (to their bfloat16 values)
    expect(live.m.some((a, i) => a.some((x, j) => x !== before.m[i][j]))).toBe(true);
    const { model: resumed, checkpoint } = resumeFrom(dir);
    const opt = new AdamW(resumed.trainableVariables(), checkpoint.optimizer!.config);
    restoreOptimizer(opt, checkpoint);
    const loss = (m: Vla) => () => tf.neg(tf.mean(m.logProbs(batch, tokens, 1))) as tf.Scalar;
    for (let i = 0; i < 3; i++) {
      const [a, b] = [await optimizer.minimize(loss(model)), await opt.minimize(loss(resumed))];
      expect(b.loss).toBe(a.loss);
    }
    const [wa, wb] = [model.trainableVariables(), resumed.trainableVariables()].map((vs) => vs.map((v) => Array.from(v.dataSync())));
    expect(wb).toEqual(wa);
    tokens.dispose();
    disposeBatch(batch);
    [model, resumed].forEach((m) => m.dispose());
    [optimizer, opt].forEach((o) => o.dispose());
  });
});
