/**
 * The scripted expert's skills, as generators of LIBERO env actions. A skill reads the privileged simulator
 * state afresh before each action it yields (the executor steps the env in between), so every skill is a
 * small closed-loop controller that reads top to bottom: approach, descend, close, lift, …
 *
 * Variation (so that demos look like data, not a replay): each skill takes its speeds, heights and offsets
 * from a `Style` drawn once per episode from a seeded stream.
 */
import type { Vec3 } from "../math.ts";
import { axisAngleToMat, matMul3, quatToMat } from "../math.ts";
import type { Simulation } from "../mujoco.ts";
import type { PandaRobot } from "../robot/pandaRobot.ts";
import { FINGER_REACH_BELOW_TCP, gripperFootprints, highestTop, rootsOf, sweptClearance, type Footprint } from "./clearance.ts";
import { downOrientation, nearestGraspYaw, poseAction, poseError, tcpYaw, type MotionLimits } from "./motion.ts";

/** How far a dish held by its rim is tipped, far side up, at the start of the lift (rad). */
const PEEL_ANGLE = (15 * Math.PI) / 180;

/**
 * How often at most the wrist twists a lifted dish back and forth (±0.8 rad asked for, 4 steps each way)
 * while what it stood on still hangs from it. 16 twists are 64 steps; libero_spatial task 5 needed up to 10.
 */
const MAX_TWISTS = 16;

export type Action = number[];
/** A skill yields actions and returns whether it reached its goal. */
export type Skill = Generator<Action, boolean, void>;

export const OPEN = -1;
export const CLOSE = 1;

/** Per-episode motion style, drawn from the episode's seed. */
export interface Style {
  /** cruise speed (fraction of the max action) for free moves */
  speed: number;
  /** speed near objects */
  fineSpeed: number;
  /** approach height above the grasp point (m) */
  approachHeight: number;
  /** carry clearance above obstacles (m) */
  carryHeight: number;
  /** grasp point offset in the horizontal plane (m), applied along the object's long axis */
  graspOffset: number;
  /** extra steps of closing/opening beyond the 8 a full swing needs */
  gripperExtraSteps: number;
  /** random lateral bias of the approach (m) */
  approachJitter: [number, number];
}

export function drawStyle(rng: () => number): Style {
  const u = (lo: number, hi: number) => lo + (hi - lo) * rng();
  return {
    speed: u(0.85, 1.0),
    fineSpeed: u(0.45, 0.65),
    approachHeight: u(0.05, 0.08),
    carryHeight: u(0.06, 0.1),
    graspOffset: u(-0.006, 0.006),
    gripperExtraSteps: Math.floor(u(1, 4)),
    approachJitter: [u(-0.01, 0.01), u(-0.01, 0.01)],
  };
}

/** What the skills may read and which robot they drive. */
export interface ExpertContext {
  sim: Simulation;
  robot: PandaRobot;
  style: Style;
  /** the gripper command held between skills */
  gripper: number;
}

export function bodyPos(ctx: ExpertContext, body: string): Vec3 {
  const b = ctx.sim.id("body", body);
  const x = ctx.sim.data.xpos;
  return [x[3 * b], x[3 * b + 1], x[3 * b + 2]];
}

export function bodyMat(ctx: ExpertContext, body: string): number[] {
  const b = ctx.sim.id("body", body);
  return quatToMat(ctx.sim.data.xquat.subarray(4 * b, 4 * b + 4));
}

/** Yaw (rad) of a body's x axis about world z. */
export function bodyYaw(ctx: ExpertContext, body: string): number {
  const m = bodyMat(ctx, body);
  return Math.atan2(m[3], m[0]);
}

function limits(speed: number): MotionLimits {
  return { speed, turnSpeed: Math.min(1, speed + 0.2), gain: 0.9 };
}

/**
 * Moves the TCP to `target` with the gripper pointing down at `yaw`, holding the gripper command.
 * Succeeds within `tol` metres (and 0.05 rad), gives up after `maxSteps`.
 */
export function* moveTo(ctx: ExpertContext, target: Vec3, yaw: number, speed: number, tol = 0.008, maxSteps = 60): Skill {
  return yield* moveToPose(ctx, target, downOrientation(yaw), speed, tol, maxSteps);
}

