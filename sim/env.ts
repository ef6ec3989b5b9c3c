/**
 * The stateful environment: one MuJoCo instance, the Panda under OSC_POSE, a renderer, and a success test.
 * Semantics are DESIGN.md's "Episodes" and "Env API" contracts:
 *
 * - `reset(init)` starts from `mj_resetData`, places the fixtures, writes the init state's qpos/qvel, resets
 *   the controller (gripper integrator and null-space posture), then runs the 10 wait steps with action
 *   [0, 0, 0, 0, 0, 0, −1] (not counted, not success-checked) and returns the observation after them.
 * - `step(action)` runs one counted step; success is checked after every counted step, and the episode ends
 *   at the first success or when `maxSteps` counted steps have run.
 * - `stepChunk(actions)` runs up to `actions.length / 7` steps, stopping at success or at the step limit (a
 *   chunk that would cross `maxSteps` is cut short), and renders once, after its last executed step.
 *
 * The success test is a function of the simulation supplied by the scene (the LIBERO task suites plug in
 * their goal predicates; the robot-only scene has none).
 */
import type { Simulation } from "./mujoco.ts";
import { PandaRobot } from "./robot/pandaRobot.ts";
import { WRIST_CAMERA } from "./robot/panda.ts";
import { Renderer } from "./render/rasterizer.ts";
import type { ChunkResult, InitState, Observation, StepResult } from "./envTypes.ts";

export const WAIT_ACTION = [0, 0, 0, 0, 0, 0, -1] as const;
export const ACTION_DIM = 7;

export interface EnvConfig {
  /** counted steps per episode (per suite: 220/280/300/520/400; SimpleVLA-RL uses 512) */
  maxSteps: number;
  /** uncounted settling steps after reset (LIBERO evaluations: 10) */
  waitSteps: number;
  /** image side in pixels; env and datasets are always 128 (DESIGN.md) */
  imageSize: number;
  /** agentview camera name */
  camera: string;
  /** also render the wrist camera */
  wristImage: boolean;
}

export function defaultEnvConfig(): EnvConfig {
  return { maxSteps: 520, waitSteps: 10, imageSize: 128, camera: "agentview", wristImage: false };
}

export type SuccessFn = (sim: Simulation) => boolean;

export interface EnvHooks {
  /** called before every render, e.g. to light the stove's burner when its knob is on */
  beforeRender?: (sim: Simulation) => void;
}

export class Env {
  readonly sim: Simulation;
  readonly robot: PandaRobot;
  readonly config: EnvConfig;
  private readonly renderer: Renderer;
  private readonly isSuccess: SuccessFn;
  private readonly hooks: EnvHooks;
  private stepCount = 0;
  private finished = true;
  private lastSuccess = false;

  /** Takes ownership of `sim`: `dispose()` frees it. */
  constructor(sim: Simulation, isSuccess: SuccessFn = () => false, config: Partial<EnvConfig> = {}, hooks: EnvHooks = {}) {
    this.config = { ...defaultEnvConfig(), ...config };
    const c = this.config;
    if (!Number.isInteger(c.maxSteps) || c.maxSteps < 1) throw new Error(`maxSteps must be a positive integer, got ${c.maxSteps}.`);
    if (!Number.isInteger(c.waitSteps) || c.waitSteps < 0) throw new Error(`waitSteps must be a non-negative integer, got ${c.waitSteps}.`);
    this.sim = sim;
    this.isSuccess = isSuccess;
    this.hooks = hooks;
    this.robot = new PandaRobot(sim);
    this.renderer = new Renderer(sim, { width: c.imageSize, height: c.imageSize });
    this.renderer.render(c.camera); // validates the camera name now, with the renderer's clear error
  }

  /** Counted steps executed in the current episode. */
  get steps(): number {
    return this.stepCount;
  }

  get done(): boolean {
    return this.finished;
  }

