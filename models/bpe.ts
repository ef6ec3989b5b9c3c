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
 * Identical sequences are stored once with a count, and pair counts are updated only in the sequences that
 * hold the merged pair, so training costs about (distinct pairs + touched sequences) per merge.
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

  const pairCounts = new Map<number, number>();
  const pairWhere = new Map<number, Set<number>>(); // may hold stale word indices; checked on use
  const addPairs = (w: number, sign: 1 | -1) => {
    const { symbols, count } = words[w];
    for (let i = 0; i + 1 < symbols.length; i++) {
      const key = pairKey(symbols[i], symbols[i + 1]);
      const c = (pairCounts.get(key) ?? 0) + sign * count;
      if (c === 0) pairCounts.delete(key);
      else pairCounts.set(key, c);
      if (sign === 1) {
        let where = pairWhere.get(key);
        if (!where) pairWhere.set(key, (where = new Set()));
        where.add(w);
      }
    }
  };
  for (let w = 0; w < words.length; w++) addPairs(w, 1);

  const merges: Merge[] = [];
  while (baseSize + merges.length < vocabSize) {
    let bestKey = -1;
    let bestCount = 0;
    for (const [key, count] of pairCounts) {
      if (count > bestCount || (count === bestCount && key < bestKey)) {
        bestKey = key;
        bestCount = count;
      }
    }
    if (bestCount < minFrequency) break;
    const a = Math.floor(bestKey / MAX_BPE_VOCAB);
    const b = bestKey % MAX_BPE_VOCAB;
    const id = baseSize + merges.length;
    merges.push([a, b]);
    for (const w of [...(pairWhere.get(bestKey) ?? [])]) {
      const merged = mergePair(words[w].symbols, a, b, id);
      if (merged.length === words[w].symbols.length) continue; // stale entry: the pair is gone
      addPairs(w, -1);
      words[w].symbols = merged;
      addPairs(w, 1);
    }
    pairWhere.delete(bestKey);
    pairCounts.delete(bestKey); // already 0: no occurrence survives a left-to-right merge
  }
  return merges;
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
