import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { GripperCommand, GRIPPER_SPEED } from "../../sim/control/gripper.ts";
import { Simulation } from "../../sim/mujoco.ts";
import { robotTableSceneXml, robotInitState } from "../../sim/scenes/robotTable.ts";
import { PandaRobot } from "../../sim/robot/pandaRobot.ts";
import { SUBSTEPS } from "../../sim/physics.ts";

describe("gripper command (robosuite PandaGripper)", () => {
  test("gripper sign follows LIBERO: −1 open, +1 close", () => {
    const g = new GripperCommand();
    const out = new Float64Array(2);
    const ranges = [0, 0.04, -0.04, 0];
    for (let i = 0; i < 200; i++) g.integrate(-1);
    g.targets(ranges, out);
    expect(Array.from(out)).toEqual([0.04, -0.04]); // fully open
    for (let i = 0; i < 200; i++) g.integrate(+1);
    g.targets(ranges, out);
    expect(Array.from(out)).toEqual([0, 0]); // fully closed
  });

  test("a full swing takes 200 substeps = 8 control steps; 0 holds", () => {
    const g = new GripperCommand();
    for (let i = 0; i < 100; i++) g.integrate(-1); // from half open (0) to open (−1 for finger 1's command)
    expect(g.current[0]).toBeCloseTo(1, 12);
    let n = 0;
    while (g.current[0] > -1 + 1e-12) {
      g.integrate(1);
      n++;
    }
    expect(n).toBe(2 / GRIPPER_SPEED);
    expect(n / SUBSTEPS).toBe(8);
    const before = Array.from(g.current);
    g.integrate(0);
    expect(Array.from(g.current)).toEqual(before);
  });

  test("only the sign is used: 0.01 closes as fast as 1", () => {
    const a = new GripperCommand();
    const b = new GripperCommand();
    for (let i = 0; i < 37; i++) {
      a.integrate(0.01);
      b.integrate(1);
    }
    expect(Array.from(a.current)).toEqual(Array.from(b.current));
  });
});

describe("grasping a 4 cm box", () => {
  let sim: Simulation;
  let robot: PandaRobot;
  beforeAll(async () => {
    // The box stands on the table right under the TCP's start position.
    sim = await Simulation.fromXml(
      robotTableSceneXml([{ name: "cube", pos: [-0.2085, 0, 0.92], size: [0.02, 0.02, 0.02], rgba: [0.8, 0.2, 0.2, 1] }]),
    );
    robot = new PandaRobot(sim);
  });
  afterAll(() => {
    robot.dispose();
    sim.dispose();
  });

  test("the gripper closes on it within 8 steps and holds it while the TCP rises 20 cm", () => {
    const init = robotInitState(sim);
    sim.data.qpos.set(init.qpos);
    sim.mj.mj_forward(sim.model, sim.data);
    robot.resetController();
    const cube = sim.id("body", "cube");
    const cubeZ = () => sim.data.xpos[3 * cube + 2];
    // Open, then descend until the TCP is at the cube's centre height (P-control on the position error).
    for (let i = 0; i < 10; i++) robot.step([0, 0, 0, 0, 0, 0, -1]);
    for (let i = 0; i < 60; i++) {
      const p = robot.tcpPos();
      const err = [-0.2085 - p[0], 0 - p[1], cubeZ() - p[2]];
      robot.step([...err.map((e) => Math.max(-1, Math.min(1, e / 0.05))), 0, 0, 0, -1]);
    }
    expect(Math.abs(robot.tcpPos()[2] - cubeZ())).toBeLessThan(0.01);
    const zTable = cubeZ();
    for (let i = 0; i < 8; i++) robot.step([0, 0, 0, 0, 0, 0, 1]);
    const [f1, f2] = robot.gripperQpos();
    // closed on the 4 cm box: each finger about 2 cm from the centre, not fully shut
    expect(f1 - f2).toBeGreaterThan(0.03);
    expect(f1 - f2).toBeLessThan(0.045);
    const tcpZ0 = robot.tcpPos()[2];
    for (let i = 0; i < 40 && robot.tcpPos()[2] < tcpZ0 + 0.2; i++) robot.step([0, 0, 1, 0, 0, 0, 1]);
    sim.mj.mj_forward(sim.model, sim.data);
    expect(robot.tcpPos()[2] - tcpZ0).toBeGreaterThanOrEqual(0.2);
    expect(cubeZ() - zTable).toBeGreaterThan(0.19);
    const p = robot.tcpPos();
    const c = [sim.data.xpos[3 * cube], sim.data.xpos[3 * cube + 1], cubeZ()];
    expect(Math.hypot(p[0] - c[0], p[1] - c[1], p[2] - c[2])).toBeLessThan(0.02);
  });
});