/**
 * As `moveTo`, to any TCP orientation `rTarget` (row-major; columns are the TCP axes in world), within `rotTol`
 * radians.
 */
export function* moveToPose(ctx: ExpertContext, target: Vec3, rTarget: ArrayLike<number>, speed: number, tol = 0.008, maxSteps = 60, rotTol = 0.05): Skill {
  for (let i = 0; i < maxSteps; i++) {
    const p = ctx.robot.tcpPos();
    const r = ctx.robot.tcpMat();
    const err = poseError(p, r, target, rTarget);
    if (err.pos < tol && err.rot < rotTol) return true;
    yield [...poseAction(p, r, target, rTarget as number[], limits(speed)), ctx.gripper];
  }
  return false;
}

/** How far (rad) the wrist may still have to turn when a transit's rise ends. */
const RISE_TURN_LEFT = 0.6;

/**
 * The height (world z) at which the TCP, carried straight from `from` to `to` (their xy), keeps the fingertips
 * 3 cm above the tallest collision geom under the way: a strip 12 cm wide (the open fingers' span) and the
 * hand (19 cm along the closing axis) at `yaw`, the robot's own geoms and the bodies rooted like `ignore`
 * left out. The hand reaches past the strip: coming down onto a grasp point beside an open drawer, its end
 * would catch the drawer's front.
 */
export function clearHeight(ctx: ExpertContext, from: Vec3, to: Vec3, yaw: number, ignore: string[] = []): number {
  const [dx, dy] = [to[0] - from[0], to[1] - from[1]];
  const steps = Math.max(1, Math.ceil(Math.hypot(dx, dy) / 0.02));
  const path: Footprint[] = [];
  for (let k = 0; k <= steps; k++) {
    const centre: [number, number] = [from[0] + (k / steps) * dx, from[1] + (k / steps) * dy];
    path.push({ centre, yaw: Math.atan2(dy, dx), halfAlong: 0.06, halfAcross: 0.06, floor: -Infinity });
    path.push({ ...gripperFootprints([centre[0], centre[1], 0], yaw)[2], floor: -Infinity });
  }
  return highestTop(ctx.sim, path, rootsOf(ctx.sim, ignore)) + FINGER_REACH_BELOW_TCP + 0.03;
}

/** How far (m) a fast wrist turn may swing the fingertips aside and down (see transitTo). */
const TURN_DRIFT = 0.08;

/** The highest top (world z) of the collision geoms within TURN_DRIFT of `p` horizontally, `ignore`'s bodies left out. */
function nearbyTop(ctx: ExpertContext, p: Vec3, ignore: string[]): number {
  const around: Footprint = { centre: [p[0], p[1]], yaw: 0, halfAlong: TURN_DRIFT, halfAcross: TURN_DRIFT, floor: -Infinity };
  return highestTop(ctx.sim, [around], rootsOf(ctx.sim, ignore));
}

/**
 * Moves the TCP (gripper down at `yaw`) to `target` over whatever stands between: first up to `clearHeight`,
 * then across, then down to `target`. Returns whether it arrived within `tol`.
 */
export function* transitTo(ctx: ExpertContext, target: Vec3, yaw: number, speed: number, tol = 0.02, ignore: string[] = []): Skill {
  const p = ctx.robot.tcpPos();
  const clearZ = clearHeight(ctx, p, target, yaw, ignore);
  const travelZ = Math.max(clearZ, target[2]);
  // the wrist may still be turning when the rise ends: it goes on turning on the way across
  if (travelZ > p[2] + 0.01) yield* moveToPose(ctx, [p[0], p[1], travelZ], downOrientation(yaw), speed, 0.02, 60, RISE_TURN_LEFT);
  else if (poseError(p, ctx.robot.tcpMat(), p, downOrientation(yaw)).rot > RISE_TURN_LEFT && p[2] - FINGER_REACH_BELOW_TCP < nearbyTop(ctx, p, ignore) + TURN_DRIFT) {
    // Turning fast, the wrist swings the fingertips up to 6 cm aside and down (libero_90 task 8: from above
    // the handle of the drawer it had just opened, onto the drawer's front, which it dragged on to its end
    // stop). Near something, the wrist turns where it is first.
    yield* moveToPose(ctx, p, downOrientation(yaw), speed, 0.02, 30, RISE_TURN_LEFT);
  }
  if (travelZ > target[2] + 0.01) yield* moveTo(ctx, [target[0], target[1], travelZ], yaw, speed, 0.02);
  return yield* moveTo(ctx, target, yaw, speed, tol);
}

