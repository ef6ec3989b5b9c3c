/**
 * OpenVLA-OFT's SFT image augmentation: random resized crop of 0.9 area + colour jitter. Its deterministic
 * counterpart for rollouts and evaluation, the centre crop of the same area, is `models/imagePrep.ts`; the
 * middle of every range here (rng ≡ 0.5) reproduces it (tested).
 *
 * Source: OFT `prismatic/vla/datasets/datasets.py` image_aug settings, run through dlimp's augmentation
 * ops in this order: random_resized_crop(scale 0.9, ratio 1), random_brightness(0.2),
 * random_contrast(0.8, 1.2), random_saturation(0.8, 1.2), random_hue(0.05), clipping to [0, 1] after each;
 * SIMPLEVLA_RL.md §2.
 * Brightness, contrast, saturation and hue follow TF's `tf.image.adjust_*` definitions (HSV for the last
 * two). The crop + resize is bilinear (`tf.image.cropAndResize`), as the original's.
 *
 * Shape letters (STYLE.md): B batch; images are [B, H, W, 3] float32 in [0, 1], row 0 at top.
 */
import * as tf from "@tensorflow/tfjs-core";
import { CROP_AREA } from "../models/imagePrep.ts";
import type { Rng } from "../models/types.ts";

/** The jitter ranges; defaults are OFT's. */
export interface AugmentConfig {
  /** Fraction of the image area kept by the crop (square crops: side √area). */
  cropArea: number;
  /** Brightness delta drawn from [−b, b], added. */
  brightness: number;
  /** Contrast factor range, applied around the per-channel mean. */
  contrast: [number, number];
  /** Saturation factor range, multiplies HSV saturation. */
  saturation: [number, number];
  /** Hue delta drawn from [−h, h], in turns (1 = 360°). */
  hue: number;
}

export function defaultAugmentConfig(): AugmentConfig {
  return { cropArea: CROP_AREA, brightness: 0.2, contrast: [0.8, 1.2], saturation: [0.8, 1.2], hue: 0.05 };
}

/**
 * Stacks raw env images (each H·W·3 bytes, row 0 at top) into [B, H, W, 3] float32 in [0, 1].
 */
export function imagesToTensor(images: readonly Uint8Array[], height = 128, width = 128): tf.Tensor4D {
  if (images.length === 0) throw new Error("imagesToTensor needs at least one image.");
  const size = height * width * 3;
  const flat = new Float32Array(images.length * size); // [B·H·W·3]
  images.forEach((img, b) => {
    if (img.length !== size) {
      throw new Error(`images[${b}] has ${img.length} bytes; a ${height}×${width} RGB image has ${size}.`);
    }
    for (let i = 0; i < size; i++) flat[b * size + i] = img[i] / 255;
  });
  return tf.tensor4d(flat, [images.length, height, width, 3]);
}

/**
 * OFT's training augmentation on a batch, every image with its own draws from `rng` (in this order per
 * image: crop y, crop x, brightness, contrast, saturation, hue), so the result is fixed by the seed.
 *   crop:        square box of side √area at a uniform offset, bilinear resize to outSize
 *   brightness:  x + δ,                      δ ~ U[−0.2, 0.2]
 *   contrast:    (x − mean_c) · f + mean_c,   f ~ U[0.8, 1.2], mean per image and channel
 *   saturation:  S ← clip(S · f, 0, 1) in HSV, f ~ U[0.8, 1.2]
 *   hue:         H ← (H + δ) mod 1 in HSV,      δ ~ U[−0.05, 0.05]
 * each followed by clipping to [0, 1].
 * @param images [B, H, W, 3] in [0, 1] → [B, outSize, outSize, 3] in [0, 1]
 */
export function augmentImages(
  images: tf.Tensor4D,
  rng: Rng,
  outSize: number,
  config: AugmentConfig = defaultAugmentConfig(),
): tf.Tensor4D {
  const side = checkedSide(config.cropArea);
  const batch = images.shape[0];
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const boxes: number[][] = [];
  const brightness: number[] = [];
  const contrast: number[] = [];
  const saturation: number[] = [];
  const hue: number[] = [];
  for (let b = 0; b < batch; b++) {
    const y = uniform(0, 1 - side);
    const x = uniform(0, 1 - side);
    boxes.push([y, x, y + side, x + side]);
    brightness.push(uniform(-config.brightness, config.brightness));
    contrast.push(uniform(config.contrast[0], config.contrast[1]));
    saturation.push(uniform(config.saturation[0], config.saturation[1]));
    hue.push(uniform(-config.hue, config.hue));
  }
  return tf.tidy(() => {
    const perImage = (v: number[]) => tf.tensor4d(v, [batch, 1, 1, 1]); // [B, 1, 1, 1]
    let x: tf.Tensor4D = cropResize(images, boxes, outSize); // [B, S, S, 3]
    x = tf.clipByValue(tf.add(x, perImage(brightness)), 0, 1);
    const mean = tf.mean(x, [1, 2], true); // [B, 1, 1, 3]
    x = tf.clipByValue(tf.add(tf.mul(tf.sub(x, mean), perImage(contrast)), mean), 0, 1);
    const [h, s, v] = rgbToHsv(x); // each [B, S, S, 1]
    const saturated = tf.clipByValue(tf.mul(s, perImage(saturation)), 0, 1) as tf.Tensor4D;
    const shifted = tf.mod(tf.add(h, perImage(hue)), 1) as tf.Tensor4D;
    return tf.clipByValue(hsvToRgb(shifted, saturated, v), 0, 1) as tf.Tensor4D;
  });
}

