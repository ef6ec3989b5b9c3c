/**
 * Byte-pair encoding over integer symbols (Sennrich et al. 2016, "Neural Machine Translation of Rare Words
 * with Subword Units"), the second stage of FAST. The alphabet is the integers 0..baseSize−1; merge i joins
 * the adjacent pair (a, b) into the new token baseSize + i. A sequence is one "word": there is no
 * pre-tokenization, so merges may span any neighbours.
 *
 * Training, deterministic by construction:
 *   repeat: count every adjacent pair over all sequences (a sequence seen m times counts m times);
 *           take the most frequent pair, ties to the smallest (a, b);
 *           stop when the vocabulary is full or the best pair occurs fewer than `minFrequency` times
 *           (default 2: a merge seen once only memorizes one training sequence);
 *           replace its occurrences left to right, without overlap, by the new token.
 * Identical sequences are stored once with a count; a merge updates only the counts of the pairs around
 * each merged occurrence, and a lazy max-heap finds the next best pair, so a merge costs about the length
 * of the sequences that hold the pair rather than a pass over all data.
 * The order of the training sequences cannot change the result: counts are order-free and ties go by id.
 *
 * Encoding applies the learned merges by rank: while some adjacent pair has a merge, merge every
 * occurrence (left to right) of the pair with the lowest rank. Decoding expands every token to its symbols.
 */

/** Pairs are keyed as a·2¹⁶ + b; ids therefore stay below 2¹⁶. */
export const MAX_BPE_VOCAB = 1 << 16;
const pairKey = (a: number, b: number): number => a * MAX_BPE_VOCAB + b;

/** A merge: the pair of token ids it joins. */
export type Merge = readonly [number, number];

export interface BpeTrainOptions {
  /** Size of the symbol alphabet; symbols are 0..baseSize−1. */
  baseSize: number;
  /** Largest vocabulary (alphabet + merges) to reach. */
  vocabSize: number;
  /** A pair must occur at least this often to be merged (default 2). */
  minFrequency?: number;
}

/** Replaces non-overlapping occurrences of (a, b), left to right, by `id`. */
function mergePair(symbols: number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(id);
      i++;
    } else {
      out.push(symbols[i]);
    }
  }
  return out;
}

/** Learns merges from `sequences` of symbols in 0..baseSize−1 (see the file comment for the rule). */
export function trainBpe(sequences: readonly ArrayLike<number>[], options: BpeTrainOptions): Merge[] {
  const { baseSize, vocabSize, minFrequency = 2 } = options;
  checkSizes("trainBpe", baseSize, vocabSize);
  if (!Number.isInteger(minFrequency) || minFrequency < 1) {
    throw new Error(`trainBpe: minFrequency must be a positive integer; got ${minFrequency}.`);
  }

  // Distinct sequences with their multiplicities.
  const byText = new Map<string, { symbols: number[]; count: number }>();
  sequences.forEach((seq, s) => {
    const symbols = Array.from(seq);
    symbols.forEach((x, i) => {
      if (!Number.isInteger(x) || x < 0 || x >= baseSize) {
        throw new Error(`trainBpe: sequence ${s} symbol ${i} must be an integer in 0..${baseSize - 1}; got ${x}.`);
      }
    });
    const text = symbols.join(",");
    const entry = byText.get(text);
    if (entry) entry.count++;
    else byText.set(text, { symbols, count: 1 });
  });
  const words = [...byText.values()];

  // Pair counts, the sequences that (may) hold each pair, and a heap of (count, pair) entries. The heap
  // is lazy: every change of a count pushes a fresh entry, and a popped entry whose count is no longer
  // current is skipped, so the top valid entry is always the true best pair.
  const pairCounts = new Map<number, number>();
  const pairWhere = new Map<number, Set<number>>(); // may hold stale sequence indices; checked on use
  const heap = new PairHeap();
  let changed = new Set<number>();
  const bump = (key: number, delta: number, w: number) => {
    const c = (pairCounts.get(key) ?? 0) + delta;
    if (c === 0) pairCounts.delete(key);
    else pairCounts.set(key, c);
    changed.add(key);
    if (delta > 0) {
      let where = pairWhere.get(key);
      if (!where) pairWhere.set(key, (where = new Set()));
      where.add(w);
    }
  };
  words.forEach(({ symbols, count }, w) => {
    for (let i = 0; i + 1 < symbols.length; i++) bump(pairKey(symbols[i], symbols[i + 1]), count, w);
  });

  const merges: Merge[] = [];
  while (baseSize + merges.length < vocabSize) {
    for (const key of changed) {
      const c = pairCounts.get(key);
      if (c !== undefined) heap.push(c, key);
    }
    changed = new Set();
    let best = heap.pop();
    while (best && pairCounts.get(best.key) !== best.count) best = heap.pop();
    if (!best || best.count < minFrequency) break;
    const a = Math.floor(best.key / MAX_BPE_VOCAB);
    const b = best.key % MAX_BPE_VOCAB;
    const id = baseSize + merges.length;
    merges.push([a, b]);
    for (const w of pairWhere.get(best.key) ?? []) {
      // Merge left to right, updating only the pairs around each merged occurrence:
      // (prev, a) and (b, next) give way to (prev, id) and (id, next); (a, b) itself disappears.
      const { symbols, count } = words[w];
      const out: number[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
          bump(best.key, -count, w);
          if (out.length > 0) {
            const prev = out[out.length - 1];
            bump(pairKey(prev, a), -count, w);
            bump(pairKey(prev, id), count, w);
          }
          if (i + 2 < symbols.length) {
            const next = symbols[i + 2];
            bump(pairKey(b, next), -count, w);
            bump(pairKey(id, next), count, w);
          }
          out.push(id);
          i++;
        } else {
          out.push(symbols[i]);
        }
      }
      words[w].symbols = out;
    }
    pairWhere.delete(best.key);
  }
  return merges;
}

