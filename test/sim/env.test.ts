import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Simulation } from "../../sim/mujoco.ts";
import { robotTableSceneXml, robotInitState } from "../../sim/scenes/robotTable.ts";
import { Env, WAIT_ACTION } from "../../sim/env.ts";
import { PandaRobot } from "../../sim/robot/pandaRobot.ts";
import type { InitState } from "../../sim/envTypes.ts";

let env: Env;
let init: InitState;
/** success as soon as the TCP is 5 cm above its start height */
let successZ = Infinity;

beforeAll(async () => {
  const sim = await Simulation.fromXml(robotTableSceneXml());
  env = new Env(sim, (s) => s.data.site_xpos[3 * env.robot.siteId + 2] > successZ, { maxSteps: 20, wristImage: true });
  init = robotInitState(sim);
});
afterAll(() => env.dispose());

describe("reset", () => {
  test("runs the 10 wait steps with [0,0,0,0,0,0,−1]: the gripper ends more open than its half-open start", () => {
    const obs = env.reset(init);
    expect(env.steps).toBe(0);
    expect(env.done).toBe(false);
    // half open is ±0.0208; 10 steps of −1 drive the command to fully open (0.04)
    expect(obs.proprio[0]).toBeGreaterThan(0.03);
    expect(obs.proprio[1]).toBeLessThan(-0.03);
    expect(WAIT_ACTION).toEqual([0, 0, 0, 0, 0, 0, -1]);
  });

  test("observation: 128×128 RGB agentview, wrist image, 9-D LIBERO robot state", () => {
    const obs = env.reset(init);
    expect(obs.image.length).toBe(128 * 128 * 3);
    expect(obs.wristImage!.length).toBe(128 * 128 * 3);
    expect(obs.proprio.length).toBe(9);
    // TCP position sits in slots 2..4
    expect(Math.hypot(obs.proprio[2] + 0.2085, obs.proprio[3], obs.proprio[4] - 1.1733)).toBeLessThan(0.01);
    // the image is not blank
    expect(new Set(obs.image).size).toBeGreaterThan(10);
  });

  test("starts from mj_resetData: an episode after a messy one is bit-identical to a fresh one", () => {
    successZ = Infinity;
    const fresh = env.reset(init);
    const a = env.step([0.2, 0.1, -0.3, 0.1, 0, 0, 1]);
    for (let i = 0; i < 5; i++) env.step([1, -1, 1, 0.5, 0.5, -0.5, 1]);
    const again = env.reset(init);
    expect(Buffer.compare(Buffer.from(again.image), Buffer.from(fresh.image))).toBe(0);
    expect(Array.from(again.proprio)).toEqual(Array.from(fresh.proprio));
    const b = env.step([0.2, 0.1, -0.3, 0.1, 0, 0, 1]);
    expect(Array.from(b.obs.proprio)).toEqual(Array.from(a.obs.proprio));
  });

  test("an init state of the wrong size is a clear error", () => {
    expect(() => env.reset({ ...init, qpos: new Float64Array(3) })).toThrow(/3 qpos values; this scene has nq = /);
  });
});

describe("step and stepChunk", () => {
  test("the episode ends at maxSteps counted steps", () => {
    successZ = Infinity;
    env.reset(init);
    let r;
    for (let i = 0; i < 20; i++) {
      r = env.step([0, 0, 0, 0, 0, 0, 0]);
      expect(r.info.step).toBe(i + 1);
      expect(r.done).toBe(i === 19);
    }
    expect(r!.success).toBe(false);
    expect(() => env.step([0, 0, 0, 0, 0, 0, 0])).toThrow(/episode is over/);
  });

  test("a chunk that would cross maxSteps is cut short", () => {
    successZ = Infinity;
    env.reset(init);
    for (let i = 0; i < 2; i++) expect(env.stepChunk(new Float32Array(56)).stepsExecuted).toBe(8);
    const last = env.stepChunk(new Float32Array(56));
    expect(last.stepsExecuted).toBe(4);
    expect(last.done).toBe(true);
    expect(env.steps).toBe(20);
  });

  test("the episode ends at the first success, mid-chunk", () => {
    env.reset(init);
    successZ = env.robot.tcpPos()[2] + 0.05;
    const up = new Float32Array(56);
    for (let t = 0; t < 8; t++) up[7 * t + 2] = 1;
    const r = env.stepChunk(up);
    expect(r.success).toBe(true);
    expect(r.done).toBe(true);
    expect(r.stepsExecuted).toBeLessThan(8);
    expect(r.stepsExecuted).toBeGreaterThan(0);
    expect(env.steps).toBe(r.stepsExecuted);
    successZ = Infinity;
  });

  test("stepChunk equals the same actions stepped one by one", () => {
    successZ = Infinity;
    const chunk = new Float32Array(56).map((_, i) => Math.sin(i) * 0.8);
    env.reset(init);
    const viaChunk = env.stepChunk(chunk);
    env.reset(init);
    let last;
    for (let t = 0; t < 8; t++) last = env.step(chunk.subarray(7 * t, 7 * t + 7));
    expect(Array.from(viaChunk.obs.proprio)).toEqual(Array.from(last!.obs.proprio));
    expect(Buffer.compare(Buffer.from(viaChunk.obs.image), Buffer.from(last!.obs.image))).toBe(0);
  });

  test("bad actions get clear errors: wrong length, NaN, ragged chunk, before reset", async () => {
    env.reset(init);
    expect(() => env.step([0, 0, 0])).toThrow(/7 numbers .* got 3/);
    expect(() => env.step([0, 0, NaN, 0, 0, 0, 0])).toThrow(/non-finite value NaN at dimension 2/);
    expect(() => env.stepChunk(new Float32Array(10))).toThrow(/whole number of 7-D actions; got 10/);
    const sim = await Simulation.fromXml(robotTableSceneXml([]));
    const fresh = new Env(sim);
    expect(() => fresh.step([0, 0, 0, 0, 0, 0, 0])).toThrow(/not been reset/);
    fresh.dispose();
  });

  test("an unknown camera is a clear error naming it", async () => {
    const sim = await Simulation.fromXml(robotTableSceneXml([]));
    expect(() => new Env(sim, undefined, { camera: "frontview" })).toThrow(/frontview/);
    sim.dispose();
  });
});

test("robot step count per env step is 25 physics substeps (0.05 s of simulated time)", async () => {
  const sim = await Simulation.fromXml(robotTableSceneXml([]));
  const robot = new PandaRobot(sim);
  const t0 = sim.data.time;
  robot.step([0, 0, 0, 0, 0, 0, 0]);
  expect(sim.data.time - t0).toBeCloseTo(0.05, 12);
  robot.dispose();
  sim.dispose();
});
