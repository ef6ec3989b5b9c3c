/**
 * Is the way down clear? The expert asks this before it commits to a grasp (the open gripper coming down
 * onto a rim point of a bowl beside an open drawer) or to a release point (a bowl lowered into the part of a
 * drawer that sticks out of the cabinet). Pure geometry on the live MuJoCo state: no contact is simulated.
 *
 * Whatever comes down is described by upright rectangles ("footprints") with a lowest point each; its swept
 * volume is every rectangle extruded upward without bound. A world geom is in the way when its top lies above
 * a rectangle's lowest point and its footprint on the table overlaps the rectangle.
 */
import type { Vec3 } from "../math.ts";
import type { Simulation } from "../mujoco.ts";

/** An upright rectangle in world coordinates. */
export interface Footprint {
  centre: [number, number];
  /** direction of the first side (rad about world z) */
  yaw: number;
  halfAlong: number;
  halfAcross: number;
  /** lowest point, world z (m) */
  floor: number;
  /** highest point, world z (m): what moves sideways under a roof (a mug going into the microwave) sweeps
   * only the slab between floor and ceiling; absent, the sweep is open upward */
  ceiling?: number;
}

/** How far the finger pads reach past the TCP along the gripper's axis (m): pad centre 1.4 mm past it,
 * half-height 8 mm (panda.ts). */
export const FINGER_REACH_BELOW_TCP = 0.0094;

/**
 * The open gripper pointing down at `yaw` with its TCP at `point` (sim/robot/panda.ts; closing axis
 * (cos ψ, sin ψ)): each finger, fully open, 0.040…0.056 m out along the closing axis and 1 cm either side of
 * it, from 9.4 mm below the TCP (pad bottoms); the hand ±0.095 m along the closing axis and ±0.025 m across
 * it, from 4.5 cm above the TCP.
 */
export function gripperFootprints(point: Vec3, yaw: number): Footprint[] {
  const c = [Math.cos(yaw), Math.sin(yaw)];
  const at = (along: number): [number, number] => [point[0] + along * c[0], point[1] + along * c[1]];
  return [
    { centre: at(0.048), yaw, halfAlong: 0.008, halfAcross: 0.01, floor: point[2] - FINGER_REACH_BELOW_TCP },
    { centre: at(-0.048), yaw, halfAlong: 0.008, halfAcross: 0.01, floor: point[2] - FINGER_REACH_BELOW_TCP },
    { centre: at(0), yaw, halfAlong: 0.095, halfAcross: 0.025, floor: point[2] + 0.045 },
  ];
}

/**
 * The open gripper at the bottom of a reach under an overhang (an open drawer's front): the fingers and the
 * hand of `gripperFootprints` only up to the hand's top (9.7 cm above the TCP, plus 5 mm), and the
 * wrist above it as a column open upward, 4.5 cm either side of the TCP from 7.5 cm above it (link 7's
 * capsule, radius 4.5 cm, ends 7.85 cm above the TCP; panda.ts).
 */
export function underReachFootprints(point: Vec3, yaw: number): Footprint[] {
  const ceiling = point[2] + 0.102;
  const gripper = gripperFootprints(point, yaw).map((f) => ({ ...f, ceiling }));
  return [...gripper, { centre: [point[0], point[1]], yaw, halfAlong: 0.045, halfAcross: 0.045, floor: point[2] + 0.075 }];
}

/** A body's geoms seen as moved horizontally by `by` (m, world): a drawer as it will stand once pulled out. */
export interface Shift {
  body: number;
  by: [number, number];
}

/** MuJoCo geom types (mjtGeom) that we bound by a box of their own half-extents. */
const PLANE = 0;
const SPHERE = 2;
const CAPSULE = 3;
const CYLINDER = 5;
const MESH = 7;
/**
 * The geoms the robot can run into are those whose conaffinity takes the robot's contype 2 (panda.ts):
 * tables, objects and fixtures (conaffinity 3, also the microwave's contype-0 parts), not the robot's own
 * geoms (conaffinity 1) nor visual ones (0).
 */
const ROBOT_CONTYPE = 2;