/**
 * Drives the gripper to `command` for the 8 steps of a full swing (+ the style's extra), holding pose.
 * `orientation` is a yaw (gripper down) or a full TCP orientation.
 */
export function* actuateGripper(ctx: ExpertContext, command: number, hold: Vec3, orientation: number | ArrayLike<number>): Skill {
  ctx.gripper = command;
  const rTarget = typeof orientation === "number" ? downOrientation(orientation) : Array.from(orientation);
  for (let i = 0; i < 8 + ctx.style.gripperExtraSteps; i++) {
    const p = ctx.robot.tcpPos();
    yield [...poseAction(p, ctx.robot.tcpMat(), hold, rTarget, limits(ctx.style.fineSpeed)), command];
  }
  return true;
}

/** Current yaw of the TCP, for skills that keep the wrist as it is. */
export function currentYaw(ctx: ExpertContext): number {
  return tcpYaw(ctx.robot.tcpMat());
}

/** Finger opening (m) between the two fingers. */
export function gripperWidth(ctx: ExpertContext): number {
  const [a, b] = ctx.robot.gripperQpos();
  return a - b;
}

export interface GraspSpec {
  /** world position of the point to close the fingers on */
  point: Vec3;
  /** TCP yaw that closes the fingers across the object */
  yaw: number;
  /**
   * For a grasp on the rim of a dish that stands on another object (`base`, a body): the horizontal unit
   * direction from the grasp point to the dish's centre. The first 3 cm of the lift then tip the dish's far
   * side up by 15°, to peel it off what it sits in; where the base still hangs from it at the top (a bowl
   * wedged in a 9.7 g ramekin), the wrist twists until it drops.
   */
  peel?: { inward: [number, number]; base: string };
  /**
   * For a grasp under an overhang (planner.ts, underReachGrasp): the yaw at which the open gripper comes
   * down (clear of the overhang) before it turns to `yaw` at the bottom, and the horizontal move (m, world)
   * that slides the closed grasp out from under the overhang before the lift.
   */
  /**
   * The planner chose which of the yaw's two twins (yaw, yaw + π) the fingers close at, for what follows the
   * grasp (planner.ts, graspForTurn: the half turn that points a mug's handle out can go only one way
   * round with joint 7 in range): `pick` closes at `yaw` itself instead of the twin graspYaw prefers.
   */
  keepTwin?: boolean;
  underReach?: {
    descentYaw: number;
    slideOut: [number, number];
    /**
     * Where (world z) the gripper turns, if not at the grasp point: above a box's top (planner.ts,
     * underReachBoxGrasp), whose ends the turning fingers would catch.
     */
    turnZ?: number;
  };
}

/** How far (rad) from the middle of its ±2.9 rad range a grasp may leave the Panda's joint 7. */
const Q7_GRASP_LIMIT = 2.0;

/**
 * The TCP yaw (gripper down) at which to close on a grasp closing along `yaw`: of its two twins (yaw and
 * yaw + π close a parallel gripper alike), the one the shorter wrist turn reaches, unless that leaves joint 7
 * more than Q7_GRASP_LIMIT from the middle of its range and the other twin leaves it nearer. A grasp at the
 * edge of the range cannot be carried: at a fixed yaw the joint moves as the arm reaches across the table
 * (libero_10 task 1, state 22: a box grasped with q7 at 1.95 rad had it at the limit, 2.90, over the basket,
 * and the next grasp, turned 30° more, could not be reached). Of two twins about as near (a grasp at 90° to
 * the wrist's yaw), which one the shorter turn took was left to rounding.
 */
export function graspYaw(ctx: ExpertContext, yaw: number): number {
  const current = currentYaw(ctx);
  const near = nearestGraspYaw(yaw, current);
  // joint 7 falls about as much as the TCP's yaw rises
  const q7 = ctx.robot.armQpos()[6];
  const q7After = (y: number) => Math.abs(q7 - (y - current));
  if (q7After(near) <= Q7_GRASP_LIMIT) return near;
  const other = near - Math.sign(near - current) * Math.PI;
  return q7After(other) < q7After(near) ? other : near;
}

