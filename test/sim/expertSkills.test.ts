import seedrandom from "seedrandom";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Simulation } from "../../sim/mujoco.ts";
import { robotTableSceneXml, robotInitState } from "../../sim/scenes/robotTable.ts";
import { Env } from "../../sim/env.ts";
import { bodyPos, bodyYaw, drawStyle, pick, place, type ExpertContext } from "../../sim/expert/skills.ts";
import { runPlan } from "../../sim/expert/executor.ts";
import { downOrientation, nearestGraspYaw, poseAction, tcpYaw } from "../../sim/expert/motion.ts";

describe("motion law", () => {
  test("downOrientation(π/2) is the init_qpos TCP frame (closing axis = TCP x along world y, z down)", () => {
    const r = downOrientation(Math.PI / 2);
    [0, 1, 0, 1, 0, 0, 0, 0, -1].forEach((x, i) => expect(r[i]).toBeCloseTo(x, 12));
    // column 0, the closing axis, points along the yaw
    const q = downOrientation(0.7);
    expect([q[0], q[3], q[6]].map((x) => x.toFixed(12))).toEqual([Math.cos(0.7), Math.sin(0.7), 0].map((x) => x.toFixed(12)));
    expect(tcpYaw(q)).toBeCloseTo(0.7, 12);
  });

  test("a 1 cm position error asks for 0.2 of the max action at gain 1", () => {
    const r = downOrientation(0);
    const a = poseAction([0, 0, 1], r, [0.01, 0, 1], r, { speed: 1, turnSpeed: 1, gain: 1 });
    expect(a[0]).toBeCloseTo(0.2, 12); // 0.01 m / 0.05 m per unit action
    expect(a.slice(1).every((x) => Math.abs(x) < 1e-12)).toBe(true);
  });

  test("the speed limit clips the whole position vector, keeping its direction", () => {
    const r = downOrientation(0);
    const a = poseAction([0, 0, 0], r, [0.3, 0.4, 0], r, { speed: 0.5, turnSpeed: 1, gain: 1 });
    expect(Math.hypot(a[0], a[1], a[2])).toBeCloseTo(0.5, 12);
    expect(a[0] / a[1]).toBeCloseTo(0.75, 12);
  });

  test("a parallel gripper never turns more than 90° to a grasp yaw", () => {
    for (const [target, current] of [[3, 0], [-2.5, 0.5], [Math.PI / 2 + 0.1, -Math.PI / 2]]) {
      expect(Math.abs(nearestGraspYaw(target, current) - current)).toBeLessThanOrEqual(Math.PI / 2 + 1e-12);
    }
  });
});

describe("pick and place on the robot table", () => {
  let sim: Simulation;
  let env: Env;
  let ctx: ExpertContext;
  beforeAll(async () => {
    sim = await Simulation.fromXml(robotTableSceneXml());
    // success: the red box rests on the green one and the gripper has let go
    env = new Env(sim, () => {
      const r = bodyPos(ctx, "box_red");
      const g = bodyPos(ctx, "box_green");
      return Math.hypot(r[0] - g[0], r[1] - g[1]) < 0.02 && Math.abs(r[2] - g[2] - 0.045) < 0.01 && ctx.robot.gripperQpos()[0] > 0.03;
    }, { maxSteps: 300 });
  });
  afterAll(() => env.dispose());

  function demo(seed: number) {
    const first = env.reset(robotInitState(sim));
    ctx = { sim, robot: env.robot, style: drawStyle(seedrandom(`demo/${seed}`)), gripper: -1 };
    function* plan() {
      yield* pick(ctx, "box_red", () => ({ point: bodyPos(ctx, "box_red"), yaw: bodyYaw(ctx, "box_red") + Math.PI / 2 }), 1.05);
      const g = bodyPos(ctx, "box_green");
      yield* place(ctx, "box_red", [g[0], g[1], g[2] + 0.045], 1.05);
      return true;
    }
    return runPlan(env, first, plan());
  }

  test("the expert stacks the red box on the green one, with actions inside [−1, 1]", () => {
    const run = demo(0);
    expect(run.success).toBe(true);
    for (const s of run.steps) for (const x of s.action) expect(Math.abs(x)).toBeLessThanOrEqual(1);
  });

  test("two seeds give different demos; the same seed gives the same demo", () => {
    const a = demo(1);
    const b = demo(2);
    const a2 = demo(1);
    expect(a.steps.length === b.steps.length && a.steps.every((s, i) => s.action.every((x, k) => x === b.steps[i].action[k]))).toBe(false);
    expect(a2.steps.length).toBe(a.steps.length);
    a.steps.forEach((s, i) => expect(Array.from(a2.steps[i].action)).toEqual(Array.from(s.action)));
  });
});
