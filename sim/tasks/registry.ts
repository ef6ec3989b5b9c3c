/**
 * The five LIBERO suites and their 130 tasks, looked up by name. Unknown names are errors that list what
 * exists, so that a mistyped `--suite` or task id tells the person what to type instead.
 */
import { libero10 } from "./suites/libero_10.ts";
import { libero90 } from "./suites/libero_90.ts";
import { liberoGoal } from "./suites/libero_goal.ts";
import { liberoObject } from "./suites/libero_object.ts";
import { liberoSpatial } from "./suites/libero_spatial.ts";
import { SUITE_NAMES, type SuiteName, type SuiteSpec, type TaskSpec } from "./types.ts";

/**
 * Steps at the start of every episode with the action [0, 0, 0, 0, 0, 0, −1] (gripper open), neither counted
 * nor success-checked, while objects dropped at their spawn height settle (`num_steps_wait = 10` in the
 * OpenVLA/OFT LIBERO evaluations).
 */
export const WAIT_STEPS = 10;

const SUITES: Readonly<Record<SuiteName, SuiteSpec>> = {
  libero_spatial: liberoSpatial,
  libero_object: liberoObject,
  libero_goal: liberoGoal,
  libero_10: libero10,
  libero_90: libero90,
};

/** The suite names in LIBERO's order: spatial, object, goal, 10, 90. */
export function listSuites(): readonly SuiteName[] {
  return SUITE_NAMES;
}

export function isSuiteName(name: string): name is SuiteName {
  return (SUITE_NAMES as readonly string[]).includes(name);
}

/** The suite called `name`; an unknown name is an error listing the five suites. */
export function getSuite(name: string): SuiteSpec {
  if (!isSuiteName(name)) {
    throw new Error(`Unknown suite "${name}"; the suites are ${SUITE_NAMES.join(", ")}.`);
  }
  return SUITES[name];
}

/**
 * A task by its place in the suite's benchmark order (a number, or a string of digits as it comes from a
 * command line). A task's file name is accepted too.
 */
export function getTask(suite: string, task: number | string): TaskSpec {
  const { tasks } = getSuite(suite);
  const id = typeof task === "number" ? task : /^\d+$/.test(task) ? Number(task) : NaN;
  if (Number.isInteger(id) && id >= 0 && id < tasks.length) return tasks[id];
  const byName = typeof task === "string" ? tasks.find((t) => t.name === task) : undefined;
  if (byName !== undefined) return byName;
  const listing = tasks.map((t) => `  ${t.id}: ${t.name}`).join("\n");
  throw new Error(`Unknown task ${JSON.stringify(task)} in ${suite}; give an id 0..${tasks.length - 1} or a name:\n${listing}`);
}

/** Every task of every suite, suite by suite in benchmark order. */
export function allTasks(): readonly TaskSpec[] {
  return SUITE_NAMES.flatMap((s) => SUITES[s].tasks);
}

/**
 * The distinct lower-cased instructions (benchmark form) of all 130 tasks, sorted: the text the tokenizer's
 * vocabulary is built from. `models/` never imports `sim/`; `src/` passes this list down.
 */
export function allInstructions(): readonly string[] {
  return [...new Set(allTasks().map((t) => t.instruction.toLowerCase()))].sort();
}

/** Counted steps per episode for the suite (220 / 280 / 300 / 520 / 400); wait steps come on top. */
export function maxSteps(suite: string): number {
  return getSuite(suite).maxSteps;
}
