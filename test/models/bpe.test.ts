import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Bpe, trainBpe } from "../../models/bpe.ts";

describe("BPE", () => {
  it("hand example: merges follow frequency, ties go to the smallest pair", () => {
    // Symbols 0..2. Sequences [0 1 0 1 2], [0 1 2], [2 2]:
    //   counts (0,1)=3 (1,0)=1 (1,2)=2 (2,2)=1  → merge 3 = (0,1)
    //   [3 3 2], [3 2], [2 2]: (3,3)=1 (3,2)=2 (2,2)=1 → merge 4 = (3,2)
    //   [3 4], [4], [2 2]: (3,4)=1 (2,2)=1, below minFrequency 2 → stop.
    const merges = trainBpe([[0, 1, 0, 1, 2], [0, 1, 2], [2, 2]], { baseSize: 3, vocabSize: 100 });
    expect(merges).toEqual([[0, 1], [3, 2]]);
    const withOnce = trainBpe([[0, 1, 0, 1, 2], [0, 1, 2], [2, 2]], { baseSize: 3, vocabSize: 100, minFrequency: 1 });
    // At count 1 the tie between (2,2) and (3,4) goes to the smaller pair (2,2).
    expect(withOnce.slice(0, 3)).toEqual([[0, 1], [3, 2], [2, 2]]);
  });

  it("stops at the vocabulary size", () => {
    const merges = trainBpe([[0, 1, 0, 1, 2, 2, 0, 1, 2, 2]], { baseSize: 3, vocabSize: 4 });
    expect(merges.length).toBe(1);
  });

  it("a run of equal symbols merges left to right without overlap", () => {
    const bpe = new Bpe(1, [[0, 0]]);
    expect(bpe.encode([0, 0, 0])).toEqual([1, 0]);
    expect(bpe.decode([1, 0])).toEqual([0, 0, 0]);
  });

  it("merges are deterministic: the same sequences in any order give the same merges", () => {
    const seqArb = fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(seqArb, fc.integer(), (seqs, seed) => {
        const shuffled = [...seqs];
        let s = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          s = (s * 1664525 + 1013904223) >>> 0;
          const j = s % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
        }
        const opts = { baseSize: 5, vocabSize: 40 };
        expect(trainBpe(shuffled, opts)).toEqual(trainBpe(seqs, opts));
      }),
      { numRuns: 200 },
    );
  });

  it("decode inverts encode for any symbols, seen in training or not", () => {
    const train = [[0, 1, 2, 3, 0, 1, 2, 3], [3, 3, 3, 0, 1], [1, 2, 1, 2, 1, 2]];
    const bpe = new Bpe(4, trainBpe(train, { baseSize: 4, vocabSize: 20, minFrequency: 1 }));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 30 }), (symbols) => {
        expect(bpe.decode(bpe.encode(symbols))).toEqual(symbols);
      }),
    );
  });

  it("encoding a training sequence matches the training-time merge result", () => {
    // Training applies merges in rank order to each sequence; encoding must reproduce that segmentation.
    const train = [[0, 1, 0, 1, 2], [0, 1, 2], [2, 2]];
    const bpe = new Bpe(3, trainBpe(train, { baseSize: 3, vocabSize: 100 }));
    expect(bpe.encode([0, 1, 0, 1, 2])).toEqual([3, 4]);
    expect(bpe.encode([0, 1, 2])).toEqual([4]);
  });

  it("bad symbols, tokens and merges get messages naming them", () => {
    expect(() => trainBpe([[0, 5]], { baseSize: 3, vocabSize: 10 })).toThrow(/sequence 0 symbol 1 must be an integer in 0..2; got 5/);
    expect(() => trainBpe([[0]], { baseSize: 3, vocabSize: 2 })).toThrow(/vocabSize must be an integer from baseSize \(3\)/);
    expect(() => new Bpe(3, [[0, 3]])).toThrow(/merge 0 must be a pair of token ids below 3/);
    expect(() => new Bpe(3, [[0, 1], [0, 1]])).toThrow(/merge 1 repeats the pair/);
    expect(() => new Bpe(3, []).decode([3])).toThrow(/token 0 must be an integer in 0..2; got 3/);
  });
});
