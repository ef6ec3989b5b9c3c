/**
 * The envs of a run: task keys ("libero_spatial/3") as the rollout engine names tasks, the env spec and
 * instruction of each, and the worker pool shared by RL rollouts and evaluation.
 *
 * The pool holds as many envs as one rollout draw has episodes (groups × G), laid out group by group so that
 * the G members of a group find envs already built for their task; evaluation reuses the same envs (an env
 * is rebuilt only when an episode of another task lands on it).
 */
import type { EnvSpec } from "../../sim/envFactory.ts";
import { getTask } from "../../sim/tasks/registry.ts";
import type { InitStateId } from "../../sim/envTypes.ts";
import { WorkerPool } from "../../algorithms/rollout/workerPool.ts";

export interface SuiteTasks {
  suite: string;
  /** Counted steps per episode (rollouts and evaluation alike). */
  maxSteps: number;
}

export function taskKey(suite: string, taskId: number): string {
  return `${suite}/${taskId}`;
}

function parseKey(key: string): { suite: string; taskId: number } {
  const at = key.lastIndexOf("/");
  return { suite: key.slice(0, at), taskId: Number(key.slice(at + 1)) };
}

/** The rollout engine's `envSpecOf` and `instructionOf` for a suite at a step limit. */
export function taskLookup(s: SuiteTasks): { envSpecOf: (key: string) => EnvSpec; instructionOf: (key: string) => string } {
  return {
    envSpecOf: (key) => {
      const { suite, taskId } = parseKey(key);
      return { kind: "libero", suite, taskId, maxSteps: s.maxSteps };
    },
    instructionOf: (key) => {
      const { suite, taskId } = parseKey(key);
      return getTask(suite, taskId).instruction;
    },
  };
}

export function initStateId(suite: string, taskId: number, split: "train" | "heldout", index: number): InitStateId {
  return { suite, taskId, split, index };
}

/** A pool of `envs` envs on `workers` threads, env i built for task tasks[⌊i / G⌋ mod T]. */
export async function createPool(s: SuiteTasks & { tasks: readonly number[]; envs: number; groupSize: number; workers: number }): Promise<WorkerPool> {
  const { envSpecOf } = taskLookup(s);
  const specs = Array.from({ length: s.envs }, (_, i) => envSpecOf(taskKey(s.suite, s.tasks[Math.floor(i / s.groupSize) % s.tasks.length])));
  return WorkerPool.create({ specs, workers: Math.min(s.workers, s.envs) });
}
