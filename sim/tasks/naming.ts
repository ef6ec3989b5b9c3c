/**
 * How the names in a task (instances like `wooden_cabinet_1`, regions like `wooden_cabinet_1_top_region`)
 * map to names in the MuJoCo scene. The scene builder creates bodies, sites and joints with exactly these
 * names; the predicates (`predicates.ts`) look them up the same way. The scheme follows the names robosuite
 * compiles for LIBERO (every name of an instance's model gets the prefix `<instance>_`), except that an
 * instance's root body is the bare instance name (robosuite calls it `<instance>_main`).
 *
 *   root body of an object or fixture  <instance>                     akita_black_bowl_1, flat_stove_1
 *   site of a region                   <target>_<region>              flat_stove_1_cook_region,
 *                                      (= the name atoms use)         main_table_plate_region
 *   joint of an articulated fixture    <instance>_<joint>             wooden_cabinet_1_top_level,
 *                                                                     microwave_1_microjoint, flat_stove_1_button
 *
 * Region sites on a table or the floor are LIBERO's `TargetZone`s: site half-size (half the range, half the
 * range, 0.007), placed on the table top; they have no owner (no contact test in On). A region whose target
 * is an object or another fixture is a site of that thing's model and moves with it (drawer regions move
 * with their drawer). A region whose target the task does not declare has no site: LIBERO's libero_goal
 * files carry `bowl_drainer_1` regions without a bowl drainer; the scene builder skips such regions and no
 * atom uses them.
 */
import type { TaskSpec } from "./types.ts";

/** Fixture categories that are the scene's support surface: their regions are table zones, not parts. */
export const SUPPORT_CATEGORIES: readonly string[] = ["table", "kitchen_table", "living_room_table", "study_table", "floor"];

export function bodyName(instance: string): string {
  return instance;
}

export function regionSiteName(target: string, region: string): string {
  return `${target}_${region}`;
}

export function jointName(instance: string, joint: string): string {
  return `${instance}_${joint}`;
}

/** Which predicate thresholds a joint follows (`predicates.ts`, JOINT_THRESHOLDS). */
export type ArticulationKind = "drawer" | "door" | "knob";

export interface Articulation {
  readonly kind: ArticulationKind;
  /** Joint names inside the model, in LIBERO's qpos order. */
  readonly joints: readonly string[];
  /** Region → the joint of the part that region sits in (drawer regions move with their drawer). */
  readonly regionJoints: Readonly<Record<string, string>>;
}

/**
 * The articulated fixture categories of LIBERO (`articulated_objects/*.xml`): cabinets have three drawer
 * slides, the microwave one door hinge, the stove one knob hinge.
 */
export const ARTICULATIONS: Readonly<Record<string, Articulation>> = {
  wooden_cabinet: {
    kind: "drawer",
    joints: ["top_level", "middle_level", "bottom_level"],
    regionJoints: { top_region: "top_level", middle_region: "middle_level", bottom_region: "bottom_level" },
  },
  white_cabinet: {
    kind: "drawer",
    joints: ["top_level", "middle_level", "bottom_level"],
    regionJoints: { top_region: "top_level", middle_region: "middle_level", bottom_region: "bottom_level" },
  },
  microwave: { kind: "door", joints: ["microjoint"], regionJoints: {} },
  flat_stove: { kind: "knob", joints: ["button"], regionJoints: {} },
};

export interface ResolvedRegion {
  /** MuJoCo site name. */
  readonly site: string;
  readonly target: string;
  readonly region: string;
  /** The instance whose collision geoms On must touch, or null for a table/floor zone. */
  readonly owner: string | null;
}

/**
 * The region an atom argument names (`<target>_<region>`), or null when it names no region of the task.
 * Throws when the region's target is not declared (such a region has no site in the scene).
 */
export function resolveRegion(task: TaskSpec, fullName: string): ResolvedRegion | null {
  const r = task.regions.find((x) => regionSiteName(x.target, x.name) === fullName);
  if (r === undefined) return null;
  const category = categoryOf(task, r.target);
  if (category === undefined) {
    throw new Error(`Task ${task.name}: region ${fullName} belongs to ${r.target}, which the task does not declare as a fixture or object.`);
  }
  const owner = SUPPORT_CATEGORIES.includes(category) ? null : r.target;
  return { site: fullName, target: r.target, region: r.name, owner };
}

/** The category of a fixture or object instance, or undefined when the task declares no such instance. */
export function categoryOf(task: TaskSpec, instance: string): string | undefined {
  return task.fixtures[instance] ?? task.objects[instance];
}

export interface ResolvedJoints {
  readonly kind: ArticulationKind;
  /** MuJoCo joint names. */
  readonly joints: readonly string[];
}

/**
 * The joints a joint predicate reads. `wooden_cabinet_1_top_region` → the top drawer's slide;
 * `microwave_1` or `wooden_cabinet_1` → every joint of the fixture. Throws, naming the argument, when it is
 * not an articulated fixture or one of its jointed regions.
 */
export function resolveJoints(task: TaskSpec, arg: string): ResolvedJoints {
  const direct = categoryOf(task, arg);
  if (direct !== undefined) {
    const art = ARTICULATIONS[direct];
    if (art === undefined) throw new Error(notArticulated(task, arg, `its category ${direct} has no joints`));
    return { kind: art.kind, joints: art.joints.map((j) => jointName(arg, j)) };
  }
  const region = resolveRegion(task, arg);
  if (region === null) throw new Error(notArticulated(task, arg, "it is no instance or region of the task"));
  const art = ARTICULATIONS[categoryOf(task, region.target) ?? ""];
  const joint = art?.regionJoints[region.region];
  if (art === undefined || joint === undefined) {
    throw new Error(notArticulated(task, arg, `region ${region.region} of ${region.target} sits on no joint`));
  }
  return { kind: art.kind, joints: [jointName(region.target, joint)] };
}

function notArticulated(task: TaskSpec, arg: string, why: string): string {
  return (
    `Task ${task.name}: ${arg} cannot be opened, closed or turned: ${why}. ` +
    `Articulated categories are ${Object.keys(ARTICULATIONS).join(", ")}.`
  );
}
