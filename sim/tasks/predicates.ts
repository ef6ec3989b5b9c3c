/**
 * LIBERO's goal predicates as pure functions over a small read-only view of the world, so that they can be
 * tested on hand-built worlds and evaluated over MuJoCo by the env (which implements `PredicateWorld`).
 *
 * Source: LIBERO @ 8f1084e `envs/predicates/base_predicates.py`, `envs/object_states/base_object_states.py`,
 * `envs/objects/site_object.py`, `envs/objects/articulated_objects.py`; the project's LIBERO reference §2 and
 * its addendum §3. Units: metres, radians, world frame. Positions are body origins (MuJoCo `xpos`) and site
 * origins (`site_xpos`), never geometric centres.
 */
import { bodyName, categoryOf, resolveJoints, resolveRegion, type ArticulationKind } from "./naming.ts";
import type { Atom, TaskSpec } from "./types.ts";

/** Three numbers (x, y, z); a tuple, an array or a view into MuJoCo's `xpos` all do. */
export type Vec3Like = ArrayLike<number>;
/** Nine numbers: a 3×3 matrix, row-major, as MuJoCo's `site_xmat` (world-from-site: its columns are the
 * site axes in world coordinates). */
export type Mat3Like = ArrayLike<number>;

export interface SiteFrame {
  /** Site origin, world frame. */
  readonly pos: Vec3Like;
  /** World-from-site rotation (`site_xmat`). */
  readonly mat: Mat3Like;
  /** Half-extents along the site's own axes (`site_size`). */
  readonly size: Vec3Like;
}

/** What the predicates need to know about the simulated world; names follow `naming.ts`. */
export interface PredicateWorld {
  /** World position of a body origin. */
  bodyPos(body: string): Vec3Like;
  siteFrame(site: string): SiteFrame;
  /**
   * True when some MuJoCo contact pairs a collision geom of `bodyA`'s subtree with one of `bodyB`'s (robosuite
   * `check_contact`; only group-0 geoms count, see the addendum §1).
   */
  inContact(bodyA: string, bodyB: string): boolean;
  /** Position of a 1-dof joint (metres for slides, radians for hinges). */
  jointQ(joint: string): number;
}

/** Horizontal distance below which a is "on" object b (LIBERO `ObjectState.check_ontop`). */
export const ON_OBJECT_XY_TOLERANCE = 0.03;

/**
 * On(a, b) for an object b (plate, bowl): z(b) ≤ z(a), a touches b, and ‖xy(a) − xy(b)‖ < 0.03 m.
 * Example: bowl origin (0, 0, 0.90) on plate origin (0.029, 0, 0.89) in contact → true; at x 0.03 → false.
 */
export function onObject(a: Vec3Like, b: Vec3Like, inContact: boolean): boolean {
  const dxy = Math.hypot(a[0] - b[0], a[1] - b[1]);
  return b[2] <= a[2] && inContact && dxy < ON_OBJECT_XY_TOLERANCE;
}

/**
 * The offset d = R_site·(p − p_site) that LIBERO's `SiteObject.under` and `in_box` compute.
 *
 * NOTE: the geometric site-local offset would be R_siteᵀ·(p − p_site); LIBERO multiplies by R itself and we
 * replicate that on purpose, because success must mean what it means in LIBERO. The two agree for sites
 * whose rotation is its own inverse (no rotation, or 180° about an axis). The wine rack's tilted top region,
 * R = R_z(yaw)·R_x(−62.5°), is the case that matters: at yaw π (every LIBERO placement) R equals the proper
 * Rᵀ-transform, at yaw 0 the test slab is mirrored to a +62.5° tilt (addendum §3.5).
 */