function checkedSide(cropArea: number): number {
  if (!(cropArea > 0 && cropArea <= 1)) throw new Error(`cropArea must be in (0, 1], got ${cropArea}.`);
  return Math.sqrt(cropArea);
}

/** Crops normalized boxes [y1, x1, y2, x2] (one per image) and resizes them bilinearly to outSize. */
function cropResize(images: tf.Tensor4D, boxes: number[][], outSize: number): tf.Tensor4D {
  if (!Number.isInteger(outSize) || outSize < 1) throw new Error(`outSize must be a positive integer, got ${outSize}.`);
  return tf.tidy(() => {
    const boxTensor = tf.tensor2d(boxes, [boxes.length, 4]); // [B, 4]
    const boxIndex = tf.range(0, boxes.length, 1, "int32") as tf.Tensor1D; // [B]
    return tf.image.cropAndResize(images, boxTensor, boxIndex, [outSize, outSize], "bilinear");
  });
}

/** Columns (G − B, B − R, R − G) of [R, G, B]: the hue numerator for a max in R, G and B respectively. */
const HUE_DIFFERENCES = [
  [0, -1, 1],
  [1, 0, -1],
  [-1, 1, 0],
];

/**
 * RGB → HSV, all channels in [0, 1] (H in turns), as `tf.image.rgb_to_hsv`:
 *   V = max, C = max − min, S = C / V (0 where V = 0),
 *   H = ((G − B)/C mod 6)/6 if V = R, ((B − R)/C + 2)/6 if V = G, ((R − G)/C + 4)/6 otherwise; 0 where C = 0.
 * The three branches are computed side by side ([.., 3], one matMul) and the one of the first maximal
 * channel is picked by a one-hot of argMax, which breaks ties R, G, B as the definition's order does
 * (and avoids splitting channels, slow on wasm).
 * @param rgb [B, S, S, 3] → three [B, S, S, 1]
 */
function rgbToHsv(rgb: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  return tf.tidy(() => {
    const [B, height, width] = rgb.shape;
    const v = tf.max(rgb, 3, true); // [B, S, S, 1]
    const chroma = tf.sub(v, tf.min(rgb, 3, true)); // [B, S, S, 1]
    const safeChroma = tf.where(tf.greater(chroma, 0), chroma, tf.onesLike(chroma));
    const safeV = tf.where(tf.greater(v, 0), v, tf.onesLike(v));
    const s = tf.div(chroma, safeV) as tf.Tensor4D; // 0 where V = 0, as then C = 0
    const differences = tf.reshape(tf.matMul(tf.reshape(rgb, [-1, 3]), tf.tensor2d(HUE_DIFFERENCES)), [B, height, width, 3]);
    const sectors = tf.mod(tf.add(tf.div(differences, safeChroma), tf.tensor1d([0, 2, 4])), 6); // [B, S, S, 3]
    const maxChannel = tf.oneHot(tf.argMax(rgb, 3), 3); // [B, S, S, 3]
    const sector = tf.sum(tf.mul(sectors, maxChannel), 3, true); // [B, S, S, 1]
    const h = tf.where(tf.greater(chroma, 0), tf.div(sector, 6), tf.zerosLike(chroma)) as tf.Tensor4D;
    return [h, s, v as tf.Tensor4D];
  });
}

/**
 * HSV → RGB: channel n ∈ {R: 5, G: 3, B: 1} is V − V·S·clip(min(k, 4 − k), 0, 1) with k = (n + 6H) mod 6.
 * @param h, s, v [B, S, S, 1] → [B, S, S, 3]
 */
function hsvToRgb(h: tf.Tensor4D, s: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const k = tf.mod(tf.add(tf.mul(h, 6), tf.tensor1d([5, 3, 1])), 6); // [B, S, S, 3]
    const ramp = tf.clipByValue(tf.minimum(k, tf.sub(4, k)), 0, 1); // [B, S, S, 3]
    return tf.sub(v, tf.mul(tf.mul(v, s), ramp)) as tf.Tensor4D;
  });
}