/** A max-heap of (count, pair key) entries: larger count first, then the smaller key. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  private above(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    for (let i = this.counts.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): { count: number; key: number } | undefined {
    if (this.counts.length === 0) return undefined;
    const top = { count: this.counts[0], key: this.keys[0] };
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.counts.length && this.above(l, m)) m = l;
        if (r < this.counts.length && this.above(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
}

/** A trained BPE: encodes symbol sequences to tokens and back. */
export class Bpe {
  readonly baseSize: number;
  readonly merges: readonly Merge[];
  /** pair key → rank (= index of its merge). */
  private readonly ranks: Map<number, number>;
  /** token id → the symbols it stands for. */
  private readonly expansions: number[][];

  /** Checks that every merge joins tokens that exist before it. `where` names the source in errors. */
  constructor(baseSize: number, merges: readonly Merge[], where = "Bpe") {
    checkSizes(where, baseSize, baseSize + merges.length);
    this.baseSize = baseSize;
    this.merges = merges.map((m) => [m[0], m[1]] as const);
    this.ranks = new Map();
    this.expansions = Array.from({ length: baseSize }, (_, i) => [i]);
    merges.forEach((m, i) => {
      const id = baseSize + i;
      if (!Array.isArray(m) || m.length !== 2 || !m.every((x) => Number.isInteger(x) && x >= 0 && x < id)) {
        throw new Error(`${where}: merge ${i} must be a pair of token ids below ${id}; got ${JSON.stringify(m)}.`);
      }
      const key = pairKey(m[0], m[1]);
      if (this.ranks.has(key)) throw new Error(`${where}: merge ${i} repeats the pair ${JSON.stringify(m)}.`);
      this.ranks.set(key, i);
      this.expansions.push([...this.expansions[m[0]], ...this.expansions[m[1]]]);
    });
  }

  /** Tokens in the vocabulary: alphabet + merges. */
  get vocabSize(): number {
    return this.baseSize + this.merges.length;
  }

  /** Symbols (0..baseSize−1) → tokens, merging by rank. */
  encode(symbols: ArrayLike<number>): number[] {
    let seq = Array.from(symbols);
    seq.forEach((x, i) => {
      if (!Number.isInteger(x) || x < 0 || x >= this.baseSize) {
        throw new Error(`Bpe.encode: symbol ${i} must be an integer in 0..${this.baseSize - 1}; got ${x}.`);
      }
    });
    for (;;) {
      let bestRank = Infinity;
      for (let i = 0; i + 1 < seq.length; i++) {
        const rank = this.ranks.get(pairKey(seq[i], seq[i + 1]));
        if (rank !== undefined && rank < bestRank) bestRank = rank;
      }
      if (bestRank === Infinity) return seq;
      const [a, b] = this.merges[bestRank];
      seq = mergePair(seq, a, b, this.baseSize + bestRank);
    }
  }

  /** Tokens → symbols. */
  decode(tokens: ArrayLike<number>): number[] {
    const out: number[] = [];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      if (!Number.isInteger(t) || t < 0 || t >= this.vocabSize) {
        throw new Error(`Bpe.decode: token ${i} must be an integer in 0..${this.vocabSize - 1}; got ${t}.`);
      }
      for (const s of this.expansions[t]) out.push(s);
    }
    return out;
  }
}

function checkSizes(where: string, baseSize: number, vocabSize: number): void {
  if (!Number.isInteger(baseSize) || baseSize < 1) {
    throw new Error(`${where}: baseSize must be a positive integer; got ${baseSize}.`);
  }
  if (!Number.isInteger(vocabSize) || vocabSize < baseSize || vocabSize > MAX_BPE_VOCAB) {
    throw new Error(`${where}: vocabSize must be an integer from baseSize (${baseSize}) to ${MAX_BPE_VOCAB}; got ${vocabSize}.`);
  }
}
