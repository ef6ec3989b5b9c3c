/**
 * Which expert episodes become a task's demonstrations (DESIGN.md "Datasets"): a pure rule over the
 * episodes' outcomes, with no simulator in it, so that it can be tested on made-up outcome sequences and so
 * that the kept episodes do not depend on how many workers ran them or in which order they finished.
 *
 * The rule, per task:
 * - the train init-state indices are visited from a seed-chosen offset onwards, wrapping around 0..49
 *   (traj1 keeps only the first: one train index chosen by the seed);
 * - on each index the expert gets up to 3 attempts, attempt a running with its own sub-seed; the first
 *   success is kept and the walk moves to the next index; 3 failures also move on;
 * - the walk stops once `perTask` episodes are kept, so the per-task count is exact; running out of
 *   indices first is an error naming the task and the expert's success rate.
 *
 * Sub-seeds are MurmurHash3 of the episode's identity and the run's seed, so any one episode can be made
 * again alone.
 */
import { INIT_STATES_PER_SPLIT, murmur3_32 } from "../../sim/tasks/initStateId.ts";

/** Attempts of the expert on one init state before the walk moves on to the next index. */
export const MAX_ATTEMPTS = 3;

/** One expert episode to run: train init state `index`, retry number `attempt` (0 first). */
export interface Candidate {
  index: number;
  attempt: number;
}

export interface SelectionRule {
  /** the first train index visited */
  start: number;
  /** episodes to keep */
  perTask: number;
  /** init states in the split (50, as LIBERO) */
  indices: number;
  maxAttempts: number;
}

/** What the outcomes known so far decide. */
export interface SelectionState {
  /** the kept episodes, in the order the walk met them (the file's order) */
  kept: Candidate[];
  /** the candidate whose outcome the walk waits for; null when the walk has ended */
  next: Candidate | null;
  /** position of `next` in the index order (0 = `start`); the indices after it are not reached yet */
  position: number;
  /** the episodes whose outcome the walk used (successes and failures), in walk order */
  used: Candidate[];
  /** used.length: the expert's attempts so far */
  attempts: number;
  done: boolean;
  /** every index was tried `maxAttempts` times before `perTask` successes came */
  exhausted: boolean;
}

/** The rule for `perTask` demos of (suite, taskId) under `seed`. */
export function selectionRule(seed: number, suite: string, taskId: number, perTask: number): SelectionRule {
  if (!Number.isInteger(perTask) || perTask < 1 || perTask > INIT_STATES_PER_SPLIT) {
    throw new Error(`perTask is ${perTask}; a task has ${INIT_STATES_PER_SPLIT} train init states, so use an integer 1..${INIT_STATES_PER_SPLIT}.`);
  }
  return { start: startIndex(seed, suite, taskId), perTask, indices: INIT_STATES_PER_SPLIT, maxAttempts: MAX_ATTEMPTS };
}

/** The seed-chosen first train index of a task, 0..49. */
export function startIndex(seed: number, suite: string, taskId: number): number {
  return murmur3_32(`${suite}/${taskId}/demo-start`, checkSeed(seed)) % INIT_STATES_PER_SPLIT;
}

/**
 * The sub-seed of one expert episode: murmur3_32 of `<suite>/<taskId>/train/<index>/<attempt>` under the
 * run's seed. It seeds the expert's style (speeds, heights, offsets) and is recorded in the episode.
 */
export function episodeSeed(seed: number, suite: string, taskId: number, c: Candidate): number {
  return murmur3_32(`${suite}/${taskId}/train/${c.index}/${c.attempt}`, checkSeed(seed));
}

/** The init-state index at walk position `position` (0 = the start), wrapping around. */
export function indexAt(rule: SelectionRule, position: number): number {
  return (rule.start + position) % rule.indices;
}

/**
 * Walks the rule over the outcomes known so far (`outcome` gives true/false, or undefined for an episode
 * not run yet) and says what is kept and which episode is needed next.
 *
 * Example (perTask 2, start 48, 50 indices): outcomes 48/0 ✗, 48/1 ✓, 49/0 ✗, 49/1 ✗, 49/2 ✗, 0/0 ✓ keep
 * 48/1 and 0/0 after 6 attempts.
 */
export function selectEpisodes(rule: SelectionRule, outcome: (c: Candidate) => boolean | undefined): SelectionState {
  const kept: Candidate[] = [];
  const used: Candidate[] = [];
  for (let position = 0; position < rule.indices; position++) {
    const index = indexAt(rule, position);
    for (let attempt = 0; attempt < rule.maxAttempts; attempt++) {
      const c = { index, attempt };
      const result = outcome(c);
      if (result === undefined) return { kept, next: c, position, used, attempts: used.length, done: false, exhausted: false };
      used.push(c);
      if (result) {
        kept.push(c);
        if (kept.length === rule.perTask) return { kept, next: null, position, used, attempts: used.length, done: true, exhausted: false };
        break;
      }
    }
  }
  return { kept, next: null, position: rule.indices, used, attempts: used.length, done: true, exhausted: true };
}

/**
 * Episodes worth running ahead of the walk while workers would otherwise idle: for each index after
 * `state.position`, the first attempt whose outcome is not known yet, where the attempts before it on that
 * index are known failures (an index that already has a success needs no more). The walk will need them
 * unless enough successes come first. At most `limit`. Guessing wrong only costs time: an outcome is a pure
 * function of its candidate, so the kept set is the same whatever ran ahead. Without retries ahead, a task
 * the expert mostly fails ran two thirds of its attempts (the retries) one after another on one worker.
 */
export function lookahead(
  rule: SelectionRule, state: SelectionState, limit: number, outcome: (c: Candidate) => boolean | undefined = () => undefined,
): Candidate[] {
  const out: Candidate[] = [];
  for (let p = state.position + 1; p < rule.indices && out.length < limit; p++) {
    const index = indexAt(rule, p);
    for (let attempt = 0; attempt < rule.maxAttempts; attempt++) {
      const known = outcome({ index, attempt });
      if (known === undefined) {
        out.push({ index, attempt });
        break;
      }
      if (known) break;
    }
  }
  return out;
}

/** `"3:1"`: a Map key of a candidate. */
export function candidateKey(c: Candidate): string {
  return `${c.index}:${c.attempt}`;
}

function checkSeed(seed: number): number {
  if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffff_ffff) throw new Error(`seed is ${seed}; use an integer 0..4294967295.`);
  return seed;
}
