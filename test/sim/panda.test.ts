import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Simulation } from "../../sim/mujoco.ts";
import { robotTableSceneXml, robotInitState } from "../../sim/scenes/robotTable.ts";
import { PandaRobot } from "../../sim/robot/pandaRobot.ts";
import { ARM_JOINTS } from "../../sim/robot/panda.ts";

describe("Panda kinematics as LIBERO's", () => {
  let sim: Simulation;
  let robot: PandaRobot;
  beforeAll(async () => {
    sim = await Simulation.fromXml(robotTableSceneXml([]));
    robot = new PandaRobot(sim);
    const init = robotInitState(sim);
    sim.data.qpos.set(init.qpos);
    sim.mj.mj_forward(sim.model, sim.data);
  });
  afterAll(() => {
    robot.dispose();
    sim.dispose();
  });

  test("init_qpos puts the table-scene TCP at (−0.2085, 0, 1.1733) ± 1 cm", () => {
    const p = robot.tcpPos();
    expect(Math.hypot(p[0] + 0.2085, p[1], p[2] - 1.1733)).toBeLessThan(0.01);
  });

  test("the gripper points straight down at init_qpos (TCP z axis ≈ −world z)", () => {
    const m = robot.tcpMat();
    // column 2 of the row-major site matrix is the site's z axis in world coordinates
    expect(m[8]).toBeLessThan(-0.99);
  });

  test("the fingers slide along the TCP's x axis, world ±y at init_qpos, as robosuite's PandaGripper", () => {
    const m = robot.tcpMat();
    const tcpX = [m[0], m[3], m[6]];
    for (const joint of ["gripper0_finger_joint1", "gripper0_finger_joint2"]) {
      const j = sim.id("joint", joint);
      const axis = Array.from(sim.data.xaxis.subarray(3 * j, 3 * j + 3) as Float64Array); // world frame
      expect(Math.abs(axis[0] * tcpX[0] + axis[1] * tcpX[1] + axis[2] * tcpX[2])).toBeGreaterThan(0.9999);
      expect(Math.abs(axis[1])).toBeGreaterThan(0.99);
    }
  });

  test("right_hand quaternion matches robosuite's (0, −0.9996, −0.0002, 0.0284) up to sign", () => {
    const q = robot.handQuat();
    const ref = [0, -0.9996, -0.0002, 0.0284];
    const dot = Math.abs(q.reduce((s, x, i) => s + x * ref[i], 0));
    expect(dot).toBeGreaterThan(0.9999);
  });

  test("TCP is 0.2035 m from the link7 origin", () => {
    const b = sim.id("body", "robot0_link7");
    const x = sim.data.xpos;
    const p = robot.tcpPos();
    expect(Math.hypot(p[0] - x[3 * b], p[1] - x[3 * b + 1], p[2] - x[3 * b + 2])).toBeCloseTo(0.2035, 4);
  });

  test("joint ranges, armature 5/(i+1), frictionloss 0.1 and torque limits follow robosuite", () => {
    const m = sim.model;
    const range = m.jnt_range as unknown as Float64Array;
    const armature = m.dof_armature as unknown as Float64Array;
    const fl = m.dof_frictionloss as unknown as Float64Array;
    const expectedRanges = [[-2.8973, 2.8973], [-1.7628, 1.7628], [-2.8973, 2.8973], [-3.0718, -0.0698], [-2.8973, 2.8973], [-0.0175, 3.7525], [-2.8973, 2.8973]];
    ARM_JOINTS.forEach((name, i) => {
      const j = sim.id("joint", name);
      expect([range[2 * j], range[2 * j + 1]]).toEqual(expectedRanges[i]);
      expect(armature[robot.armDofAdr[i]]).toBeCloseTo(5 / (i + 1), 9);
      expect(fl[robot.armDofAdr[i]]).toBeCloseTo(0.1, 9);
    });
    const cr = m.actuator_ctrlrange as unknown as Float64Array;
    const limits = [80, 80, 80, 80, 80, 12, 12];
    limits.forEach((l, i) => {
      const a = sim.id("actuator", `robot0_torq_j${i + 1}`);
      expect([cr[2 * a], cr[2 * a + 1]]).toEqual([-l, l]);
    });
  });

  test("link masses are robosuite's (link1 3 kg … link7 0.5 kg)", () => {
    const mass = sim.model.body_mass as unknown as Float64Array;
    const expected = [3, 3, 2, 2, 2, 1.5, 0.5];
    expected.forEach((kg, i) => expect(mass[sim.id("body", `robot0_link${i + 1}`)]).toBeCloseTo(kg, 9));
  });

  test("gripper inertials are PandaGripper's: hand 0.3 kg with diag (0.09, 0.07, 0.05), fingers 0.1 kg + 0.01 kg tips", () => {
    const mass = sim.model.body_mass as unknown as Float64Array;
    const inertia = sim.model.body_inertia as unknown as Float64Array;
    const hand = sim.id("body", "gripper0_right_gripper");
    expect(mass[hand]).toBeCloseTo(0.3, 9);
    expect(Array.from(inertia.subarray(3 * hand, 3 * hand + 3)).sort()).toEqual([0.05, 0.07, 0.09]);
    for (const [finger, tip] of [["gripper0_leftfinger", "gripper0_finger_joint1_tip"], ["gripper0_rightfinger", "gripper0_finger_joint2_tip"]]) {
      expect(mass[sim.id("body", finger)]).toBeCloseTo(0.1, 9);
      expect(mass[sim.id("body", tip)]).toBeCloseTo(0.01, 9);
    }
  });
});
