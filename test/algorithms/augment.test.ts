import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import seedrandom from "seedrandom";
import fc from "fast-check";
import { augmentImages, defaultAugmentConfig, imagesToTensor } from "../../algorithms/augment.ts";
import { prepareImages } from "../../models/imagePrep.ts";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

/** A 128×128 image with a colour gradient, so crops and jitter change it visibly. */
function gradientImage(seed: number): Uint8Array {
  const img = new Uint8Array(128 * 128 * 3);
  for (let y = 0; y < 128; y++)
    for (let x = 0; x < 128; x++) {
      const i = (y * 128 + x) * 3;
      img[i] = (x * 2 + seed) % 256;
      img[i + 1] = (y * 2) % 256;
      img[i + 2] = (x + y + 3 * seed) % 256;
    }
  return img;
}

describe("augmentImages", () => {
  it("is deterministic under a seed and differs across seeds", () => {
    const images = imagesToTensor([gradientImage(0), gradientImage(40)]);
    const a = augmentImages(images, seedrandom("s"), 64);
    const b = augmentImages(images, seedrandom("s"), 64);
    const c = augmentImages(images, seedrandom("t"), 64);
    expect(a.shape).toEqual([2, 64, 64, 3]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    tf.dispose([images, a, b, c]);
  });

  it("output stays in [0, 1]", () => {
    const images = imagesToTensor([gradientImage(1), gradientImage(2), gradientImage(3), gradientImage(4)]);
    const out = augmentImages(images, seedrandom("range"), 32);
    const { min, max } = tf.tidy(() => ({ min: tf.min(out).dataSync()[0], max: tf.max(out).dataSync()[0] }));
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(1);
    tf.dispose([images, out]);
  });

  it("neutral settings give back the image (the HSV round trip is exact)", () => {
    const images = imagesToTensor([gradientImage(7)]);
    const neutral = { cropArea: 1, brightness: 0, contrast: [1, 1] as [number, number], saturation: [1, 1] as [number, number], hue: 0 };
    const out = augmentImages(images, seedrandom("n"), 128, neutral);
    const maxErr = tf.tidy(() => tf.max(tf.abs(tf.sub(out, images))).dataSync()[0]);
    expect(maxErr).toBeLessThan(1e-5);
    tf.dispose([images, out]);
  });

  it("a hue shift of 1/3 turn takes pure red to pure green", () => {
    const red = tf.tidy(() => tf.tile(tf.tensor4d([1, 0, 0], [1, 1, 1, 3]), [1, 4, 4, 1])) as tf.Tensor4D;
    const cfg = { ...defaultAugmentConfig(), cropArea: 1, brightness: 0, contrast: [1, 1] as [number, number], saturation: [1, 1] as [number, number], hue: 1 / 3 };
    // rng always 1 → hue delta = +1/3 (the other draws are fixed by the neutral ranges)
    const out = augmentImages(red, () => 1, 4, cfg);
    const px = Array.from(out.dataSync().slice(0, 3));
    expect(px[0]).toBeCloseTo(0, 5);
    expect(px[1]).toBeCloseTo(1, 5);
    expect(px[2]).toBeCloseTo(0, 5);
    tf.dispose([red, out]);
  });

  it("saturation and hue match a plain-loop HSV reference (tf.image.adjust_saturation / adjust_hue)", () => {
    /** One pixel through RGB → HSV, S·f clipped, H + δ mod 1, → RGB, the textbook way. */
    function reference([r, g, b]: number[], f: number, delta: number): number[] {
      const v = Math.max(r, g, b);
      const c = v - Math.min(r, g, b);
      const s = v > 0 ? c / v : 0;
      let h = 0;
      if (c > 0) h = v === r ? (((g - b) / c) % 6 + 6) % 6 : v === g ? (b - r) / c + 2 : (r - g) / c + 4;
      h = (((h / 6 + delta) % 1) + 1) % 1;
      const s2 = Math.min(Math.max(s * f, 0), 1);
      const hi = Math.floor(h * 6) % 6;
      const fr = h * 6 - Math.floor(h * 6);
      const p = v * (1 - s2);
      const q = v * (1 - s2 * fr);
      const t = v * (1 - s2 * (1 - fr));
      return [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][hi];
    }
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 12, maxLength: 12 }),
        fc.double({ min: 0.8, max: 1.2, noNaN: true }),
        fc.double({ min: -0.05, max: 0.05, noNaN: true }),
        (bytes, f, delta) => {
          const image = tf.tensor4d(bytes.map((x) => x / 255), [1, 2, 2, 3]);
          const cfg = { cropArea: 1, brightness: 0, contrast: [1, 1] as [number, number], saturation: [f, f] as [number, number], hue: Math.abs(delta) };
          // rng ≡ 1 draws the upper end of every range: hue δ = +|delta|
          const out = augmentImages(image, () => 1, 2, cfg);
          const got = Array.from(out.dataSync());
          tf.dispose([image, out]);
          for (let px = 0; px < 4; px++) {
            const want = reference(bytes.slice(3 * px, 3 * px + 3).map((x) => x / 255), f, Math.abs(delta));
            want.forEach((w, ch) => expect(got[3 * px + ch]).toBeCloseTo(Math.min(Math.max(w, 0), 1), 4));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("does not leak tensors", () => {
    const images = imagesToTensor([gradientImage(5)]);
    tf.dispose(augmentImages(images, seedrandom("w"), 32));
    const before = tf.memory().numTensors;
    tf.dispose(augmentImages(images, seedrandom("w2"), 32));
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
  });
});

describe("augmentation and the rollout's centre crop", () => {
  it("the middle of every range (rng ≡ 0.5) is the rollout's centre crop of models/imagePrep.ts", () => {
    const raw = [gradientImage(3), gradientImage(9)];
    const images = imagesToTensor(raw);
    const middle = augmentImages(images, () => 0.5, 64);
    const centre = prepareImages(raw, 64);
    const maxErr = tf.tidy(() => tf.max(tf.abs(tf.sub(middle, centre))).dataSync()[0]);
    expect(maxErr).toBeLessThan(1e-5);
    tf.dispose([images, middle, centre]);
  });

  it("rejects a wrong image size with the sizes named", () => {
    expect(() => imagesToTensor([new Uint8Array(10)])).toThrow(/images\[0\] has 10 bytes/);
  });
});
