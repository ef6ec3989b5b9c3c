/**
 * Builds an env from a plain, serializable description, so that worker threads (which receive messages,
 * not objects) can each construct their own MuJoCo instance of the same scene.
 *
 * Kinds:
 * - `robot_table`: the robot-only test scene (Panda + boxes on LIBERO's main table); no success test, init
 *   states are `init_qpos` with seeded joint noise. Used by tests and benchmarks.
 * - LIBERO task envs plug in here as the task suites land.
 */
import seedrandom from "seedrandom";
import { Simulation } from "./mujoco.ts";
import { Env, type EnvConfig } from "./env.ts";
import type { InitState, InitStateId } from "./envTypes.ts";
import { robotInitState, robotTableSceneXml } from "./scenes/robotTable.ts";

export type EnvSpec = { kind: "robot_table"; maxSteps?: number; wristImage?: boolean };

export interface BuiltEnv {
  env: Env;
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
  if (spec.kind === "robot_table") {
    const sim = await Simulation.fromXml(robotTableSceneXml());
    const config: Partial<EnvConfig> = { maxSteps: spec.maxSteps ?? 64, wristImage: spec.wristImage ?? false };
    const env = new Env(sim, () => false, config);
    return {
      env,
      initState: (id) => {
        const normal = gaussian(seedrandom(`robot_table/${id.split}/${id.index}`));
        // LIBERO's stored init states carry joint noise of std 0.02 rad around init_qpos.
        return robotInitState(sim, () => 0.02 * normal());
      },
    };
  }
  throw new Error(`Unknown env kind '${(spec as { kind: string }).kind}'; known: robot_table.`);
}
