/**
 * Builds an env from a plain, serializable description, so that worker threads (which receive messages,
 * not objects) can each construct their own MuJoCo instance of the same scene.
 *
 * Kinds:
 * - `robot_table`: the robot-only test scene (Panda + boxes on LIBERO's main table); no success test, init
 *   states are `init_qpos` with seeded joint noise. Used by tests and benchmarks.
 * - `libero`: one task of a LIBERO suite (sim/tasks/taskEnv.ts): its scene, goal predicates, step limit and
 *   seeded init states.
 */
import seedrandom from "seedrandom";
import { Simulation } from "./mujoco.ts";
import { Env, type EnvConfig } from "./env.ts";
import type { InitState, InitStateId } from "./envTypes.ts";
import { robotInitState, robotTableSceneXml } from "./scenes/robotTable.ts";
import { makeTaskEnv } from "./tasks/taskEnv.ts";

export type EnvSpec =
  | { kind: "robot_table"; maxSteps?: number; wristImage?: boolean }
  | { kind: "libero"; suite: string; taskId: number; maxSteps?: number; wristImage?: boolean };

export interface BuiltEnv {
  env: Env;
  /** the task's instruction (the robot-only scene has a fixed one) */
  instruction: string;
  /** frees the env and everything it owns */
  dispose(): void;
  /** The init state of an identity (deterministic: the same id gives the same state on any machine). */
  initState(id: InitStateId): InitState;
}

/** Gaussian N(0, 1) samples from a seeded uniform stream (Box–Muller). */
export function gaussian(rng: () => number): () => number {
  return () => {
    const u = 1 - rng();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
  };
}

export async function makeEnv(spec: EnvSpec): Promise<BuiltEnv> {
  if (spec.kind === "libero") {
    const config: Partial<EnvConfig> = { wristImage: spec.wristImage ?? false };
    if (spec.maxSteps !== undefined) config.maxSteps = spec.maxSteps;
    const te = await makeTaskEnv(spec.suite, spec.taskId, config);
    return { env: te.env, initState: (id) => te.initState(id.split, id.index), instruction: te.task.instruction, dispose: () => te.dispose() };
  }
  if (spec.kind === "robot_table") {
    const sim = await Simulation.fromXml(robotTableSceneXml());
    const config: Partial<EnvConfig> = { maxSteps: spec.maxSteps ?? 64, wristImage: spec.wristImage ?? false };
    const env = new Env(sim, () => false, config);
    return {
      env,
      instruction: "move the arm over the table",
      dispose: () => env.dispose(),
      initState: (id) => {
        const normal = gaussian(seedrandom(`robot_table/${id.split}/${id.index}`));
        // LIBERO's stored init states carry joint noise of std 0.02 rad around init_qpos.
        return robotInitState(sim, () => 0.02 * normal());
      },
    };
  }
  throw new Error(`Unknown env kind '${(spec as { kind: string }).kind}'; known: robot_table, libero.`);
}
