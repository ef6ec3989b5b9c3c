/**
 * Behaviour of the OSC_POSE controller on the Panda (robosuite 1.4 semantics, 20 Hz, 25 substeps).
 *
 * Verified (`npm run bench -- osc`, BENCHMARKS.md "osc"): an independent float64 re-implementation of robosuite
 * 1.4's OSC_POSE on native MuJoCo 3.14 (benchmarks/native/osc_reference.py), driving the same exported MJCF
 * through the same actions, gives the same TCP trajectories as ours to within 1e-9 m and 1e-9 rad on every
 * sequence below. So the drift left here is robosuite's formula on this model, not a bug of ours: 20 steps of
 * +1 on x move the TCP 0.231 m with 22.7 mm of sag and 96 mrad of pitch in both. The reference pins the cause:
 * with `uncouple_pos_ori` (osc_pose.json: true) set false, the same run drifts 6.2 mm and 3 mrad; gravity off
 * or arm frictionloss off change it by < 1 mm; robosuite's large arm armature 5/(i+1) doubles the sag (10.3 mm
 * and 80 mrad without it). The decoupled wrench [Λ_pos·F; Λ_ori·T] ignores the cross term J_rot·M⁻¹·J_posᵀ, so
 * pushing the TCP along x also pitches it and drags it down, and the goal is re-anchored at the current pose
 * every step, so none of that is ever corrected.
 * The issue's targets (< 1 cm and < 0.05 rad of drift, < 0.05 rad off-axis turn) are therefore not met by
 * robosuite itself; the bounds below are the reference's worst case over the sequences plus a small margin:
 * translation off-axis 22.7 mm, rotation drift 96 mrad (+x); rotation off-axis 181 mrad (+rx about y).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Simulation } from "../../sim/mujoco.ts";
import { robotTableSceneXml, robotInitState } from "../../sim/scenes/robotTable.ts";
import { PandaRobot } from "../../sim/robot/pandaRobot.ts";
import { matMul3, matToAxisAngle } from "../../sim/math.ts";

let sim: Simulation;
let robot: PandaRobot;

function reset(): void {
  sim.mj.mj_resetData(sim.model, sim.data);
  const init = robotInitState(sim);
  sim.data.qpos.set(init.qpos);
  sim.mj.mj_forward(sim.model, sim.data);
  robot.resetController();
}

/** Runs `n` steps of `action`, returns the TCP displacement (m) and rotation vector (rad, world frame). */
function run(action: number[], n: number): { dp: number[]; drot: number[] } {
  reset();
  const p0 = robot.tcpPos();
  const r0 = robot.tcpMat();
  for (let i = 0; i < n; i++) robot.step(action);
  sim.mj.mj_forward(sim.model, sim.data);
  const p1 = robot.tcpPos();
  const r1 = robot.tcpMat();
  const r0T = [r0[0], r0[3], r0[6], r0[1], r0[4], r0[7], r0[2], r0[5], r0[8]];
  return { dp: p1.map((x, i) => x - p0[i]), drot: matToAxisAngle(matMul3(r1, r0T)) };
}

beforeAll(async () => {
  sim = await Simulation.fromXml(robotTableSceneXml([]));
  robot = new PandaRobot(sim);
});
afterAll(() => {
  robot.dispose();
  sim.dispose();
});

describe("OSC_POSE translation", () => {
  for (const axis of [0, 1, 2]) {
    for (const sign of [1, -1]) {
      test(`20 steps of ${sign > 0 ? "+" : "−"}1.0 on ${"xyz"[axis]} move the TCP ≥ 10 cm along it with bounded drift`, () => {
        const a = [0, 0, 0, 0, 0, 0, 0];
        a[axis] = sign;
        const { dp, drot } = run(a, 20);
        expect(sign * dp[axis]).toBeGreaterThanOrEqual(0.1);
        // 0.05 m per step is the commanded maximum: the TCP cannot outrun the goal
        expect(sign * dp[axis]).toBeLessThanOrEqual(20 * 0.05 + 1e-6);
        const off = [0, 1, 2].filter((k) => k !== axis).map((k) => Math.abs(dp[k]));
        expect(Math.max(...off)).toBeLessThan(0.025);
        expect(Math.hypot(...drot)).toBeLessThan(0.11);
      });
    }
  }
});

describe("OSC_POSE rotation", () => {
  for (const axis of [0, 1, 2]) {
    test(`10 steps of +1.0 on rotation ${"xyz"[axis]} turn the TCP ≥ 0.2 rad about world ${"xyz"[axis]}`, () => {
      const a = [0, 0, 0, 0, 0, 0, 0];
      a[3 + axis] = 1;
      const { drot } = run(a, 10);
      expect(drot[axis]).toBeGreaterThanOrEqual(0.2);
      // the commanded maximum is 0.5 rad per step
      expect(drot[axis]).toBeLessThanOrEqual(10 * 0.5);
      const off = [0, 1, 2].filter((k) => k !== axis).map((k) => Math.abs(drot[k]));
      expect(Math.max(...off)).toBeLessThan(0.2);
    });
  }
});

test("+x sag and pitch are the robosuite reference's: Δz −22.7 mm, pitch −96 mrad (npm run bench -- osc)", () => {
  const { dp, drot } = run([1, 0, 0, 0, 0, 0, 0], 20);
  expect(dp[0]).toBeCloseTo(0.2306, 3);
  expect(dp[2]).toBeCloseTo(-0.0227, 3);
  expect(drot[1]).toBeCloseTo(-0.096, 2);
});

test("100 steps of a zero action hold the pose within 2 mm", () => {
  const { dp, drot } = run([0, 0, 0, 0, 0, 0, 0], 100);
  expect(Math.hypot(...dp)).toBeLessThan(0.002);
  expect(Math.hypot(...drot)).toBeLessThan(0.01);
});

test("actions beyond ±1 are clipped: +5 on x moves exactly as +1", () => {
  const a = run([1, 0, 0, 0, 0, 0, 0], 5).dp;
  const b = run([5, 0, 0, 0, 0, 0, 0], 5).dp;
  b.forEach((x, i) => expect(x).toBeCloseTo(a[i], 12));
});

test("the same actions from the same state give bit-identical trajectories", () => {
  const seq = [[0.3, -0.2, 0.1, 0.1, 0, -0.1, 1], [0, 0.5, -0.5, 0, 0.2, 0, -1]];
  const trace = () => {
    reset();
    for (let i = 0; i < 10; i++) robot.step(seq[i % 2]);
    return Array.from(sim.data.qpos);
  };
  expect(trace()).toEqual(trace());
});
