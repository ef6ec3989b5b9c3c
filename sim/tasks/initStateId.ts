/**
 * The identity of an init state: `(suite, taskId, split, index)`. Each init state is generated from its own
 * 32-bit sub-seed, a hash of that identity and a fixed base seed of `sim/` (not the run's `--seed`), so any
 * one of them can be made alone, on any machine, identically.
 *
 * LIBERO ships 50 init states per task and evaluates on those same 50; we keep 50 `train` states per task
 * for RL and a disjoint 50 `heldout` states for reported success (DESIGN.md, Init states).
 */
import { getTask } from "./registry.ts";
import type { SuiteName } from "./types.ts";

export const INIT_SPLITS = ["train", "heldout"] as const;
export type InitSplit = (typeof INIT_SPLITS)[number];

/** Init states per task and split, as LIBERO's 50 per task. */
export const INIT_STATES_PER_SPLIT = 50;

/**
 * Fixed base seed of every init state. Changing it changes every init state, every demo and every reported
 * number; do so only deliberately.
 */
export const INIT_STATE_BASE_SEED = 0x11be_2026;

export interface InitStateId {
  readonly suite: SuiteName;
  readonly taskId: number;
  readonly split: InitSplit;
  /** 0..49 */
  readonly index: number;
}

/** A validated identity; every bad part is an error naming it and what would be right. */
export function initStateId(suite: string, taskId: number, split: string, index: number): InitStateId {
  const task = getTask(suite, taskId);
  if (!(INIT_SPLITS as readonly string[]).includes(split)) {
    throw new Error(`Unknown init-state split "${split}"; use "train" (RL) or "heldout" (reported success).`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= INIT_STATES_PER_SPLIT) {
    throw new Error(`Init-state index ${index} is out of range; use an integer 0..${INIT_STATES_PER_SPLIT - 1}.`);
  }
  return { suite: task.suite, taskId: task.id, split: split as InitSplit, index };
}

/** The canonical text hashed for the sub-seed, e.g. `libero_10/3/heldout/17`. */
export function initStateKey(id: InitStateId): string {
  return `${id.suite}/${id.taskId}/${id.split}/${id.index}`;
}

/** The init state's 32-bit unsigned sub-seed: murmur3_32(key, INIT_STATE_BASE_SEED). Validates `id` first. */
export function initStateSeed(id: InitStateId): number {
  const valid = initStateId(id.suite, id.taskId, id.split, id.index);
  return murmur3_32(initStateKey(valid), INIT_STATE_BASE_SEED);
}

/**
 * MurmurHash3 x86_32 (Austin Appleby, public domain) over the UTF-8 bytes of `text`: 4-byte little-endian
 * blocks mixed with c1 = 0xcc9e2d51, c2 = 0x1b873593, rotations 15 and 13, h = h·5 + 0xe6546b64, then the
 * tail, the length and the `fmix32` finaliser. Returns an unsigned 32-bit integer; murmur3_32("", 0) = 0 and
 * murmur3_32("hello", 0) = 0x248bfa47 are the reference values.
 */
export function murmur3_32(text: string, seed: number): number {
  const bytes = new TextEncoder().encode(text);
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = bytes.length >>> 2;
  for (let b = 0; b < blocks; b++) {
    const i = 4 * b;
    let k = bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = 4 * blocks;
  let k = 0;
  switch (bytes.length & 3) {
    case 3:
      k ^= bytes[tail + 2] << 16;
    // falls through
    case 2:
      k ^= bytes[tail + 1] << 8;
    // falls through
    case 1:
      k ^= bytes[tail];
      k = Math.imul(k, c1);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, c2);
      h ^= k;
  }
  h ^= bytes.length;
  // fmix32: spreads every input bit over every output bit.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
