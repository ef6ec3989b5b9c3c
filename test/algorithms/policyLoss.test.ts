import { beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "../../models/gradients.ts";
import { clippedPolicyLoss, disposePolicyLoss, trajectoryTokenMeanWeights } from "../../algorithms/policyLoss.ts";
import { clippedValueLoss } from "../../algorithms/valueLoss.ts";

const bounds = { clipLow: 0.2, clipHigh: 0.28 };

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** Loss and d loss / d logpNew for a single token with ratio ρ and advantage A. */
function singleToken(ratio: number, advantage: number): { loss: number; grad: number; clipFrac: number } {
  const logpOld = tf.tensor2d([[-1]]);
  const logpNew = tf.tensor2d([[-1 + Math.log(ratio)]]);
  const adv = tf.tensor1d([advantage]);
  const mask = tf.tensor2d([[1]]);
  const f = (x: tf.Tensor) => {
    const r = clippedPolicyLoss(x as tf.Tensor2D, logpOld, adv, mask, bounds);
    const loss = r.loss;
    tf.dispose([r.pgLoss1, r.pgLoss2, r.clipFrac, r.approxKl, r.ratioMean, r.ratioMax]);
    return loss;
  };
  const grad = tf.grad(f)(logpNew);
  const r = clippedPolicyLoss(logpNew, logpOld, adv, mask, bounds);
  const out = { loss: r.loss.dataSync()[0], grad: grad.dataSync()[0], clipFrac: r.clipFrac.dataSync()[0] };
  disposePolicyLoss(r);
  tf.dispose([logpOld, logpNew, adv, mask, grad]);
  return out;
}

describe("clipped surrogate", () => {
  // d(−A·ρ)/d logp_new = −A·ρ when the unclipped branch is the max; 0 when the clipped one is.
  it("positive A, ρ just inside 1.28: unclipped, gradient −A·ρ", () => {
    const { loss, grad, clipFrac } = singleToken(1.27, 2);
    expect(loss).toBeCloseTo(-2.54, 5);
    expect(grad).toBeCloseTo(-2.54, 5);
    expect(clipFrac).toBe(0);
  });
  it("positive A, ρ just outside 1.28: clipped to −A·1.28, gradient zero", () => {
    const { loss, grad, clipFrac } = singleToken(1.29, 2);
    expect(loss).toBeCloseTo(-2.56, 5);
    expect(grad).toBe(0);
    expect(clipFrac).toBe(1);
  });
  it("positive A, ρ below 0.8 is not clipped (the pessimistic bound keeps −A·ρ)", () => {
    const { loss, grad } = singleToken(0.79, 1);
    expect(loss).toBeCloseTo(-0.79, 5);
    expect(grad).toBeCloseTo(-0.79, 5);
  });
  it("negative A, ρ just inside 0.8: unclipped, gradient −A·ρ", () => {
    const { loss, grad } = singleToken(0.81, -1);
    expect(loss).toBeCloseTo(0.81, 5);
    expect(grad).toBeCloseTo(0.81, 5);
  });
  it("negative A, ρ just outside 0.8: clipped to −A·0.8, gradient zero", () => {
    const { loss, grad, clipFrac } = singleToken(0.79, -1);
    expect(loss).toBeCloseTo(0.8, 5);
    expect(grad).toBe(0);
    expect(clipFrac).toBe(1);
  });
  it("negative A, ρ above 1.28 is not clipped", () => {
    const { loss, grad } = singleToken(1.29, -1);
    expect(loss).toBeCloseTo(1.29, 5);
    expect(grad).toBeCloseTo(1.29, 5);
  });

  it("approxKl is the k3 estimator (ρ − 1) − log ρ averaged over valid tokens", () => {
    // tokens ρ = 2 and ρ = 0.5 (the third is masked): k3 = (1 − ln 2) and (−0.5 + ln 2); mean = 0.25
    const logpOld = tf.zeros([1, 3]) as tf.Tensor2D;
    const logpNew = tf.tensor2d([[Math.log(2), Math.log(0.5), 5]]);
    const r = clippedPolicyLoss(logpNew, logpOld, tf.tensor1d([0]), tf.tensor2d([[1, 1, 0]]), bounds);
    expect(r.approxKl.dataSync()[0]).toBeCloseTo(0.25, 5);
    expect(r.ratioMean.dataSync()[0]).toBeCloseTo(1.25, 5);
    expect(r.ratioMax.dataSync()[0]).toBeCloseTo(2, 5);
    disposePolicyLoss(r);
  });

  it("token mean within each trajectory then mean over trajectories matches a plain loop", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 1 << 30 }),
        (N, T, seed) => {
          let s = seed;
          const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
          const lpOld = Array.from({ length: N }, () => Array.from({ length: T }, () => -3 * rand()));
          const lpNew = lpOld.map((row) => row.map((x) => x + (rand() - 0.5)));
          const adv = Array.from({ length: N }, () => 2 * rand() - 1);
          const valid = Array.from({ length: N }, () => 1 + Math.floor(rand() * T));
          const mask = valid.map((v) => Array.from({ length: T }, (_, t) => (t < v ? 1 : 0)));
          let expected = 0;
          for (let n = 0; n < N; n++) {
            let sum = 0;
            for (let t = 0; t < valid[n]; t++) {
              const rho = Math.exp(lpNew[n][t] - lpOld[n][t]);
              sum += Math.max(-adv[n] * rho, -adv[n] * Math.min(Math.max(rho, 0.8), 1.28));
            }
            expected += sum / valid[n] / N;
          }
          const got = tf.tidy(() =>
            clippedPolicyLoss(tf.tensor2d(lpNew), tf.tensor2d(lpOld), tf.tensor1d(adv), tf.tensor2d(mask), bounds).loss.dataSync()[0],
          );
          expect(got).toBeCloseTo(expected, 4);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("is not the global token mean: a long trajectory does not outweigh a short one", () => {
    // two rows, ρ = 1: per-token loss −A. Row 0 has A = 1 on 1 token, row 1 has A = −1 on 4 tokens.
    // trajectory mean: (−1 + 1)/2 = 0; global token mean would be (−1 + 4)/5 = 0.6
    const mask = tf.tensor2d([[1, 0, 0, 0], [1, 1, 1, 1]]);
    const zeros = tf.zeros([2, 4]) as tf.Tensor2D;
    const r = clippedPolicyLoss(zeros, zeros, tf.tensor1d([1, -1]), mask, bounds);
    expect(r.loss.dataSync()[0]).toBeCloseTo(0, 6);
    const w = trajectoryTokenMeanWeights(mask);
    expect(Array.from(w.dataSync())).toEqual([0.5, 0, 0, 0, 0.125, 0.125, 0.125, 0.125]);
    disposePolicyLoss(r);
  });

  it("names the argument when shapes disagree", () => {
    const a = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => clippedPolicyLoss(a, tf.zeros([2, 4]) as tf.Tensor2D, tf.zeros([2]) as tf.Tensor1D, a, bounds)).toThrow(/logpOld/);
    expect(() => clippedPolicyLoss(a, a, tf.zeros([3]) as tf.Tensor1D, a, bounds)).toThrow(/advantages/);
  });
});

describe("clipped value loss", () => {
  it("by hand: the larger of clipped and unclipped error, halved and averaged", () => {
    // row 0: V = 1.0, V_old = 0.5, R = 0 → unclipped 1.0; V_clipped = 0.5 + 0.2 = 0.7 → 0.49; max 1.0
    // row 1: V = 0.0, V_old = 0.5, R = 1 → unclipped 1.0; V_clipped = 0.3 → 0.49; max 1.0
    // row 2: V = 0.9, V_old = 0.5, R = 1 → unclipped 0.01; V_clipped = 0.7 → 0.09 (clipped binds)
    // loss = 0.5·(1 + 1 + 0.09)/3 = 0.348333…; vfClipFrac = 1/3
    const r = clippedValueLoss(tf.tensor1d([1, 0, 0.9]), tf.tensor1d([0.5, 0.5, 0.5]), tf.tensor1d([0, 1, 1]), 0.2);
    expect(r.loss.dataSync()[0]).toBeCloseTo(0.3483333, 5);
    expect(r.vfClipFrac.dataSync()[0]).toBeCloseTo(1 / 3, 5);
    tf.dispose([r.loss, r.vfClipFrac]);
  });
});
