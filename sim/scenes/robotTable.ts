/**
 * The robot-only test scene: LIBERO's main table (1.0 × 1.2 × 0.05 m box centred at z 0.875, top at 0.90,
 * friction 0.6), the Panda on its mount at (−0.66, 0, 0.912), the `agentview` camera of table scenes, and a
 * few free boxes. The LIBERO task scenes of the suites are built the same way from the same parts.
 */
import { el, toXml, type MjcfElement } from "../mjcf.ts";
import { physicsOptions } from "../physics.ts";
import { ARM_JOINTS, FINGER_JOINTS, GRIPPER_INIT_QPOS, PANDA_INIT_QPOS, pandaMjcf, WORLD_CONTACT } from "../robot/panda.ts";
import type { Simulation } from "../mujoco.ts";
import type { InitState } from "../envTypes.ts";

/** Table/kitchen robot base (world, m): LIBERO.md §3. */
export const TABLE_ROBOT_BASE = [-0.66, 0, 0.912] as const;
export const TABLE_TOP_Z = 0.9;

/** LIBERO's agentview camera for table and kitchen scenes (pos, quat wxyz; MuJoCo's default fovy 45°). */
export const AGENTVIEW_TABLE = { pos: [0.6586, 0, 1.6104], quat: [0.638, 0.3048, 0.3048, 0.638] } as const;

export interface FreeBoxSpec {
  name: string;
  pos: readonly number[];
  /** half-extents (m) */
  size: readonly number[];
  rgba: readonly number[];
  /** kg/m³; LIBERO's objects use 100 */
  density?: number;
}

/** A free box with LIBERO's object contact parameters (LIBERO_ADDENDUM.md §5). */
export function freeBox(b: FreeBoxSpec): MjcfElement {
  return el(
    "body",
    { name: b.name, pos: b.pos },
    el("freejoint", { name: `${b.name}_joint` }),
    el("geom", {
      name: `${b.name}_geom`, type: "box", size: b.size, rgba: b.rgba, group: 0,
      density: b.density ?? 100, friction: [0.95, 0.3, 0.1], solref: [0.001, 1], solimp: [0.998, 0.998, 0.001], ...WORLD_CONTACT,
    }),
  );
}

/** The default handful of boxes on the table, in front of the robot. */
export const DEFAULT_BOXES: FreeBoxSpec[] = [
  { name: "box_red", pos: [-0.05, -0.15, 0.93], size: [0.02, 0.02, 0.02], rgba: [0.85, 0.15, 0.12, 1] },
  { name: "box_green", pos: [0.08, 0.1, 0.93], size: [0.025, 0.025, 0.025], rgba: [0.2, 0.7, 0.25, 1] },
  { name: "box_blue", pos: [0.15, -0.05, 0.93], size: [0.03, 0.02, 0.02], rgba: [0.15, 0.3, 0.85, 1] },
  { name: "box_yellow", pos: [-0.1, 0.2, 0.93], size: [0.02, 0.03, 0.025], rgba: [0.9, 0.8, 0.15, 1] },
];

export function tableArena(): MjcfElement[] {
  return [
    el("light", { name: "light_top", pos: [0, 0, 3], dir: [0, 0, -1], directional: true, diffuse: [0.6, 0.6, 0.6], ambient: [0.25, 0.25, 0.25], specular: [0.2, 0.2, 0.2], castshadow: false }),
    el("light", { name: "light_side", pos: [1, 1, 2.5], dir: [-0.3, -0.3, -1], directional: true, diffuse: [0.3, 0.3, 0.3], castshadow: false }),
    el("geom", { name: "floor", type: "plane", size: [3, 3, 0.125], rgba: [0.55, 0.5, 0.45, 1], group: 1, ...WORLD_CONTACT }),
    el(
      "body",
      { name: "main_table", pos: [0, 0, 0.875] },
      el("geom", { name: "table_collision", type: "box", size: [0.5, 0.6, 0.025], rgba: [0.62, 0.5, 0.38, 1], friction: [0.6, 0.005, 0.0001], group: 0, ...WORLD_CONTACT }),
      ...[[-1, -1], [-1, 1], [1, -1], [1, 1]].map(([sx, sy], i) =>
        el("geom", { name: `table_leg${i}`, type: "cylinder", fromto: [sx * 0.45, sy * 0.55, -0.025, sx * 0.45, sy * 0.55, -0.875], size: [0.025], rgba: [0.4, 0.32, 0.25, 1], group: 1, contype: 0, conaffinity: 0 }),
      ),
    ),
    el("camera", { name: "agentview", mode: "fixed", pos: AGENTVIEW_TABLE.pos, quat: AGENTVIEW_TABLE.quat, fovy: 45 }),
  ];
}

/** MJCF of the robot-only table scene with `boxes` (default: four small boxes). */
export function robotTableSceneXml(boxes: FreeBoxSpec[] = DEFAULT_BOXES): string {
  const robot = pandaMjcf(TABLE_ROBOT_BASE, { mount: true });
  const root = el(
    "mujoco",
    { model: "robot_table" },
    physicsOptions(),
    el("worldbody", {}, tableArena(), robot.body, boxes.map(freeBox)),
    el("actuator", {}, robot.actuators),
  );
  return toXml(root) + "\n";
}

/**
 * The robot scene's initial state: the arm at `init_qpos`, fingers half open, every free body at the pose
 * written in the MJCF (MuJoCo's `qpos0`), everything at rest. Optional Gaussian joint noise (rad), drawn
 * from `normal`, as LIBERO's stored init states carry (std 0.02).
 */
export function robotInitState(sim: Simulation, jointNoise?: () => number): InitState {
  const qpos = Float64Array.from(sim.model.qpos0 as unknown as Float64Array);
  const adr = (joint: string) => (sim.model.jnt_qposadr as unknown as Int32Array)[sim.id("joint", joint)];
  ARM_JOINTS.forEach((j, i) => (qpos[adr(j)] = PANDA_INIT_QPOS[i] + (jointNoise ? jointNoise() : 0)));
  FINGER_JOINTS.forEach((j, i) => (qpos[adr(j)] = GRIPPER_INIT_QPOS[i]));
  return { fixtures: [], qpos, qvel: new Float64Array(sim.model.nv) };
}
