import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  BIN_CENTRES,
  BIN_EDGES,
  decodeChunk,
  decodeChunks,
  encodeChunk,
  encodeChunks,
  gripperSign,
  slotOf,
  tokenToValue,
  valueToToken,
} from "../../models/actionTokenizer.ts";
import { type ActionStats, normalizeActions } from "../../models/actionNormalizer.ts";
import { ACTION_DIM, ACTION_SLOTS, CHUNK_LEN } from "../../models/types.ts";

/** Statistics under which dims 0–5 of an env action are already normalized: q01 = −1, q99 = 1. */
const unitStats = (): ActionStats => ({
  q01: Array(7).fill(-1),
  q99: Array(7).fill(1),
  min: Array(7).fill(-1),
  max: Array(7).fill(1),
  mean: Array(7).fill(0),
  std: Array(7).fill(0.5),
});

const HALF_BIN = 1 / 255;
const normalized = fc.double({ min: -1, max: 1, noNaN: true });

describe("bins (OpenVLA's linspace(−1, 1, 256))", () => {
  it("edges and centres match numpy bit for bit at the ends and the middle", () => {
    // numpy: linspace(-1,1,256)[127] = -0.0039215686274509665, [128] = +0.0039215686274509665,
    // centres[254] = 0.996078431372549.
    expect(BIN_EDGES.length).toBe(256);
    expect(BIN_CENTRES.length).toBe(255);
    expect(BIN_EDGES[0]).toBe(-1);
    expect(BIN_EDGES[255]).toBe(1);
    expect(BIN_EDGES[127]).toBe(-0.0039215686274509665);
    expect(BIN_EDGES[128]).toBe(0.0039215686274509665);
    expect(BIN_CENTRES[254]).toBe(0.996078431372549);
    expect(BIN_CENTRES[0]).toBe(-0.996078431372549);
  });

  it("worked examples: −1 → 0, 0 → 127, 1 → 255", () => {
    expect(valueToToken(-1)).toBe(0);
    expect(valueToToken(0)).toBe(127);
    expect(valueToToken(1)).toBe(255);
  });

  it("0 decodes to exactly 0.0 and 1.0 decodes to ≈0.996 (token 255 shares bin 254's centre)", () => {
    expect(tokenToValue(valueToToken(0))).toBe(0);
    expect(tokenToValue(valueToToken(1))).toBeCloseTo(0.996, 3);
    expect(tokenToValue(255)).toBe(tokenToValue(254));
  });

  it("off-by-one at an edge: x = 1/255 lands in the bin above, x = −1/255 two bins below 127", () => {
    // float64: −1/255 = −0.00392156862745098 lies just below edges[127] = −0.0039215686274509665 (the
    // linspace formula rounds that edge up), so 127 edges are ≤ x and k = 126 (numpy's digitize agrees);
    // +1/255 ≥ edges[128] gives k = 128.
    expect(valueToToken(1 / 255)).toBe(128);
    expect(valueToToken(-1 / 255)).toBe(126);
    expect(valueToToken(0.003)).toBe(127);
  });

  it("out-of-range values are clipped to the end tokens", () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 1e9, noNaN: true }), (x) => {
        expect(valueToToken(x)).toBe(255);
        expect(valueToToken(-x)).toBe(0);
      }),
    );
    expect(valueToToken(Infinity)).toBe(255);
    expect(valueToToken(-Infinity)).toBe(0);
  });

  it("NaN is refused with a message", () => {
    expect(() => valueToToken(NaN)).toThrow(/NaN/);
  });

  it("round trip error is at most half a bin, 1/255, for every normalized x", () => {
    fc.assert(
      fc.property(normalized, (x) => {
        expect(Math.abs(tokenToValue(valueToToken(x)) - x)).toBeLessThanOrEqual(HALF_BIN + 1e-12);
      }),
      { numRuns: 2000 },
    );
  });

  it("the 1/255 bound is reached at both ends ±1", () => {
    expect(Math.abs(tokenToValue(valueToToken(1)) - 1)).toBeCloseTo(HALF_BIN, 14);
    expect(Math.abs(tokenToValue(valueToToken(-1)) + 1)).toBeCloseTo(HALF_BIN, 14);
  });

  it("binning is monotone: x ≤ y gives k(x) ≤ k(y)", () => {
    fc.assert(
      fc.property(fc.double({ min: -2, max: 2, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        expect(valueToToken(x)).toBeLessThanOrEqual(valueToToken(y));
      }),
      { numRuns: 2000 },
    );
  });

  it("every token decodes to a value that encodes back to itself (except 255, which shares 254's centre)", () => {
    for (let k = 0; k < 255; k++) expect(valueToToken(tokenToValue(k))).toBe(k);
  });

  it("decoding refuses tokens outside 0..255", () => {
    expect(() => tokenToValue(256)).toThrow(/integer in 0..255; got 256/);
    expect(() => tokenToValue(-1)).toThrow(/got -1/);
    expect(() => tokenToValue(3.5)).toThrow(/got 3.5/);
  });
});