/** Half-extents of geom `g` in its own frame: exact for boxes, the bounding box for round primitives. */
function localHalf(sim: Simulation, g: number): Vec3 {
  const type = (sim.model.geom_type as unknown as Int32Array)[g];
  const s = sim.model.geom_size.subarray(3 * g, 3 * g + 3);
  if (type === SPHERE) return [s[0], s[0], s[0]];
  if (type === CAPSULE) return [s[0], s[0], s[1] + s[0]];
  if (type === CYLINDER) return [s[0], s[0], s[1]];
  if (type === MESH) {
    const r = sim.model.geom_rbound[g];
    return [r, r, r];
  }
  return [s[0], s[1], s[2]];
}

/** A world collision geom's box: centre, top (world z), and its three axes scaled by its half-extents. */
interface GeomBox {
  /** the geom's body id */
  body: number;
  centre: ArrayLike<number>;
  top: number;
  bottom: number;
  /** horizontal parts of the scaled axes */
  axes: number[][];
  /** unit horizontal directions of the axes that have one */
  dirs: number[][];
}

/**
 * The world's collision geoms (not the robot's, not planes, none of the bodies rooted in `ignoreRoots`), those
 * of `shift.body` moved by `shift.by`.
 */
function worldBoxes(sim: Simulation, ignoreRoots: ReadonlySet<number>, shift?: Shift): GeomBox[] {
  const m = sim.model;
  const d = sim.data;
  const conaffinity = m.geom_conaffinity as unknown as Int32Array;
  const types = m.geom_type as unknown as Int32Array;
  const bodyOf = m.geom_bodyid as unknown as Int32Array;
  const rootOf = m.body_rootid as unknown as Int32Array;
  const boxes: GeomBox[] = [];
  for (let g = 0; g < m.ngeom; g++) {
    if (!(conaffinity[g] & ROBOT_CONTYPE) || types[g] === PLANE || ignoreRoots.has(rootOf[bodyOf[g]])) continue;
    const at = d.geom_xpos.subarray(3 * g, 3 * g + 3);
    const c = shift?.body === bodyOf[g] ? [at[0] + shift.by[0], at[1] + shift.by[1], at[2]] : at;
    const r = d.geom_xmat.subarray(9 * g, 9 * g + 9); // row-major: column k is the geom's axis k in world
    const half = localHalf(sim, g);
    const zReach = Math.abs(r[6]) * half[0] + Math.abs(r[7]) * half[1] + Math.abs(r[8]) * half[2];
    const [top, bottom] = [c[2] + zReach, c[2] - zReach];
    const axes = [0, 1, 2].map((k) => [r[k] * half[k], r[3 + k] * half[k]]);
    const dirs = axes.filter(([x, y]) => Math.hypot(x, y) > 1e-6).map(([x, y]) => [x / Math.hypot(x, y), y / Math.hypot(x, y)]);
    boxes.push({ body: bodyOf[g], centre: c, top, bottom, axes, dirs });
  }
  return boxes;
}

/**
 * Horizontal gap (m) between a geom's footprint on the table and a rectangle; negative when they overlap.
 * Separating-axis test on the rectangle's two axes and the geom's horizontal axes: the largest gap over these
 * axes (exact for upright boxes, conservative for tilted ones).
 */
function footprintGap(b: GeomBox, f: Footprint): number {
  const along = [Math.cos(f.yaw), Math.sin(f.yaw)];
  const across = [-along[1], along[0]];
  const rel = [b.centre[0] - f.centre[0], b.centre[1] - f.centre[1]];
  let gap = -Infinity;
  for (const u of [along, across, ...b.dirs]) {
    const geomReach = b.axes.reduce((sum, a) => sum + Math.abs(a[0] * u[0] + a[1] * u[1]), 0);
    const rectReach = f.halfAlong * Math.abs(along[0] * u[0] + along[1] * u[1]) + f.halfAcross * Math.abs(across[0] * u[0] + across[1] * u[1]);
    gap = Math.max(gap, Math.abs(rel[0] * u[0] + rel[1] * u[1]) - geomReach - rectReach);
  }
  return gap;
}

/**
 * Signed horizontal clearance (m) between the downward sweep of `footprints` and the world's collision
 * geoms, leaving out the bodies whose root is in `ignoreRoots` (what is being grasped or carried).
 * Positive: the smallest gap; negative: the deepest overlap. 0.1 when nothing is near. With `shift`, as if
 * that body stood moved (a drawer not yet pulled out).
 */
