/**
 * The scripted expert's motion law: turn a desired TCP pose into one LIBERO env action (OSC_POSE deltas),
 * the way a teleoperator's device would. Pure functions of the current and desired pose.
 *
 * The OSC goal is p + 0.05·a[0:3] and Rot(0.5·a[3:6])·R (sim/control/osc.ts), so the action that asks for
 * the full remaining error in one step is a = (p* − p)/0.05 and a_rot = r/0.5 with r the rotation vector of
 * R*·Rᵀ (world frame); we scale by a gain and clip to a speed limit, which gives a smooth approach that
 * slows down near the target, as human demonstrations do.
 */
import { matMul3, matToAxisAngle, type Vec3 } from "../math.ts";

/** OSC_POSE output_max: metres and radians per unit action (robosuite osc_pose.json). */
export const POS_SCALE = 0.05;
export const ROT_SCALE = 0.5;

/**
 * TCP orientation "gripper pointing straight down" with the fingers closing along (cos yaw, sin yaw, 0):
 * columns are the TCP axes in world coordinates. The fingers close along the TCP's x axis (robosuite's
 * PandaGripper, sim/robot/panda.ts), so that is column 0. At init_qpos the Panda's TCP is this pose with
 * yaw π/2 (closing along world y), within 0.06 rad.
 */
export function downOrientation(yaw: number): number[] {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  // x = closing axis, z = down, y = z × x
  return [c, s, 0, s, -c, 0, 0, 0, -1];
}

export interface MotionLimits {
  /** max |a| on position dims (≤ 1) */
  speed: number;
  /** max |a| on rotation dims (≤ 1) */
  turnSpeed: number;
  /** fraction of the remaining error asked for per step */
  gain: number;
}

/** Clip a vector to a max norm, keeping its direction (so the path stays straight). */
function clipNorm(v: number[], max: number): number[] {
  const n = Math.hypot(...v);
  return n > max ? v.map((x) => (x * max) / n) : v;
}

/** The 6 pose numbers of an action steering from (p, R) toward (pTarget, RTarget). */
export function poseAction(p: ArrayLike<number>, r: ArrayLike<number>, pTarget: Vec3, rTarget: ArrayLike<number>, lim: MotionLimits): number[] {
  const dp = [0, 1, 2].map((k) => (lim.gain * (pTarget[k] - p[k])) / POS_SCALE);
  const rT = [r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]];
  const rotErr = matToAxisAngle(matMul3(rTarget, rT));
  const dr = rotErr.map((x) => (lim.gain * x) / ROT_SCALE);
  return [...clipNorm(dp, lim.speed), ...clipNorm(dr, lim.turnSpeed)];
}

/** Position error (m) and orientation error (rad) between two poses. */
export function poseError(p: ArrayLike<number>, r: ArrayLike<number>, pTarget: Vec3, rTarget: ArrayLike<number>): { pos: number; rot: number } {
  const rT = [r[0], r[3], r[6], r[1], r[4], r[7], r[2], r[5], r[8]];
  const rot = Math.hypot(...matToAxisAngle(matMul3(rTarget, rT)));
  return { pos: Math.hypot(pTarget[0] - p[0], pTarget[1] - p[1], pTarget[2] - p[2]), rot };
}

/** Yaw (rad) of a TCP orientation about world z, as `downOrientation` defines it. */
export function tcpYaw(r: ArrayLike<number>): number {
  // column 0 (the closing axis) is (cos yaw, sin yaw, ·) for downOrientation(yaw)
  return Math.atan2(r[3], r[0]);
}

/**
 * The yaw among {yaw, yaw ± π} closest to `current`: a parallel gripper is symmetric under a half turn, so
 * the expert never turns the wrist more than 90°.
 */
export function nearestGraspYaw(yaw: number, current: number): number {
  let best = yaw;
  for (const y of [yaw - Math.PI, yaw, yaw + Math.PI, yaw - 2 * Math.PI, yaw + 2 * Math.PI]) {
    if (Math.abs(wrap(y - current)) < Math.abs(wrap(best - current))) best = y;
  }
  return current + wrap(best - current);
}

export function wrap(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}