/**
 * Picks an object: open, approach above the grasp point, descend, close, lift to `liftTo` (world z). A grasp
 * under an overhang (GraspSpec.underReach) comes down turned, turns at the bottom, and slides out after closing.
 * Returns true when `body` rose with the gripper (by at least 30% of the TCP's lift: a plate held by its rim hangs tilted): a thin rim held between
 * the fingers leaves them almost shut, so the finger width alone cannot tell a grasp from a miss.
 */
export function* pick(ctx: ExpertContext, body: string, grasp: () => GraspSpec, liftTo: number): Skill {
  const s = ctx.style;
  let g = grasp();
  const under = g.underReach;
  // under an overhang the gripper comes down turned (`down`) and turns to the grasp's yaw at the bottom
  const down = g.keepTwin ? g.yaw : graspYaw(ctx, under ? under.descentYaw : g.yaw);
  const yaw = under ? down + g.yaw - under.descentYaw : down;
  // a fresh look at the grasp (the object may have moved), for a plain grasp only: a reach under an overhang
  // keeps the rim point and yaws it started with
  const again = () => {
    if (under) return g;
    const next = grasp();
    return next.underReach ? g : next;
  };
  ctx.gripper = OPEN;
  // The approach comes down to `above` off-centre by the style's jitter (up to 1 cm a side), unless that
  // brings the open gripper nearer than 5 mm to what stands beside the grasp, and nearer than it is
  // centred (libero_10 task 1, states 12 and 40: the hand over a butter box, 5.5 mm from a milk carton
  // centred, came down on the carton's top; 5.3 mm from the basket, on its wall). None under an overhang
  // either: the turned hand's way down has only millimetres to spare.
  const aboveZ = g.point[2] + s.approachHeight;
  const centred: Vec3 = [g.point[0], g.point[1], aboveZ];
  const jittered: Vec3 = [g.point[0] + s.approachJitter[0], g.point[1] + s.approachJitter[1], aboveZ];
  const room = (at: Vec3) => sweptClearance(ctx.sim, gripperFootprints(at, down), rootsOf(ctx.sim, [body]));
  const above = !under && room(jittered) >= Math.min(0.005, room(centred)) ? jittered : centred;
  yield* transitTo(ctx, above, down, s.speed, 0.01);
  // centre over the grasp point before going down: coming down on a slant, an open finger lands on the rim
  // of a can whose side it was meant to pass (the open fingers clear a 6 cm can by only 9 mm a side)
  g = again();
  yield* moveTo(ctx, [g.point[0], g.point[1], above[2]], down, s.fineSpeed, 0.004);
  yield* moveTo(ctx, [g.point[0], g.point[1], Math.max(g.point[2] + 0.02, under?.turnZ ?? -Infinity)], down, s.fineSpeed, 0.008);
  g = again();
  if (under?.turnZ !== undefined) {
    yield* moveTo(ctx, [g.point[0], g.point[1], under.turnZ], down, s.fineSpeed * 0.8, 0.005, 40);
    yield* moveTo(ctx, [g.point[0], g.point[1], under.turnZ], yaw, s.fineSpeed, 0.005, 30);
    yield* moveTo(ctx, g.point, yaw, s.fineSpeed * 0.8, 0.005, 40);
  } else {
    yield* moveTo(ctx, g.point, down, s.fineSpeed * 0.8, 0.005, 40);
    if (under) yield* moveTo(ctx, g.point, yaw, s.fineSpeed, 0.005, 30);
  }
  yield* actuateGripper(ctx, CLOSE, ctx.robot.tcpPos(), yaw);
  if (under) {
    const q = ctx.robot.tcpPos();
    yield* moveTo(ctx, [q[0] + under.slideOut[0], q[1] + under.slideOut[1], q[2] + 0.005], yaw, s.fineSpeed, 0.008, 40);
  }
  const p = ctx.robot.tcpPos();
  const z0 = bodyPos(ctx, body)[2];
  const baseZ = g.peel ? bodyPos(ctx, g.peel.base)[2] : 0;
  if (g.peel) {
    // turn about (inward × z): the dish's centre, inward of the grasp, rises
    const axis: Vec3 = [g.peel.inward[1], -g.peel.inward[0], 0];
    const tipped = matMul3(axisAngleToMat(axis.map((x) => x * PEEL_ANGLE) as Vec3), downOrientation(yaw));
    yield* moveToPose(ctx, [p[0], p[1], Math.min(liftTo, p[2] + 0.03)], tipped, s.fineSpeed * 0.6, 0.01, 12);
  }
  // The first 3 cm slowly (the object comes off what it stood on), then at cruise speed, unless the object
  // hangs long below the fingers: a book held by its top edge (11 cm above its origin) swings when lifted
  // fast and comes down tilted onto the caddy's walls (a wine bottle held 7 cm up does not).
  const hangsShort = g.point[2] - z0 < 0.09;
  yield* moveTo(ctx, [p[0], p[1], Math.min(liftTo, ctx.robot.tcpPos()[2] + 0.03)], yaw, s.fineSpeed, 0.01);
  yield* moveTo(ctx, [p[0], p[1], liftTo], yaw, hangsShort ? s.speed : s.fineSpeed, 0.015);
  if (g.peel && bodyPos(ctx, g.peel.base)[2] - baseZ > 0.01) {
    // The base came up too, hanging from the dish (libero_spatial task 5, 11 of 50 train states: the bowl's
    // walls flare at 25° from the vertical, inside the friction angle of μ 0.95, so the 9.7 g ramekin hangs
    // wedged on them). Twisting the wrist back and forth about the vertical shakes it off (after 2–10 twists).
    for (let k = 0; k < MAX_TWISTS && bodyPos(ctx, g.peel.base)[2] - baseZ > 0.01; k++) {
      yield* moveTo(ctx, ctx.robot.tcpPos(), yaw + (k % 2 === 0 ? 0.8 : -0.8), 1, 0.01, 4);
    }
    yield* moveTo(ctx, [p[0], p[1], liftTo], yaw, s.speed, 0.015, 10);
  }
  return bodyPos(ctx, body)[2] - z0 > 0.3 * (ctx.robot.tcpPos()[2] - p[2]);
}