export function sweptClearance(sim: Simulation, footprints: Footprint[], ignoreRoots: ReadonlySet<number>, shift?: Shift): number {
  let clearance = 0.1;
  for (const b of worldBoxes(sim, ignoreRoots, shift)) {
    for (const f of footprints) if (b.top > f.floor && b.bottom < (f.ceiling ?? Infinity)) clearance = Math.min(clearance, footprintGap(b, f));
  }
  return clearance;
}

/**
 * The highest top (world z) of the world's collision geoms under any of `footprints` (their floors are not
 * used), leaving out `ignoreRoots`: what a carried object must clear on its way. −Infinity when none.
 */
export function highestTop(sim: Simulation, footprints: Footprint[], ignoreRoots: ReadonlySet<number>): number {
  let top = -Infinity;
  for (const b of worldBoxes(sim, ignoreRoots)) {
    if (b.top > top && footprints.some((f) => footprintGap(b, f) < 0)) top = b.top;
  }
  return top;
}

/**
 * The footprint of a body's tree (all collision geoms under its root), as it stands now: the world-axis
 * rectangle around them, given relative to the body's origin (`offset` of its centre, `half` its
 * half-extents). An object's horizontal radius leaves out a moka pot's handle and spout; this does not.
 * With `subtree` false, only the body's own geoms (a drawer without its cabinet).
 */
export function bodyFootprint(sim: Simulation, body: string, subtree = true): { offset: [number, number]; half: [number, number] } {
  const b = sim.id("body", body);
  const others = otherRoots(sim, b);
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (const g of worldBoxes(sim, others)) {
    if (!subtree && g.body !== b) continue;
    for (const k of [0, 1]) {
      const reach = g.axes.reduce((sum, a) => sum + Math.abs(a[k]), 0);
      lo[k] = Math.min(lo[k], g.centre[k] - reach);
      hi[k] = Math.max(hi[k], g.centre[k] + reach);
    }
  }
  const origin = sim.data.xpos.subarray(3 * b, 3 * b + 2);
  return { offset: [(lo[0] + hi[0]) / 2 - origin[0], (lo[1] + hi[1]) / 2 - origin[1]], half: [(hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2] };
}

/**
 * The box around a body's tree (all collision geoms under its root) in the body's own frame, horizontally:
 * its centre and half-extents along the body's x and y axes (a book: 2.9 cm across its covers, 11 cm along
 * its spine). For an upright body; what a turn of it about world z does to its footprint.
 */
export function bodyLocalBox(sim: Simulation, body: string): { centre: [number, number]; half: [number, number] } {
  const b = sim.id("body", body);
  const others = otherRoots(sim, b);
  const m = sim.data.xmat.subarray(9 * b, 9 * b + 9);
  const axes = [[m[0], m[3]], [m[1], m[4]]]; // the body's x and y axes, horizontally
  const origin = sim.data.xpos.subarray(3 * b, 3 * b + 2);
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (const g of worldBoxes(sim, others)) {
    for (const k of [0, 1]) {
      const u = axes[k];
      const c = (g.centre[0] - origin[0]) * u[0] + (g.centre[1] - origin[1]) * u[1];
      const reach = g.axes.reduce((sum, a) => sum + Math.abs(a[0] * u[0] + a[1] * u[1]), 0);
      lo[k] = Math.min(lo[k], c - reach);
      hi[k] = Math.max(hi[k], c + reach);
    }
  }
  return { centre: [(lo[0] + hi[0]) / 2, (lo[1] + hi[1]) / 2], half: [(hi[0] - lo[0]) / 2, (hi[1] - lo[1]) / 2] };
}

/** The root body ids of every tree but body `b`'s: `ignoreRoots` that leaves only that body's tree. */
function otherRoots(sim: Simulation, b: number): Set<number> {
  const rootOf = sim.model.body_rootid as unknown as Int32Array;
  const others = new Set<number>();
  for (let i = 0; i < sim.model.nbody; i++) if (rootOf[i] !== rootOf[b]) others.add(rootOf[i]);
  return others;
}

/** The root body ids of the named bodies, for `ignoreRoots`. */
export function rootsOf(sim: Simulation, bodies: string[]): Set<number> {
  const rootOf = sim.model.body_rootid as unknown as Int32Array;
  return new Set(bodies.map((b) => rootOf[sim.id("body", b)]));
}
