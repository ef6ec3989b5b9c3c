/**
 * Behaviour of the OSC_POSE controller on the Panda (robosuite 1.4 semantics, 20 Hz, 25 substeps).
 *
 * Verified (`npm run bench -- osc`, BENCHMARKS.md "osc"): an independent float64 re-implementation of robosuite
 * 1.4's OSC_POSE on native MuJoCo 3.14 (benchmarks/native/osc_reference.py), driving the same exported MJCF
 * through the same actions, gives the same TCP trajectories as ours to within 1e-9 m and 1e-9 rad on every
 * sequence below that starts at init_qpos (0.3 mm from a perturbed start: see BENCHMARKS.md). Writing it found
 * two differences of ours, fixed: robosuite's set_goal moves the orientation goal only when a rotation
 * component is non-zero, so translations hold the orientation (we re-anchored it every step, which let +x
 * pitch the TCP by 96 mrad; now 13 mrad, as robosuite); and an episode's first goal is anchored at the
 * init_qpos pose, where robosuite's controller was created.
 *
 * What is left is robosuite's formula on this model, not a bug of ours: 20 steps of +1 on x move the TCP
 * 0.227 m with 24.9 mm of sag in both. The reference locates the cause: with `uncouple_pos_ori` (osc_pose.json:
 * true) set false the same run sags 6.2 mm; without robosuite's large arm armature 5/(i+1), 10.8 mm; gravity off
 * or frictionloss off change it by < 1.5 mm. The decoupled wrench [Λ_pos·F; Λ_ori·T] ignores the cross term
 * J_rot·M⁻¹·J_posᵀ, and the position goal is re-anchored at the current TCP every step, so the z error a step
 * leaves is never corrected. Rotation commands re-anchor the orientation goal too, and the wrist motors
 * saturate at ±12 N·m with robosuite's heavy gripper inertia, hence up to 181 mrad about other axes (+rx).
 *
 * So of the issue's targets, robosuite itself meets "≥ 10 cm / ≥ 0.2 rad along", "< 0.05 rad orientation drift
 * while translating" and "zero action holds within 2 mm", tested as stated; it does not meet "< 1 cm off-axis"
 * (24.9 mm worst, +x) or "< 0.05 rad off-axis turn" (181 mrad worst, +rx), bounded here at the reference's
 * worst case plus a small margin.
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
        expect(Math.max(...off)).toBeLessThan(0.027);
        expect(Math.hypot(...drot)).toBeLessThan(0.05);
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

test("+x sag is the robosuite reference's: 0.227 m along, Δz −24.9 mm, pitch −12.7 mrad (npm run bench -- osc)", () => {
  const { dp, drot } = run([1, 0, 0, 0, 0, 0, 0], 20);
  expect(dp[0]).toBeCloseTo(0.227, 3);
  expect(dp[2]).toBeCloseTo(-0.0249, 3);
  expect(drot[1]).toBeCloseTo(-0.0127, 3);
});

test("a translation-only action keeps the orientation goal; any non-zero rotation component moves it", () => {
  reset();
  robot.step([0, 0, 0, 0, 0, 1, 0]);
  const held = Array.from(robot.osc.goalMat);
  for (let i = 0; i < 3; i++) robot.step([1, 0, 0, 0, 0, 0, 0]);
  expect(Array.from(robot.osc.goalMat)).toEqual(held);
  robot.step([0, 0, 0, 1e-9, 0, 0, 0]);
  expect(Array.from(robot.osc.goalMat)).not.toEqual(held);
});

test("resetController sets the orientation goal to the TCP orientation at init_qpos, whatever the state", () => {
  reset();
  const atInit = robot.tcpMat();
  for (let i = 0; i < 3; i++) robot.step([0.5, 0, 0, 0, 1, 0, 0]);
  sim.mj.mj_forward(sim.model, sim.data);
  const qpos = Array.from(sim.data.qpos);
  robot.resetController();
  Array.from(robot.osc.goalMat).forEach((x, i) => expect(x).toBeCloseTo(atInit[i], 12));
  // the state's kinematics are left as they were
  expect(Array.from(sim.data.qpos)).toEqual(qpos);
  expect(robot.tcpMat()).not.toEqual(atInit);
});

test("the first goal after resetController is anchored at the init_qpos TCP pose, later ones at the current pose", () => {
  reset();
  const atInit = robot.tcpPos();
  robot.armQposAdr.forEach((adr, i) => (sim.data.qpos[adr] += 0.03 * (i % 2 === 0 ? 1 : -1)));
  sim.mj.mj_forward(sim.model, sim.data);
  robot.resetController();
  const now = robot.tcpPos();
  expect(Math.hypot(now[0] - atInit[0], now[1] - atInit[1], now[2] - atInit[2])).toBeGreaterThan(0.01);
  // robosuite's controller still holds the state it was created in (init_qpos) at the episode's first set_goal
  robot.osc.setGoal([1, 0, 0, 0, 0, 0, 0]);
  Array.from(robot.osc.goalPos).forEach((x, k) => expect(x).toBeCloseTo(atInit[k] + (k === 0 ? 0.05 : 0), 12));
  robot.osc.setGoal([1, 0, 0, 0, 0, 0, 0]);
  Array.from(robot.osc.goalPos).forEach((x, k) => expect(x).toBeCloseTo(now[k] + (k === 0 ? 0.05 : 0), 12));
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