  reset(init: InitState): Observation {
    const { mj, model, data } = this.sim;
    if (init.qpos.length !== model.nq) throw new Error(`Init state has ${init.qpos.length} qpos values; this scene has nq = ${model.nq}.`);
    if (init.qvel.length !== model.nv) throw new Error(`Init state has ${init.qvel.length} qvel values; this scene has nv = ${model.nv}.`);
    mj.mj_resetData(model, data);
    const bodyPos = model.body_pos;
    const bodyQuat = model.body_quat;
    for (const f of init.fixtures) {
      const b = this.sim.id("body", f.body);
      for (let k = 0; k < 3; k++) bodyPos[3 * b + k] = f.pos[k];
      for (let k = 0; k < 4; k++) bodyQuat[4 * b + k] = f.quat[k];
    }
    data.qpos.set(init.qpos);
    data.qvel.set(init.qvel);
    mj.mj_forward(model, data);
    this.robot.resetController();
    for (let i = 0; i < this.config.waitSteps; i++) this.robot.step(WAIT_ACTION);
    this.stepCount = 0;
    this.finished = false;
    this.lastSuccess = false;
    return this.observe();
  }

  step(action: ArrayLike<number>): StepResult {
    if (action.length !== ACTION_DIM) {
      throw new Error(`An action has 7 numbers [dx, dy, dz, ax, ay, az, gripper]; got ${action.length}.`);
    }
    checkAction(action, 0);
    this.checkRunning();
    this.advance(action, 0);
    return { obs: this.observe(), success: this.lastSuccess, done: this.finished, info: { step: this.stepCount, maxSteps: this.config.maxSteps } };
  }

  stepChunk(actions: ArrayLike<number>): ChunkResult {
    if (actions.length === 0 || actions.length % ACTION_DIM !== 0) {
      throw new Error(`A chunk must hold a whole number of 7-D actions; got ${actions.length} numbers.`);
    }
    for (let t = 0; t < actions.length / ACTION_DIM; t++) checkAction(actions, t * ACTION_DIM);
    this.checkRunning();
    let executed = 0;
    for (let t = 0; t < actions.length / ACTION_DIM && !this.finished; t++) {
      this.advance(actions, t * ACTION_DIM);
      executed++;
    }
    return { obs: this.observe(), success: this.lastSuccess, done: this.finished, stepsExecuted: executed };
  }

  private advance(actions: ArrayLike<number>, offset: number): void {
    const a = offset === 0 ? actions : Array.prototype.slice.call(actions, offset, offset + ACTION_DIM);
    this.robot.step(a);
    this.stepCount++;
    this.lastSuccess = this.isSuccess(this.sim);
    this.finished = this.lastSuccess || this.stepCount >= this.config.maxSteps;
  }

  private checkRunning(): void {
    if (this.finished) {
      throw new Error(this.stepCount === 0 ? "The env has not been reset: call reset(init) first." : "The episode is over: call reset(init) to start another.");
    }
  }

  /** Renders the observation of the current state. */
  observe(): Observation {
    this.hooks.beforeRender?.(this.sim);
    const image = this.renderer.render(this.config.camera);
    const wristImage = this.config.wristImage ? this.renderer.render(WRIST_CAMERA) : undefined;
    const [g1, g2] = this.robot.gripperQpos();
    const p = this.robot.tcpPos();
    const [w, x, y, z] = this.robot.handQuat();
    return { image, wristImage, proprio: Float64Array.from([g1, g2, p[0], p[1], p[2], x, y, z, w]) };
  }

  dispose(): void {
    this.renderer.dispose();
    this.robot.dispose();
    this.sim.dispose();
  }
}

function checkAction(a: ArrayLike<number>, offset: number): void {
  for (let k = 0; k < ACTION_DIM; k++) {
    const x = a[offset + k];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new Error(`Action ${offset / ACTION_DIM} has a non-finite value ${x} at dimension ${k}.`);
    }
  }
}
