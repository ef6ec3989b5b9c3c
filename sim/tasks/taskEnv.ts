/**
 * A LIBERO task as an env: the task's scene (`scenes/liberoScene.ts`) with contact sensors for its goal,
 * LIBERO's goal predicates as the success test, the suite's step limit, and the seeded init states.
 */
import { Simulation } from "../mujoco.ts";
import { Env, type EnvConfig } from "../env.ts";
import type { InitState } from "../envTypes.ts";
import { buildTaskScene } from "../scenes/liberoScene.ts";
import type { TaskScene } from "../scenes/taskScene.ts";
import { goalContactPairs, withContactSensors } from "./contactSensors.ts";
import { initStateId } from "./initStateId.ts";
import { InitStateSampler } from "./initStateSampler.ts";
import { MujocoWorld } from "./mujocoWorld.ts";
import { evaluateGoal } from "./predicates.ts";
import { getTask, maxSteps } from "./registry.ts";
import { setBurnerGlow } from "../fixtures/stove.ts";
import type { TaskSpec } from "./types.ts";

export interface TaskEnv {
  task: TaskSpec;
  scene: TaskScene;
  env: Env;
  world: MujocoWorld;
  /** The init state of (split, index) of this task; cached, deterministic. */
  initState(split: "train" | "heldout", index: number): InitState;
  dispose(): void;
}

/** Knob angle (rad) from which LIBERO counts the stove as on (Turnon: q ≥ 0.5). */
const STOVE_ON = 0.5;

export async function makeTaskEnv(suite: string, taskId: number, config: Partial<EnvConfig> = {}): Promise<TaskEnv> {
  const task = getTask(suite, taskId);
  const scene = buildTaskScene(task);
  const xml = withContactSensors(scene.xml, goalContactPairs(task));
  const sim = await Simulation.fromXml(xml);
  // The sampler settles its states on its own MuJoCo instance, so that drawing an init state never
  // disturbs an episode running in the env.
  const samplerSim = await Simulation.fromXml(xml);
  const world = new MujocoWorld(sim);
  const stoves = scene.fixtures.filter((f) => f.category === "flat_stove").map((f) => ({
    instance: f.instance,
    joint: `${f.instance}_button`,
    glowGeom: sim.id("geom", `${f.instance}_burner_glow`),
  }));
  const env = new Env(sim, () => evaluateGoal(task, world).success, { maxSteps: maxSteps(suite), camera: scene.camera, ...config }, {
    // The burner glows red when the knob is past LIBERO's on threshold (Turnon: q ≥ 0.5), as LIBERO's stove.
    // setBurnerGlow moves the glow disc in the model; we refresh that one geom's world pose for the renderer.
    beforeRender: (s) => {
      for (const st of stoves) {
        setBurnerGlow(s, st.instance, world.jointQ(st.joint) >= STOVE_ON);
        refreshGeomPose(s, st.glowGeom);
      }
    },
  });
  const sampler = new InitStateSampler(scene, samplerSim);
  const cache = new Map<string, InitState>();
  return {
    task,
    scene,
    env,
    world,
    initState(split, index) {
      const key = `${split}/${index}`;
      let s = cache.get(key);
      if (!s) {
        s = sampler.sample(initStateId(suite, taskId, split, index));
        cache.set(key, s);
      }
      return s;
    },
    dispose() {
      sampler.dispose();
      samplerSim.dispose();
      env.dispose();
    },
  };
}

/** geom_xpos = body xpos + body xmat · geom_pos, for a geom whose model position was just changed. */
function refreshGeomPose(sim: Simulation, geom: number): void {
  const { model, data } = sim;
  const b = (model.geom_bodyid as unknown as Int32Array)[geom];
  const gp = model.geom_pos;
  const xm = data.xmat;
  for (let r = 0; r < 3; r++) {
    data.geom_xpos[3 * geom + r] =
      data.xpos[3 * b + r] + xm[9 * b + 3 * r] * gp[3 * geom] + xm[9 * b + 3 * r + 1] * gp[3 * geom + 1] + xm[9 * b + 3 * r + 2] * gp[3 * geom + 2];
  }
}
