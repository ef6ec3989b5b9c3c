/**
 * The building blocks of every LIBERO object and fixture we re-create: collision boxes with LIBERO's object
 * contact parameters, visual-only primitives, rings of tilted boxes for the walls of bowls and mugs, and the
 * free-jointed root body with its mass spread over the collision boxes.
 *
 * Facts (LIBERO_ADDENDUM.md §5): LIBERO's objects collide through box geoms only, with friction
 * (0.95, 0.3, 0.1), solref (0.001, 1), solimp (0.998, 0.998, 0.001), condim left at MuJoCo's 3, and only
 * group-0 geoms carry mass (robosuite's `inertiagrouprange="0 0"`); their free joint has damping 0.0005.
 * We keep collision to boxes as well: box–box contacts give a flat face several contact points, so a can
 * stands still on a table (a cylinder on a box gets one point from the general convex collider and rocks).
 * Round shapes are drawn by visual cylinders (group 1, contype 0, conaffinity 0, no mass) over an
 * invisible collision box (alpha 0: the renderer skips it, MuJoCo does not).
 */
import { el, type MjcfElement } from "../mjcf.ts";
import { WORLD_CONTACT } from "../robot/panda.ts";

export type Vec3 = [number, number, number];
/** (w, x, y, z) */
export type Quat4 = [number, number, number, number];
export type Rgba = readonly [number, number, number, number];

/** LIBERO's object contact parameters (LIBERO_ADDENDUM.md §5), on every collision geom of our objects. */
export const OBJECT_CONTACT = {
  friction: [0.95, 0.3, 0.1],
  solref: [0.001, 1],
  solimp: [0.998, 0.998, 0.001],
  ...WORLD_CONTACT,
} as const;

/** Damping of a movable object's free joint (LIBERO `envs/objects/*.py`: `joints=[dict(type="free", damping="0.0005")]`). */
export const FREE_JOINT_DAMPING = 0.0005;

/** An invisible colour: collision boxes under visual primitives. */
export const HIDDEN: Rgba = [0.5, 0.5, 0.5, 0];

/** One primitive of a model, before it becomes an MJCF geom. */
export interface Part {
  /** suffix of the geom name: `<instance>_<name>` */
  name: string;
  type: "box" | "cylinder" | "sphere" | "capsule";
  pos: Vec3;
  /** MuJoCo `size`: half-extents of a box; (radius, half-height) of a cylinder or capsule; (radius) of a sphere */
  size: number[];
  quat?: Quat4;
  rgba: Rgba;
  /** true: a collision geom (group 0, contact parameters, carries mass); false: visual only */
  collide: boolean;
  /** extra geom attributes (a fixture's own contact parameters, for instance) */
  attrs?: Record<string, number | readonly number[] | string>;
}

export function box(name: string, pos: Vec3, half: Vec3, rgba: Rgba, opts: { quat?: Quat4; collide?: boolean } = {}): Part {
  return { name, type: "box", pos, size: half, quat: opts.quat, rgba, collide: opts.collide ?? true };
}

/** A box spanning [min, max] (axis-aligned in the body frame). */
export function boxSpan(name: string, min: Vec3, max: Vec3, rgba: Rgba, collide = true): Part {
  return box(name, mid(min, max), half(min, max), rgba, { collide });
}

/** A vertical visual cylinder from z0 to z1 centred at (x, y). */
export function visualCylinder(name: string, x: number, y: number, z0: number, z1: number, radius: number, rgba: Rgba): Part {
  return { name, type: "cylinder", pos: [x, y, (z0 + z1) / 2], size: [radius, (z1 - z0) / 2], rgba, collide: false };
}

/** A visual box spanning [min, max]. */
export function visualBox(name: string, min: Vec3, max: Vec3, rgba: Rgba): Part {
  return boxSpan(name, min, max, rgba, false);
}

function mid(a: Vec3, b: Vec3): Vec3 {
  return [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2];
}

function half(a: Vec3, b: Vec3): Vec3 {
  return [(b[0] - a[0]) / 2, (b[1] - a[1]) / 2, (b[2] - a[2]) / 2];
}

/** Quaternion (w, x, y, z) of a rotation by `angle` radians about a unit axis. */
export function axisQuat(axis: Vec3, angle: number): Quat4 {
  const s = Math.sin(angle / 2);
  return [Math.cos(angle / 2), axis[0] * s, axis[1] * s, axis[2] * s];
}

