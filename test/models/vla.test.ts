import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ATTENTION_VARIANTS } from "../../models/attention.ts";
import { selectBackend } from "../../models/backend.ts";
import { vlaPreset } from "../../models/config.ts";
import { logProbsFromLogits } from "../../models/sampling.ts";
import { ACTION_SLOTS, NUM_BINS } from "../../models/types.ts";
import { Vla } from "../../models/vla.ts";
import { disposeBatch, makeBatch } from "./helpers.ts";

beforeAll(async () => {
  await selectBackend("wasm");
});

describe("output shapes", () => {
  for (const name of ["tiny", "small", "base"]) {
    test(`${name}: logits [B,56,256], features [B,D], logProbs [B,56]`, () => {
      const config = vlaPreset(name);
      const model = new Vla(config, 0);
      const batch = makeBatch(config, 2, 5);
      const tokens = tf.zeros([2, ACTION_SLOTS], "int32") as tf.Tensor2D;
      try {
        const [logits, features, logProbs] = [model.logits(batch), model.features(batch), model.logProbs(batch, tokens, 1.6)];
        expect(logits.shape).toEqual([2, ACTION_SLOTS, NUM_BINS]);
        expect(features.shape).toEqual([2, config.width]);
        expect(logProbs.shape).toEqual([2, ACTION_SLOTS]);
        tf.dispose([logits, features, logProbs]);
      } finally {
        tokens.dispose();
        disposeBatch(batch);
        model.dispose();
      }
    });
  }

  test("parameter counts: tiny < 100k, small a few million, base larger", () => {
    const counts = ["tiny", "small", "base"].map((n) => {
      const m = new Vla(vlaPreset(n), 0);
      const c = m.numParams();
      m.dispose();
      return c;
    });
    expect(counts[0]).toBeLessThan(100_000);
    expect(counts[1]).toBeGreaterThan(1_000_000);
    expect(counts[2]).toBeGreaterThan(counts[1]);
  });
});

describe("determinism", () => {
  const config = vlaPreset("tiny");

  test("the same seed gives bit-identical weights, another seed different ones", () => {
    const [a, b, c] = [new Vla(config, 7), new Vla(config, 7), new Vla(config, 8)];
    const flat = (m: Vla) => m.trainableVariables().flatMap((v) => Array.from(v.dataSync()));
    const [fa, fb, fc] = [flat(a), flat(b), flat(c)];
    expect(fa).toEqual(fb);
    expect(fa).not.toEqual(fc);
    [a, b, c].forEach((m) => m.dispose());
  });

  test("the same seeds give the same samples", () => {
    const model = new Vla(config, 1);
    const batch = makeBatch(config, 3, 4);
    const rngs = () => [0, 1, 2].map((i) => seedrandom(`row-${i}`));
    const first = model.sample(batch, 1.6, rngs());
    const second = model.sample(batch, 1.6, rngs());
    expect(first.tokens).toEqual(second.tokens);
    expect(first.logProbs).toEqual(second.logProbs);
    disposeBatch(batch);
    model.dispose();
  });

  test("row b's samples do not change when the other rows of the batch change", () => {
    const model = new Vla(config, 1);
    const small = makeBatch(config, 1, 4, 5);
    const others = makeBatch(config, 3, 4, 9);
    // Row 1 of `mixed` is the single row of `small`; rows 0 and 2 are unrelated observations.
    const mixed = {
      images: tf.concat([tf.slice(others.images, [0], [1]), small.images, tf.slice(others.images, [2], [1])]) as tf.Tensor4D,
      text: tf.concat([tf.slice(others.text, [0], [1]), small.text, tf.slice(others.text, [2], [1])]) as tf.Tensor2D,
    };
    const alone = model.sample(small, 1.6, [seedrandom("key")]);
    const inBatch = model.sample(mixed, 1.6, [seedrandom("other-0"), seedrandom("key"), seedrandom("other-2")]);
    expect(inBatch.tokens.subarray(ACTION_SLOTS, 2 * ACTION_SLOTS)).toEqual(alone.tokens);
    for (let s = 0; s < ACTION_SLOTS; s++) expect(inBatch.logProbs[ACTION_SLOTS + s]).toBeCloseTo(alone.logProbs[s], 5);
    [small, others, mixed].forEach(disposeBatch);
    model.dispose();
  });
});