/**
 * Carries what the gripper holds so that `heldBody`'s origin ends at `target` (world), at `carryZ` in
 * between, then opens and retreats upward. `releaseAbove` lifts the release point (m) for things that are
 * dropped into containers.
 */
export function* place(ctx: ExpertContext, heldBody: string, target: Vec3, carryZ: number, releaseAbove = 0.01, yaw?: number): Skill {
  const s = ctx.style;
  const keepYaw = yaw ?? currentYaw(ctx);
  // offset from the held body's origin to the TCP, measured now (after the grasp)
  const offset = (): Vec3 => {
    const p = ctx.robot.tcpPos();
    const o = bodyPos(ctx, heldBody);
    return [p[0] - o[0], p[1] - o[1], p[2] - o[2]];
  };
  let off = offset();
  const tcpFor = (z: number): Vec3 => [target[0] + off[0], target[1] + off[1], z + off[2]];
  const start = ctx.robot.tcpPos();
  yield* moveTo(ctx, [start[0], start[1], Math.max(start[2], carryZ + off[2])], keepYaw, s.fineSpeed, 0.02);
  yield* moveTo(ctx, tcpFor(carryZ), keepYaw, s.speed, 0.02);
  off = offset();
  // The hand (19 cm long) must stay above what stands around the release point (a basket's walls when a
  // flat box held at its middle goes in): the release point rises to that, and the object drops the rest.
  const release = tcpFor(target[2] + releaseAbove);
  const hand = gripperFootprints(release, keepYaw)[2];
  const handRoom = highestTop(ctx.sim, [hand], rootsOf(ctx.sim, [heldBody])) + 0.01 - (hand.floor - release[2]);
  const releaseZ = Math.max(target[2] + releaseAbove, handRoom - off[2]);
  yield* moveTo(ctx, tcpFor(releaseZ + 0.04), keepYaw, s.fineSpeed, 0.01);
  off = offset();
  yield* moveTo(ctx, tcpFor(releaseZ), keepYaw, s.fineSpeed * 0.7, 0.006, 40);
  yield* actuateGripper(ctx, OPEN, ctx.robot.tcpPos(), keepYaw);
  const p = ctx.robot.tcpPos();
  yield* moveTo(ctx, [p[0], p[1], p[2] + 0.08], keepYaw, s.fineSpeed, 0.02, 30);
  return true;
}
