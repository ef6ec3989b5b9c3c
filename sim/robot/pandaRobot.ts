/**
 * The Panda in a compiled scene: resolves its joints, actuators and TCP site, and executes one 20 Hz LIBERO
 * env action as 25 physics substeps under OSC_POSE plus the gripper command.
 */
import type { Simulation } from "../mujoco.ts";
import { SUBSTEPS } from "../physics.ts";
import { OscController, defaultOscConfig, type OscConfig } from "../control/osc.ts";
import { GripperCommand } from "../control/gripper.ts";
import {
  ARM_ACTUATORS, ARM_JOINTS, FINGER_ACTUATORS, FINGER_JOINTS, GRIP_SITE, HAND_BODY,
  PANDA_INIT_QPOS, PANDA_TORQUE_LIMITS,
} from "./panda.ts";

export class PandaRobot {
  readonly sim: Simulation;
  readonly osc: OscController;
  readonly gripper = new GripperCommand();
  readonly siteId: number;
  readonly handBody: number;
  readonly armQposAdr: number[];
  readonly armDofAdr: number[];
  readonly fingerQposAdr: number[];
  readonly fingerActuators: number[];
  private readonly fingerCtrlRange = new Float64Array(4);
  private readonly fingerTargets = new Float64Array(2);

  constructor(sim: Simulation, oscConfig: OscConfig = defaultOscConfig()) {
    this.sim = sim;
    const m = sim.model;
    const jntQpos = m.jnt_qposadr as unknown as Int32Array;
    const jntDof = m.jnt_dofadr as unknown as Int32Array;
    const armJ = ARM_JOINTS.map((n) => sim.id("joint", n));
    this.armQposAdr = armJ.map((j) => jntQpos[j]);
    this.armDofAdr = armJ.map((j) => jntDof[j]);
    this.fingerQposAdr = FINGER_JOINTS.map((n) => jntQpos[sim.id("joint", n)]);
    this.fingerActuators = FINGER_ACTUATORS.map((n) => sim.id("actuator", n));
    const cr = m.actuator_ctrlrange;
    this.fingerActuators.forEach((a, f) => {
      this.fingerCtrlRange[2 * f] = cr[2 * a];
      this.fingerCtrlRange[2 * f + 1] = cr[2 * a + 1];
    });
    this.siteId = sim.id("site", GRIP_SITE);
    this.handBody = sim.id("body", HAND_BODY);
    this.osc = new OscController(
      sim,
      {
        siteId: this.siteId,
        qposAdr: this.armQposAdr,
        dofAdr: this.armDofAdr,
        actuatorIds: ARM_ACTUATORS.map((n) => sim.id("actuator", n)),
        torqueLimits: PANDA_TORQUE_LIMITS,
      },
      oscConfig,
    );
    this.osc.setRestPosture(PANDA_INIT_QPOS);
  }

  /**
   * Resets the controller state: gripper integrator to 0 (half open, as robosuite's `current_action`), the
   * null-space posture to `init_qpos`, the held orientation goal to the TCP orientation at `init_qpos` (as
   * robosuite's controller, created at reset), and finger servo targets to match. Call after the state is set.
   */
  resetController(): void {
    this.gripper.reset();
    this.osc.setRestPosture(PANDA_INIT_QPOS);
    this.osc.resetGoal();
    this.writeFingerTargets();
  }

  private writeFingerTargets(): void {
    this.gripper.targets(this.fingerCtrlRange, this.fingerTargets);
    const ctrl = this.sim.data.ctrl;
    ctrl[this.fingerActuators[0]] = this.fingerTargets[0];
    ctrl[this.fingerActuators[1]] = this.fingerTargets[1];
  }

  /**
   * One env step: the goal is set once, from the pose at the start of the step (the orientation goal only
   * when the action has a non-zero rotation, as robosuite; see osc.ts), then 25 substeps each recompute the
   * OSC torques and integrate the gripper command. `action` is 7 finite numbers (validated
   * by the env); values outside [−1, 1] are clipped as robosuite clips its controller input.
   */
  step(action: ArrayLike<number>): void {
    const { mj, model, data } = this.sim;
    const g = Math.min(1, Math.max(-1, action[6]));
    for (let k = 0; k < SUBSTEPS; k++) {
      mj.mj_step1(model, data);
      if (k === 0) this.osc.setGoal(action);
      this.osc.computeTorques();
      this.gripper.integrate(g);
      this.writeFingerTargets();
      mj.mj_step2(model, data);
    }
  }

  /** TCP position (world, m) as of the last kinematics pass. */
  tcpPos(): [number, number, number] {
    const p = this.sim.data.site_xpos;
    const s = this.siteId;
    return [p[3 * s], p[3 * s + 1], p[3 * s + 2]];
  }

  /** TCP orientation, row-major 3×3 (site frame → world). */
  tcpMat(): number[] {
    const s = this.siteId;
    return Array.from(this.sim.data.site_xmat.subarray(9 * s, 9 * s + 9));
  }

  /** `right_hand` body quaternion (w, x, y, z). */
  handQuat(): [number, number, number, number] {
    const q = this.sim.data.xquat;
    const b = this.handBody;
    return [q[4 * b], q[4 * b + 1], q[4 * b + 2], q[4 * b + 3]];
  }

  /** Finger joint positions (m): [finger1 ≥ 0, finger2 ≤ 0]; open = ±0.04. */
  gripperQpos(): [number, number] {
    const q = this.sim.data.qpos;
    return [q[this.fingerQposAdr[0]], q[this.fingerQposAdr[1]]];
  }

  armQpos(): number[] {
    return this.armQposAdr.map((a) => this.sim.data.qpos[a]);
  }

  dispose(): void {
    this.osc.dispose();
  }
}