/** Hamilton product a ⊗ b (rotation b first, then a). */
export function quatMul(a: Quat4, b: Quat4): Quat4 {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

export interface RingSpec {
  /** name prefix; segments are `<prefix>0`, `<prefix>1`, … */
  name: string;
  /** number of wall segments (8 makes an octagon whose flat faces look along ±x and ±y) */
  segments: number;
  centre: [number, number];
  /** the wall's mid-line runs from radius r0 at height z0 to radius r1 at height z1 (a bowl flares: r1 > r0) */
  r0: number;
  z0: number;
  r1: number;
  z1: number;
  /** wall thickness (m) */
  thickness: number;
  rgba: Rgba;
}

/**
 * The wall of a round vessel as `segments` boxes around a vertical axis, each tilted outward to follow the
 * mid-line from (r0, z0) to (r1, z1). Segments are 6% wider than the polygon side so that neighbours overlap
 * and a small object cannot slip through the seams. The outer face lies thickness/2 beyond the mid-line.
 */
export function ring(spec: RingSpec): Part[] {
  const { segments: n, r0, r1, z0, z1 } = spec;
  const length = Math.hypot(r1 - r0, z1 - z0);
  // tilt about the segment's tangent axis: 0 for a vertical wall, positive when the wall flares outward
  const tilt = Math.atan2(r1 - r0, z1 - z0);
  const rMid = (r0 + r1) / 2;
  const rMax = Math.max(r0, r1);
  const width = 2 * rMax * Math.tan(Math.PI / n) * 1.06;
  const parts: Part[] = [];
  for (let k = 0; k < n; k++) {
    const phi = (2 * Math.PI * k) / n;
    // local box axes before yaw: x radial (thickness), y tangential (width), z along the wall (length);
    // tilting about local y by +tilt leans the top outward (+x).
    const q = quatMul(axisQuat([0, 0, 1], phi), axisQuat([0, 1, 0], tilt));
    parts.push({
      name: `${spec.name}${k}`,
      type: "box",
      pos: [spec.centre[0] + rMid * Math.cos(phi), spec.centre[1] + rMid * Math.sin(phi), (z0 + z1) / 2],
      size: [spec.thickness / 2, width / 2, length / 2],
      quat: q,
      rgba: spec.rgba,
      collide: true,
    });
  }
  return parts;
}

/** Volume (m³) of a collision part, for spreading a body's mass over its parts. */
function volume(p: Part): number {
  switch (p.type) {
    case "box":
      return 8 * p.size[0] * p.size[1] * p.size[2];
    case "cylinder":
      return Math.PI * p.size[0] ** 2 * 2 * p.size[1];
    case "capsule":
      return Math.PI * p.size[0] ** 2 * (2 * p.size[1] + (4 / 3) * p.size[0]);
    case "sphere":
      return (4 / 3) * Math.PI * p.size[0] ** 3;
  }
}

/**
 * The MJCF geoms of `parts`, named `<instance>_<part>`. When `mass` is given, every collision part gets the
 * same density mass/ΣV, so the body's mass is `mass` (kg) and its inertia that of a uniform solid; visual
 * parts get density 0 (without robosuite's inertiagrouprange they would otherwise weigh 1000 kg/m³).
 */
export function partGeoms(instance: string, parts: readonly Part[], opts: { mass?: number; contact?: Record<string, unknown> } = {}): MjcfElement[] {
  const collisionVolume = parts.filter((p) => p.collide).reduce((s, p) => s + volume(p), 0);
  const density = opts.mass !== undefined ? opts.mass / collisionVolume : undefined;
  return parts.map((p) =>
    el("geom", {
      name: `${instance}_${p.name}`,
      type: p.type,
      pos: p.pos,
      size: p.size,
      quat: p.quat,
      rgba: p.rgba,
      ...(p.collide
        ? { group: 0, ...(opts.contact ?? OBJECT_CONTACT), density }
        : { group: 1, contype: 0, conaffinity: 0, density: 0 }),
      ...p.attrs,
    }),
  );
}

/** A region site of a model, in the frame of the body it sits on (LIBERO_ADDENDUM.md §3). */
export interface RegionSite {
  /** region name as BDDL uses it, e.g. `top_region`; the site is `<instance>_<region>` */
  region: string;
  /** body suffix the site sits on ("" = the root body, else `<instance>_<body>`) */
  body: string;
  /** that body's position in the root frame with every joint at zero (default: the root origin) */
  bodyPos?: Vec3;
  pos: Vec3;
  quat: Quat4;
  /** half-extents along the site's own axes */
  size: Vec3;
  /**
   * Height (m) of the surface an object rests on, relative to the site centre along world z at the
   * fixture's default orientation (drawer floor −0.026, stove plate +0.0255, …); null where there is no flat
   * support (the wine rack's slope).
   */
  supportOffset: number | null;
}

export function siteElement(instance: string, s: RegionSite): MjcfElement {
  return el("site", { name: `${instance}_${s.region}`, type: "box", pos: s.pos, quat: s.quat, size: s.size, rgba: [0.2, 0.8, 0.2, 0.3], group: 5 });
}

/** The root body of a movable object: a free joint named `<instance>_joint` and its geoms and sites. */
export function freeBody(instance: string, geoms: MjcfElement[], sites: MjcfElement[] = []): MjcfElement {
  return el(
    "body",
    { name: instance },
    el("joint", { name: `${instance}_joint`, type: "free", damping: FREE_JOINT_DAMPING }),
    ...geoms,
    ...sites,
  );
}