export function liberoSiteOffset(site: SiteFrame, p: Vec3Like): [number, number, number] {
  const v = [p[0] - site.pos[0], p[1] - site.pos[1], p[2] - site.pos[2]];
  const m = site.mat;
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

/** How far below the site's top face (z = size_z) a body origin may sit and still be "on" it. */
export const ON_SITE_BELOW = 0.005;
/** How far above the site's top face a body origin may be (LIBERO `under(…, other_height=0.10)`). */
export const ON_SITE_ABOVE = 0.1;

/**
 * On(a, region site), LIBERO `SiteObjectState.check_ontop`, with d = liberoSiteOffset(site, a):
 *   size_z − 0.005 < d_z < size_z + 0.10,  |d_x| < size_x,  |d_y| < size_y,
 * and, when the site belongs to an object or fixture, a in contact with it. `ownerContact` is null for a
 * table/floor zone, which has no owner and no contact test (LIBERO `TargetZone`). For a table zone
 * (size_z 0.007) the window is 0.002 < d_z < 0.107.
 */
export function onSite(a: Vec3Like, site: SiteFrame, ownerContact: boolean | null): boolean {
  const d = liberoSiteOffset(site, a);
  const sx = site.size[0], sy = site.size[1], sz = site.size[2];
  const inWindow = sz - ON_SITE_BELOW < d[2] && d[2] < sz + ON_SITE_ABOVE && Math.abs(d[0]) < sx && Math.abs(d[1]) < sy;
  return inWindow && (ownerContact ?? true);
}

/** Extra depth below the box that In accepts (LIBERO `in_box`: `lb[2] -= 0.01`). */
export const IN_BOX_Z_SLACK = 0.01;

/**
 * In(a, region site), LIBERO `SiteObject.in_box`: a strict point-in-box test of a's origin against
 *   p_site − e < p < p_site + e,  e = |R_site·size| (element-wise), with the lower z bound lowered by 0.01.
 * e is |R·size|, not the true extent |R|·size: a box yawed by δ from a multiple of 90° shrinks to
 * size_x·|cos δ − sin δ| along one axis, zero at 45° (the basket's yaw sensitivity, addendum §3.7).
 * There is no contact test.
 */
export function inSite(a: Vec3Like, site: SiteFrame): boolean {
  const m = site.mat;
  const s = site.size;
  for (let i = 0; i < 3; i++) {
    const extent = Math.abs(m[3 * i] * s[0] + m[3 * i + 1] * s[1] + m[3 * i + 2] * s[2]);
    const lower = site.pos[i] - extent - (i === 2 ? IN_BOX_Z_SLACK : 0);
    const upper = site.pos[i] + extent;
    if (!(a[i] > lower && a[i] < upper)) return false;
  }
  return true;
}

/**
 * Joint thresholds of LIBERO's articulated objects (`articulated_objects.py`), q in the joint's own units:
 *   drawer slide (cabinets, range −0.16…0.01 m): open q < −0.14, closed q > 0;
 *   microwave door hinge (range −2.094…0 rad):    open q < −1.3,  closed q > −0.005;
 *   stove knob hinge (range −0.005…2.1 rad):      on q ≥ 0.5,     off q < 0.
 */
export const JOINT_THRESHOLDS: Readonly<Record<ArticulationKind, { active(q: number): boolean; inactive(q: number): boolean }>> = {
  drawer: { active: (q) => q < -0.14, inactive: (q) => q > 0 },
  door: { active: (q) => q < -1.3, inactive: (q) => q > -0.005 },
  knob: { active: (q) => q >= 0.5, inactive: (q) => q < 0 },
};

/**
 * Open/Turnon hold when any of the joints is open/on; Close/Turnoff when all are closed/off (LIBERO loops
 * over the joints and returns early in the same way).
 */
export function anyJointActive(kind: ArticulationKind, qs: readonly number[]): boolean {
  return qs.some((q) => JOINT_THRESHOLDS[kind].active(q));
}

export function allJointsInactive(kind: ArticulationKind, qs: readonly number[]): boolean {
  return qs.every((q) => JOINT_THRESHOLDS[kind].inactive(q));
}

/** One atom against the world. Names that the task does not declare are errors, not false. */
export function evaluateAtom(task: TaskSpec, atom: Atom, world: PredicateWorld): boolean {
  switch (atom.op) {
    case "On": {
      const [a, b] = atom.args;
      const pa = world.bodyPos(bodyName(instanceArg(task, atom, a)));
      const region = resolveRegion(task, b);
      if (region === null) {
        const pb = world.bodyPos(bodyName(instanceArg(task, atom, b)));
        return onObject(pa, pb, world.inContact(bodyName(a), bodyName(b)));
      }
      // Only ask for contact where the window holds: contact queries are the costly part in the env.
      const site = world.siteFrame(region.site);
      if (!onSite(pa, site, null)) return false;
      return region.owner === null || world.inContact(bodyName(a), bodyName(region.owner));
    }
    case "In": {
      const [a, b] = atom.args;
      const region = resolveRegion(task, b);
      if (region === null) {
        throw new Error(`Task ${task.name}: ${show(atom)} needs a region site as second argument; In over an object is not supported (no LIBERO goal uses it).`);
      }
      return inSite(world.bodyPos(bodyName(instanceArg(task, atom, a))), world.siteFrame(region.site));
    }
    case "Open":
    case "Close":
    case "Turnon":
    case "Turnoff": {
      const { kind, joints } = resolveJoints(task, atom.args[0]);
      const wantsKnob = atom.op === "Turnon" || atom.op === "Turnoff";
      if (wantsKnob !== (kind === "knob")) {
        throw new Error(`Task ${task.name}: ${show(atom)} does not apply to a ${kind}; use ${kind === "knob" ? "Turnon/Turnoff" : "Open/Close"}.`);
      }
      const qs = joints.map((j) => world.jointQ(j));
      return atom.op === "Open" || atom.op === "Turnon" ? anyJointActive(kind, qs) : allJointsInactive(kind, qs);
    }
  }
}

export interface GoalResult {
  /** The AND over all goal atoms. */
  readonly success: boolean;
  /** Each atom with its value, in goal order, for diagnostics. */
  readonly atoms: readonly { readonly atom: Atom; readonly holds: boolean }[];
}

/** The task's goal: the conjunction of its atoms (LIBERO `_check_success`), with every atom's own value. */
export function evaluateGoal(task: TaskSpec, world: PredicateWorld): GoalResult {
  const atoms = task.goal.map((atom) => ({ atom, holds: evaluateAtom(task, atom, world) }));
  return { success: atoms.every((a) => a.holds), atoms };
}

function instanceArg(task: TaskSpec, atom: Atom, name: string): string {
  if (categoryOf(task, name) === undefined) {
    throw new Error(`Task ${task.name}: ${show(atom)} names ${name}, which is no object or fixture of the task.`);
  }
  return name;
}

function show(atom: Atom): string {
  return `(${atom.op} ${atom.args.join(" ")})`;
}
