/**
 * Rollout/evaluation image preprocessing: uint8 RGB camera images → the model's float input, through the
 * deterministic centre crop of 0.9 area (side √0.9 of the image) resized back to the model's size by
 * bilinear interpolation, as SimpleVLA-RL's rollouts do with tf.image.crop_and_resize (SIMPLEVLA_RL.md §2,
 * "Image pipeline" step 4). SFT's random crop of the same area lives with the SFT code in algorithms/.
 *
 * Shape letters: N images, R raw side (128, DESIGN.md), S model input side.
 */
import * as tf from "@tensorflow/tfjs-core";

/** Fraction of the image area kept by the crop. */
export const CROP_AREA = 0.9;

/**
 * The crop box [y1, x1, y2, x2] in normalized coordinates for a centred crop of `area` of the image:
 * side s = √area, offset (1 − s) / 2 on each side.
 */
export function centreCropBox(area = CROP_AREA): [number, number, number, number] {
  const side = Math.sqrt(area);
  const offset = (1 - side) / 2;
  return [offset, offset, offset + side, offset + side];
}

/**
 * images: N uint8 RGB images of R·R·3 bytes each (row 0 at the top), as separate arrays or one
 * concatenated array → [N, S, S, 3] float32 in [0, 1].
 */
export function prepareImages(images: Uint8Array | Uint8Array[], size: number, rawSize = 128): tf.Tensor4D {
  const per = rawSize * rawSize * 3;
  const list = Array.isArray(images) ? images : [images];
  const total = list.reduce((n, a) => n + a.length, 0);
  if (total === 0 || total % per !== 0) {
    throw new Error(`images must hold whole ${rawSize}×${rawSize}×3 uint8 images (${per} bytes each), got ${total} bytes.`);
  }
  if (!Number.isInteger(size) || size <= 0) throw new Error(`size must be a positive integer, got ${size}.`);
  const N = total / per;
  const pixels = new Float32Array(total);
  let at = 0;
  for (const a of list) {
    for (let i = 0; i < a.length; i++) pixels[at + i] = a[i] / 255;
    at += a.length;
  }
  const box = centreCropBox();
  return tf.tidy(() => {
    const raw = tf.tensor4d(pixels, [N, rawSize, rawSize, 3]); // [N, R, R, 3]
    const boxes = tf.tensor2d(Array.from({ length: N }, () => box), [N, 4]); // [N, 4]
    const boxIndices = tf.tensor1d(Array.from({ length: N }, (_, i) => i), "int32"); // [N]
    return tf.image.cropAndResize(raw, boxes, boxIndices, [size, size], "bilinear"); // [N, S, S, 3]
  });
}
