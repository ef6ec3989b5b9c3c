import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../../models/backend.ts";
import { vlaPreset } from "../../models/config.ts";
import { gelu, layerNorm, linear, repeatRows } from "../../models/layers.ts";
import { ACTION_SLOTS } from "../../models/types.ts";
import { Vla } from "../../models/vla.ts";
import { disposeBatch, makeBatch } from "./helpers.ts";

beforeAll(async () => {
  await selectBackend("wasm");
});

const config = vlaPreset("tiny");

/** Mean log-prob of fixed tokens: an O(1) smooth scalar of every weight. */
function lossOf(model: Vla, batch: ReturnType<typeof makeBatch>, tokens: tf.Tensor2D): tf.Scalar {
  return tf.mean(model.logProbs(batch, tokens, 1.3)) as tf.Scalar;
}

function fixedTokens(B: number): tf.Tensor2D {
  return tf.tensor2d(Int32Array.from({ length: B * ACTION_SLOTS }, (_, i) => (i * 37) % 256), [B, ACTION_SLOTS], "int32");
}

describe("gradients", () => {
  test("linear's written-out gradient equals tfjs's autodiff of matMul + bias", () => {
    const x = tf.randomNormal([5, 4], 0, 1, "float32", 1) as tf.Tensor2D;
    const w = tf.randomNormal([4, 3], 0, 1, "float32", 2) as tf.Tensor2D;
    const b = tf.randomNormal([3], 0, 1, "float32", 3) as tf.Tensor1D;
    const up = tf.randomNormal([5, 3], 0, 1, "float32", 4);
    const ours = tf.grads((x, w, b) => tf.sum(tf.mul(linear(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), up)))([x, w, b]);
    const ref = tf.grads((x, w, b) => tf.sum(tf.mul(tf.add(tf.matMul(x, w), b), up)))([x, w, b]);
    ours.forEach((g, i) => Array.from(g.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(ref[i].dataSync()[j], 5)));
    tf.dispose([x, w, b, up, ...ours, ...ref]);
  });

  test("repeatRows equals broadcastTo, value and gradient (the gradient is the sum over the B copies)", () => {
    const x = tf.randomNormal([1, 3, 4], 0, 1, "float32", 5);
    const up = tf.randomNormal([6, 3, 4], 0, 1, "float32", 6);
    expect(Array.from(repeatRows(x, 6).dataSync())).toEqual(Array.from(tf.broadcastTo(x, [6, 3, 4]).dataSync()));
    const [ours] = tf.grads((a) => tf.sum(tf.mul(repeatRows(a, 6), up)))([x]);
    const [ref] = tf.grads((a) => tf.sum(tf.mul(tf.broadcastTo(a, [6, 3, 4]), up)))([x]);
    expect(ours.shape).toEqual([1, 3, 4]);
    Array.from(ours.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(ref.dataSync()[j], 5));
    expect(() => repeatRows(up, 2)).toThrow(/leading axis of 1/);
    tf.dispose([x, up, ours, ref]);
  });

  test("layerNorm's and gelu's written-out gradients equal tfjs's autodiff of their formulas", () => {
    const x = tf.randomNormal([6, 5], 0, 2, "float32", 5) as tf.Tensor2D;
    const g = tf.randomNormal([5], 1, 0.3, "float32", 6) as tf.Tensor1D;
    const b = tf.randomNormal([5], 0, 1, "float32", 7) as tf.Tensor1D;
    const up = tf.randomNormal([6, 5], 0, 1, "float32", 8);
    const lnRef = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const c = tf.sub(x, tf.mean(x, -1, true));
      return tf.add(tf.mul(tf.div(c, tf.sqrt(tf.add(tf.mean(tf.square(c), -1, true), 1e-5))), g), b);
    };
    const geluRef = (x: tf.Tensor) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1));
    const pairs: [tf.Tensor[], tf.Tensor[]][] = [
      [tf.grads((x, g, b) => tf.sum(tf.mul(layerNorm(x as tf.Tensor2D, g as tf.Tensor1D, b as tf.Tensor1D), up)))([x, g, b]), tf.grads((x, g, b) => tf.sum(tf.mul(lnRef(x, g, b), up)))([x, g, b])],
      [tf.grads((x) => tf.sum(tf.mul(gelu(x as tf.Tensor2D), up)))([x]), tf.grads((x) => tf.sum(tf.mul(geluRef(x), up)))([x])],
    ];
    for (const [ours, ref] of pairs) ours.forEach((t, i) => Array.from(t.dataSync()).forEach((v, j) => expect(v).toBeCloseTo(ref[i].dataSync()[j], 4)));
    tf.dispose([x, g, b, up, ...pairs.flat(2)]);
  });

  test("split2d attention's hand-written gradient equals autodiff of the batched variant", () => {
    const batch = makeBatch(config, 3, 6);
    const tokens = fixedTokens(3);
    const grads = (["split2d", "batched"] as const).map((attention) => {
      const model = new Vla(config, 11, { attention });
      const { value, grads } = tf.variableGrads(() => lossOf(model, batch, tokens), model.trainableVariables());
      const flat = model.trainableVariables().map((v) => Array.from(grads[v.name].dataSync()));
      tf.dispose([value, grads]);
      model.dispose();
      return flat;
    });
    grads[0].forEach((g, i) => {
      const scale = Math.max(1e-6, ...grads[1][i].map(Math.abs));
      g.forEach((v, j) => expect(Math.abs(v - grads[1][i][j]) / scale).toBeLessThan(1e-3));
    });
    tokens.dispose();
    disposeBatch(batch);
  });

  test("gradients agree with central finite differences along each tensor's gradient direction (float32, 3%)", () => {
    // Along the unit direction u = g/‖g‖ the loss changes by ε·‖g‖, far above float32 round-off, whereas a
    // single entry's change (ε·g_j ~ 1e-6) drowns in it.
    const model = new Vla(config, 5);
    const batch = makeBatch(config, 2, 6);
    const tokens = fixedTokens(2);
    const vars = model.trainableVariables();
    const names = model.paramNames();
    const { value, grads } = tf.variableGrads(() => lossOf(model, batch, tokens), vars);
    const lossAt = () => tf.tidy(() => lossOf(model, batch, tokens).dataSync()[0]);
    for (const name of ["patch.w", "patch.pos", "text.embed", "slots", "block0.qkv.w", "block0.ln1.gamma", "block1.fc2.w", "final.ln.gamma", "head.w"]) {
      const v = vars[names.indexOf(name)];
      const g = grads[v.name];
      const analytic = tf.tidy(() => tf.norm(g).dataSync()[0]);
      // Step so that the loss moves by about 2e-4 (≫ float32 round-off of a loss near 5.5), at most 0.3.
      const eps = Math.min(0.3, 2e-4 / analytic);
      const original = tf.clone(v);
      const shifted = (d: number) => {
        tf.tidy(() => v.assign(tf.add(original, tf.mul(g, d / analytic))));
        return lossAt();
      };
      const numeric = (shifted(eps) - shifted(-eps)) / (2 * eps);
      v.assign(original);
      original.dispose();
      expect(Math.abs(numeric - analytic) / analytic, `${name}: analytic ${analytic}, numeric ${numeric}`).toBeLessThan(0.03);
    }
    tf.dispose([value, grads, tokens]);
    disposeBatch(batch);
    model.dispose();
  });
});
