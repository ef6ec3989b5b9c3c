/**
 * What building a LIBERO task's scene yields: the MJCF plus the facts about each placed thing that the
 * init-state sampler, the predicates' MuJoCo world and the scripted expert need. Names follow
 * `sim/tasks/naming.ts` (root body = instance name, region site = `<target>_<region>`, fixture joint =
 * `<instance>_<joint>`).
 */
import type { TaskSpec } from "../tasks/types.ts";

export type Vec3 = [number, number, number];
/** (w, x, y, z) */
export type Quat4 = [number, number, number, number];

/** A movable object: a free body with LIBERO's object contact parameters. */
export interface PlacedObject {
  instance: string;
  category: string;
  /** root body name (= instance) */
  body: string;
  /** its free joint; qpos address via the compiled model */
  freeJoint: string;
  /**
   * Height (m) of the body origin above the object's lowest collision point when upright: LIBERO's
   * −bottom_site z, used to spawn objects resting on a surface.
   */
  bottomOffset: number;
  /** Height (m) of the highest collision point above the body origin (LIBERO's top_site z). */
  topOffset: number;
  /** LIBERO's horizontal_radius: radius (m) of the footprint used by the placement no-overlap check. */
  horizontalRadius: number;
  /** Grasp hints for the scripted expert, in the object frame (optional per category). */
  grasp?: { pos: Vec3; /** approach yaw offsets allowed, rad */ yaw?: number; width: number };
}

/** A fixture: no joint of its own (LIBERO writes its pose into model.body_pos/quat at every reset). */
export interface PlacedFixture {
  instance: string;
  category: string;
  body: string;
  /** LIBERO's −bottom_site z of the fixture (m) */
  bottomOffset: number;
  /** articulation joints in LIBERO's qpos order (drawers top/middle/bottom, microjoint, button), full names */
  joints: string[];
}

export interface TaskScene {
  task: TaskSpec;
  xml: string;
  objects: PlacedObject[];
  fixtures: PlacedFixture[];
  /**
   * LIBERO's workspace offset of the scene family: region ranges (xmin ymin xmax ymax) are relative to it,
   * and its z is the support surface height (main/kitchen table 0.90, living room 0.41, study 0.867, floor 0).
   */
  workspaceOffset: Vec3;
  /** world z of the support surface the objects stand on */
  supportZ: number;
  /** agentview camera name in the MJCF */
  camera: string;
}
