/**
 * Runs an expert plan (a generator of actions) in an env and records the demonstration: at every counted
 * step the observation the policy would have seen (before the action) and the action taken.
 */
import seedrandom from "seedrandom";
import type { Env } from "../env.ts";
import type { Observation } from "../envTypes.ts";
import type { TaskEnv } from "../tasks/taskEnv.ts";
import { taskPlan } from "./planner.ts";
import { drawStyle, OPEN, type ExpertContext, type Skill } from "./skills.ts";

export interface DemoStep {
  /** the observation before the action */
  obs: Observation;
  /** the LIBERO env action taken, 7 numbers in [−1, 1] */
  action: Float32Array;
}

export interface DemoRun {
  steps: DemoStep[];
  success: boolean;
  /** the plan ran out before success or the step limit */
  planEnded: boolean;
}

/** Clips to [−1, 1] (expert actions stay inside the env's range) and rounds to float32 as stored. */
function toAction(a: number[]): Float32Array {
  const out = new Float32Array(7);
  for (let k = 0; k < 7; k++) out[k] = Math.max(-1, Math.min(1, a[k]));
  return out;
}

/**
 * Steps `env` (already reset, with `first` its observation) with the plan's actions until success, the
 * step limit or the plan's end. The action actually executed is the float32 one that is recorded, so that
 * replaying a dataset reproduces the episode.
 */
export function runPlan(env: Env, first: Observation, plan: Skill): DemoRun {
  const steps: DemoStep[] = [];
  let obs = first;
  for (;;) {
    const next = plan.next();
    if (next.done) return { steps, success: false, planEnded: true };
    const action = toAction(next.value);
    const r = env.step(action);
    steps.push({ obs, action });
    obs = r.obs;
    if (r.done) return { steps, success: r.success, planEnded: false };
  }
}

/**
 * One demonstration of a task from its train init state `index`: reset, the task's plan with the motion
 * style drawn from `styleSeed` (so the same seed gives the same demo), run to its end.
 */
export function demonstrate(te: TaskEnv, index: number, styleSeed: string): DemoRun {
  const first = te.env.reset(te.initState("train", index));
  const ctx: ExpertContext = { sim: te.env.sim, robot: te.env.robot, style: drawStyle(seedrandom(styleSeed)), gripper: OPEN };
  return runPlan(te.env, first, taskPlan(ctx, te.scene));
}
