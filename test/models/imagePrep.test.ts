import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../../models/backend.ts";
import { centreCropBox, prepareImages } from "../../models/imagePrep.ts";

beforeAll(async () => {
  await selectBackend("wasm");
});

describe("image preparation", () => {
  test("the centre crop keeps 0.9 of the area: side √0.9 ≈ 0.9487, offset ≈ 0.0257 on each side", () => {
    const [y1, x1, y2, x2] = centreCropBox();
    expect(y2 - y1).toBeCloseTo(Math.sqrt(0.9), 12);
    expect(x1).toBeCloseTo((1 - Math.sqrt(0.9)) / 2, 12);
    expect((y2 - y1) * (x2 - x1)).toBeCloseTo(0.9, 12);
  });

  test("uint8 images become [N, S, S, 3] floats in [0, 1]; a uniform image stays uniform", () => {
    const grey = new Uint8Array(128 * 128 * 3).fill(51);
    const out = prepareImages([grey, grey], 64);
    expect(out.shape).toEqual([2, 64, 64, 3]);
    for (const v of out.dataSync()) expect(v).toBeCloseTo(0.2, 6);
    out.dispose();
  });

  test("row 0 stays at the top and the crop trims the borders: a vertical ramp maps to the cropped range", () => {
    // Pixel value = row index: after the crop the first output row samples row ≈ 0.0257·127 ≈ 3.3, the last ≈ 123.7.
    const ramp = new Uint8Array(128 * 128 * 3).map((_, i) => Math.floor(i / (128 * 3)));
    const out = prepareImages(ramp, 128);
    const d = out.dataSync();
    const first = d[0] * 255;
    const last = d[(127 * 128) * 3] * 255;
    expect(first).toBeCloseTo(((1 - Math.sqrt(0.9)) / 2) * 127, 1);
    expect(last).toBeCloseTo((1 - (1 - Math.sqrt(0.9)) / 2) * 127, 1);
    out.dispose();
  });

  test("a byte count that is not whole 128×128×3 images is a clear error", () => {
    expect(() => prepareImages(new Uint8Array(100), 64)).toThrow(/whole 128×128×3 uint8 images \(49152 bytes each\), got 100 bytes/);
  });
});