describe("gripper", () => {
  it("gripper sign follows the env: −1 open, +1 close, no inversion; sign(0) = 0 (hold)", () => {
    const stats = unitStats();
    const chunk = new Float32Array(ACTION_SLOTS);
    for (let t = 0; t < CHUNK_LEN; t++) chunk[slotOf(t, 6)] = t % 2 === 0 ? -1 : 1;
    const tokens = encodeChunk(chunk, stats);
    const back = decodeChunk(tokens, stats);
    for (let t = 0; t < CHUNK_LEN; t++) {
      expect(tokens[slotOf(t, 6)]).toBe(t % 2 === 0 ? 0 : 255);
      expect(back[slotOf(t, 6)]).toBe(t % 2 === 0 ? -1 : 1);
    }
    expect(gripperSign(0)).toBe(0);
  });

  it("gripper decodes to sign of its centre: tokens < 127 → −1, 127 → 0, > 127 → +1", () => {
    const stats = unitStats();
    for (const [k, g] of [[0, -1], [126, -1], [127, 0], [128, 1], [255, 1]]) {
      const tokens = new Int32Array(ACTION_SLOTS).fill(127);
      tokens[6] = k;
      expect(decodeChunk(tokens, stats)[6]).toBe(g);
    }
  });

  it("the gripper is binned as is: its statistics are ignored", () => {
    const stats = unitStats();
    stats.q01[6] = 0;
    stats.q99[6] = 0.1;
    const chunk = new Float32Array(ACTION_SLOTS);
    chunk[6] = 0.5;
    expect(encodeChunk(chunk, stats)[6]).toBe(valueToToken(0.5));
  });
});

describe("chunks", () => {
  it("slot layout is action-major: slot 7·t + d holds dim d of action t", () => {
    const stats = unitStats();
    const chunk = new Float32Array(ACTION_SLOTS);
    // A distinct value per (t, d) on dims 0–5: −0.9 + 0.03·(6t + d), all inside (−1, 1).
    for (let t = 0; t < CHUNK_LEN; t++) for (let d = 0; d < 6; d++) chunk[7 * t + d] = -0.9 + 0.03 * (6 * t + d);
    const tokens = encodeChunk(chunk, stats);
    for (let t = 0; t < CHUNK_LEN; t++) {
      for (let d = 0; d < 6; d++) expect(tokens[slotOf(t, d)]).toBe(valueToToken(Math.fround(-0.9 + 0.03 * (6 * t + d))));
    }
    expect(slotOf(7, 6)).toBe(55);
  });

  it("env actions round trip within half a bin in normalized units (dims 0–5)", () => {
    const stats: ActionStats = {
      q01: [-0.5, -0.2, -1, -0.1, -0.1, -0.3, -1],
      q99: [0.5, 0.8, 1, 0.1, 0.2, 0.3, 1],
      min: [-0.6, -0.3, -1, -0.2, -0.2, -0.4, -1],
      max: [0.6, 0.9, 1, 0.2, 0.3, 0.4, 1],
      mean: Array(7).fill(0),
      std: Array(7).fill(0.1),
    };
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1.5, max: 1.5, noNaN: true }), { minLength: 56, maxLength: 56 }), (raw) => {
        const actions = new Float32Array(raw);
        const back = decodeChunk(encodeChunk(actions, stats), stats);
        const y = normalizeActions(actions, stats);
        const yBack = normalizeActions(back, stats);
        for (let s = 0; s < ACTION_SLOTS; s++) {
          if (s % ACTION_DIM === 6) expect(back[s]).toBe(gripperSign(tokenToValue(valueToToken(actions[s]))));
          else expect(Math.abs(yBack[s] - y[s])).toBeLessThanOrEqual(HALF_BIN + 1e-6);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("batched encode/decode equal the per-chunk calls, chunk by chunk", () => {
    const stats = unitStats();
    const batch = new Float32Array(3 * ACTION_SLOTS).map((_, i) => Math.sin(i * 0.7));
    const tokens = encodeChunks(batch, stats);
    const decoded = decodeChunks(tokens, stats);
    for (let b = 0; b < 3; b++) {
      const one = batch.slice(b * 56, (b + 1) * 56);
      expect(Array.from(tokens.slice(b * 56, (b + 1) * 56))).toEqual(Array.from(encodeChunk(one, stats)));
      expect(Array.from(decoded.slice(b * 56, (b + 1) * 56))).toEqual(Array.from(decodeChunk(encodeChunk(one, stats), stats)));
    }
  });

  it("wrong lengths and bad tokens get a message naming the argument", () => {
    const stats = unitStats();
    expect(() => encodeChunk(new Float32Array(55), stats)).toThrow(/actions must hold one chunk of 56 values; got 55/);
    expect(() => decodeChunk(new Int32Array(57), stats)).toThrow(/tokens must hold one chunk of 56 slots; got 57/);
    expect(() => encodeChunks(new Float32Array(100), stats)).toThrow(/whole chunks/);
    const bad = new Int32Array(56);
    bad[9] = 300;
    expect(() => decodeChunk(bad, stats)).toThrow(/token 9 \(slot 9\).*got 300/);
    const nan = new Float32Array(56);
    nan[3] = NaN;
    expect(() => encodeChunk(nan, stats)).toThrow(/slot 3\) is NaN/);
  });
});