describe("decoding and log-probs", () => {
  const config = vlaPreset("tiny");
  let model: Vla;
  beforeAll(() => {
    model = new Vla(config, 3);
  });
  afterAll(() => model.dispose());

  test("greedy decoding is the argmax of the logits", () => {
    const batch = makeBatch(config, 2, 4);
    const logits = model.logits(batch);
    const argmax = tf.argMax(logits, -1);
    expect(model.greedy(batch)).toEqual(new Int32Array(argmax.dataSync()));
    tf.dispose([logits, argmax]);
    disposeBatch(batch);
  });

  test("sampleAsync and greedyAsync (for webgpu) return what sample and greedy return", async () => {
    const batch = makeBatch(config, 2, 4);
    const sync = model.sample(batch, 1.6, [seedrandom("x"), seedrandom("y")]);
    const viaAsync = await model.sampleAsync(batch, 1.6, [seedrandom("x"), seedrandom("y")]);
    expect(viaAsync).toEqual(sync);
    expect(await model.greedyAsync(batch)).toEqual(model.greedy(batch));
    disposeBatch(batch);
  });

  test("log-probs of sampled tokens match a plain-loop float64 reference from the logits", () => {
    const batch = makeBatch(config, 2, 4);
    const temperature = 1.6;
    const { tokens, logProbs: sampled } = model.sample(batch, temperature, [seedrandom("a"), seedrandom("b")]);
    const logits = model.logits(batch);
    const reference = logProbsFromLogits(logits.dataSync() as Float32Array, tokens, 2, ACTION_SLOTS, NUM_BINS, temperature);
    const tokenTensor = tf.tensor2d(tokens, [2, ACTION_SLOTS], "int32");
    const fromTensor = model.logProbs(batch, tokenTensor, temperature);
    const viaTf = fromTensor.dataSync();
    for (let i = 0; i < reference.length; i++) {
      expect(viaTf[i]).toBeCloseTo(reference[i], 4);
      expect(sampled[i]).toBeCloseTo(reference[i], 5);
    }
    tf.dispose([logits, tokenTensor, fromTensor]);
    disposeBatch(batch);
  });

  test("extra right-padding of the instruction leaves the logits unchanged (pad keys are masked)", () => {
    const batch = makeBatch(config, 2, 4);
    const padded = { images: batch.images, text: tf.pad(batch.text, [[0, 0], [0, 3]]) as tf.Tensor2D };
    const [a, b] = [model.logits(batch), model.logits(padded)];
    const [da, db] = [a.dataSync(), b.dataSync()];
    for (let i = 0; i < da.length; i++) expect(db[i]).toBeCloseTo(da[i], 5);
    tf.dispose([a, b, padded.text]);
    disposeBatch(batch);
  });

  test("pixels enter as 2x − 1: a mid-grey image reaches the patch embedding as zeros, so patch.w cannot change its logits", () => {
    const grey = makeBatch(config, 2, 4);
    const batch = { images: tf.fill(grey.images.shape, 0.5) as tf.Tensor4D, text: grey.text };
    const m = new Vla(config, 5);
    const patchW = m.trainableVariables()[m.paramNames().indexOf("patch.w")];
    const before = m.logits(batch);
    const scaled = tf.mul(patchW, 3);
    patchW.assign(scaled);
    const after = m.logits(batch);
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    // while a non-grey image does see the change
    const other = m.logits(grey);
    patchW.assign(tf.div(patchW, 3));
    const otherBefore = m.logits(grey);
    expect(Array.from(other.dataSync())).not.toEqual(Array.from(otherBefore.dataSync()));
    tf.dispose([before, after, scaled, other, otherBefore, batch.images]);
    disposeBatch(grey);
    m.dispose();
  });

  test("the three attention variants compute the same logits", () => {
    const batch = makeBatch(config, 3, 5);
    const outs = ATTENTION_VARIANTS.map((attention) => {
      const m = new Vla(config, 3, { attention });
      const l = m.logits(batch);
      const d = Array.from(l.dataSync());
      l.dispose();
      m.dispose();
      return d;
    });
    for (const o of outs.slice(1)) o.forEach((x, i) => expect(x).toBeCloseTo(outs[0][i], 5));
    disposeBatch(batch);
  });

  test("a wrongly shaped batch or token tensor is a clear error", () => {
    const batch = makeBatch(config, 2, 4);
    const wrongImages = { images: tf.zeros([2, 32, 32, 3]) as tf.Tensor4D, text: batch.text };
    expect(() => model.logits(wrongImages)).toThrow(/batch.images must be \[B, 64, 64, 3\]/);
    const longText = { images: batch.images, text: tf.zeros([2, config.maxTextLen + 1], "int32") as tf.Tensor2D };
    expect(() => model.logits(longText)).toThrow(/maxTextLen is 8/);
    const badTokens = tf.zeros([2, 10], "int32") as tf.Tensor2D;
    expect(() => model.logProbs(batch, badTokens, 1)).toThrow(/tokens must be an int32 \[2, 56\]/);
    expect(() => model.sample(batch, 0, [Math.random, Math.random])).toThrow(/temperature must be a positive/);
    expect(() => model.sample(batch, 1, [Math.random])).toThrow(/one stream per batch row \(2\)/);
    tf.dispose([wrongImages.images, longText.text, badTokens]);
    disposeBatch(batch);
  });
});
