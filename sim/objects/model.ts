/**
 * What the scene builder, the init-state sampler and the scripted expert know about one object category.
 *
 * Frame: our body frame is the object upright as it rests in LIBERO's stored init states. For most
 * categories that is LIBERO's own object frame; cans, cartons and squeeze bottles are modelled lying along
 * their local y axis in LIBERO and stood up by a +90° rotation about x (`uprightQuat`), so that
 *   q_LIBERO = q_ours ⊗ uprightQuat   (both wxyz, world frame),
 * and a LIBERO init state's quaternion is, for every category, a yaw of our frame. The body origin is
 * LIBERO's (predicates read body origins), so the origin may sit above the bottom (a can's at its middle).
 */
import type { MjcfElement } from "../mjcf.ts";
import { quatToMat } from "../math.ts";
import { freeBody, partGeoms, siteElement, type Part, type Quat4, type RegionSite, type Vec3 } from "./parts.ts";

export interface GraspHint {
  /** grasp point in the object frame (m): where the fingertips' midpoint should close */
  pos: Vec3;
  /** yaw (rad, about the object's z) of the finger-closing direction: 0 closes along the object's x axis */
  yaw: number;
  /** finger opening (m) that clears the part; the Panda opens to 0.08 */
  width: number;
}

export interface ObjectModel {
  category: string;
  /** the free-jointed root body `<instance>` (no pos: the scene builder places it) */
  build(instance: string): MjcfElement;
  /** height of the origin above the lowest collision point when upright (m) */
  bottomOffset: number;
  /** height of the highest collision point above the origin (m) */
  topOffset: number;
  /**
   * Radius (m) of the body's footprint about the origin for the no-overlap check of placement, handles left
   * out (LIBERO's own horizontal_radius is a helper site, 0.035 m for the bowls and the plate, and its task
   * layouts put handles past neighbours: the frypan's 16 cm handle reaches within 6 cm of the moka pot).
   */
  horizontalRadius: number;
  /** total mass (kg), close to LIBERO's (LIBERO_ADDENDUM.md §5) */
  mass: number;
  /** LIBERO's object frame in ours (see the file comment) */
  uprightQuat: Quat4;
  /**
   * Yaw (rad, about world z) of the category in LIBERO's stored init states, in our frame: 90° for the bowls,
   * plate, ramekin, cookies, basket and frypan, 180° for the flat boxes, cans and moka pot, −90° for the mugs
   * (`libero_init_states_summary.json`). Books vary with their region's yaw range [−90°, −45°] and are stored
   * at [−135°, −90°], so theirs is −45° composed with the region's. The scene's default pose uses it, and a
   * region yaw is meant to be composed on top: q = yaw(regionYaw + liberoYaw).
   */
  liberoYaw: number;
  grasp?: GraspHint;
  /** predicate sites the object carries (the basket's and the tray's contain_region) */
  regions: RegionSite[];
}

/** Axis-aligned bounds [min, max] of the collision parts in the body frame (rotated boxes by their corners). */
export function collisionBounds(parts: readonly Part[]): [Vec3, Vec3] {
  const min: Vec3 = [Infinity, Infinity, Infinity];
  const max: Vec3 = [-Infinity, -Infinity, -Infinity];
  for (const p of parts) {
    if (!p.collide) continue;
    for (const c of partCorners(p)) {
      for (let i = 0; i < 3; i++) {
        min[i] = Math.min(min[i], c[i]);
        max[i] = Math.max(max[i], c[i]);
      }
    }
  }
  return [min, max];
}

/** Corners of a part's bounding box in the body frame (a cylinder counts as its square prism). */
function partCorners(p: Part): Vec3[] {
  const h: Vec3 = p.type === "box" ? [p.size[0], p.size[1], p.size[2]] : p.type === "sphere" ? [p.size[0], p.size[0], p.size[0]] : [p.size[0], p.size[0], p.size[1] + (p.type === "capsule" ? p.size[0] : 0)];
  const m = quatToMat(p.quat ?? [1, 0, 0, 0]);
  const out: Vec3[] = [];
  for (const sx of [-1, 1]) for (const sy of [-1, 1]) for (const sz of [-1, 1]) {
    const l = [sx * h[0], sy * h[1], sz * h[2]];
    out.push([0, 1, 2].map((i) => p.pos[i] + m[3 * i] * l[0] + m[3 * i + 1] * l[1] + m[3 * i + 2] * l[2]) as Vec3);
  }
  return out;
}

export interface ObjectDefinition {
  category: string;
  parts: Part[];
  mass: number;
  uprightQuat?: Quat4;
  liberoYaw: number;
  /** the footprint radius when handles should not count; default: the collision parts' farthest corner */
  horizontalRadius?: number;
  grasp?: GraspHint;
  regions?: RegionSite[];
}

/** An ObjectModel from its parts: offsets and radius are read off the collision parts, so they cannot drift. */
export function defineObject(def: ObjectDefinition): ObjectModel {
  const [min, max] = collisionBounds(def.parts);
  const corners = def.parts.filter((p) => p.collide).flatMap(partCorners);
  const horizontalRadius = def.horizontalRadius ?? Math.max(...corners.map((c) => Math.hypot(c[0], c[1])));
  const regions = def.regions ?? [];
  return {
    category: def.category,
    build: (instance) => freeBody(instance, partGeoms(instance, def.parts, { mass: def.mass }), regions.map((s) => siteElement(instance, s))),
    bottomOffset: -min[2],
    topOffset: max[2],
    horizontalRadius,
    mass: def.mass,
    uprightQuat: def.uprightQuat ?? [1, 0, 0, 0],
    liberoYaw: def.liberoYaw,
    grasp: def.grasp,
    regions,
  };
}
