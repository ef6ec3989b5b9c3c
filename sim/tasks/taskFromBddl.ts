/**
 * Turns a parsed BDDL problem into a `TaskSpec`: the two instruction forms, the scene family and the regions
 * in the task's own shape. Used once by the suite generator (`tools/generate.ts`) and by anyone who writes a
 * task of their own in BDDL.
 */
import type { BddlProblem, BddlRegion } from "../bddl/parser.ts";
import type { RegionSpec, SceneFamily, SuiteName, TaskSpec } from "./types.ts";

/** LIBERO's problem classes and the table (or floor) each one builds (`envs/problems/libero_*.py`). */
export const SCENE_FAMILY_OF_PROBLEM: Readonly<Record<string, SceneFamily>> = {
  LIBERO_Tabletop_Manipulation: "main_table",
  LIBERO_Kitchen_Tabletop_Manipulation: "kitchen_table",
  LIBERO_Living_Room_Tabletop_Manipulation: "living_room_table",
  LIBERO_Study_Tabletop_Manipulation: "study_table",
  LIBERO_Floor_Manipulation: "floor",
};

/**
 * The benchmark's instruction from a task file name, as LIBERO's `grab_language_from_filename`: a
 * `SCENE<n>_` prefix (KITCHEN_SCENE3_, LIVING_ROOM_SCENE2_, STUDY_SCENE1_) and everything before it is
 * dropped, then underscores become spaces.
 *   "KITCHEN_SCENE3_turn_on_the_stove" → "turn on the stove"
 *   "put_the_bowl_on_the_plate"        → "put the bowl on the plate"
 */
export function instructionFromFileName(name: string): string {
  const base = name.endsWith(".bddl") ? name.slice(0, -".bddl".length) : name;
  const scene = /SCENE\d+_/.exec(base);
  const rest = scene ? base.slice(scene.index + scene[0].length) : base;
  return rest.replaceAll("_", " ");
}

/**
 * Builds the task. `name` is the BDDL file name without `.bddl`; `id` the task's place in its suite.
 * Throws when the problem class is not one of LIBERO's (the scene would be unknown) or a region has
 * several yaw rows (LIBERO's samplers use one).
 */
export function taskFromBddl(problem: BddlProblem, suite: SuiteName, id: number, name: string): TaskSpec {
  const sceneFamily = SCENE_FAMILY_OF_PROBLEM[problem.problemClass];
  if (sceneFamily === undefined) {
    throw new Error(
      `Task ${name}: problem class ${problem.problemClass} is not one of ${Object.keys(SCENE_FAMILY_OF_PROBLEM).join(", ")}.`,
    );
  }
  return {
    suite,
    id,
    name,
    instruction: instructionFromFileName(name),
    bddlInstruction: problem.language,
    sceneFamily,
    problemClass: problem.problemClass,
    fixtures: { ...problem.fixtures },
    objects: { ...problem.objects },
    regions: problem.regions.map((r) => regionSpec(r, name)),
    init: problem.init,
    goal: problem.goal,
    objectsOfInterest: problem.objectsOfInterest,
  };
}

function regionSpec(region: BddlRegion, taskName: string): RegionSpec {
  if (region.target === null) {
    throw new Error(`Task ${taskName}: region ${region.name} has no (:target …); name the fixture or object it belongs to.`);
  }
  if (region.yawRotation.length > 1) {
    throw new Error(`Task ${taskName}: region ${region.name} gives ${region.yawRotation.length} yaw_rotation rows; give one (min max).`);
  }
  const spec: RegionSpec = {
    name: region.name,
    target: region.target,
    ranges: region.ranges,
    yaw: region.yawRotation.length === 1 ? region.yawRotation[0] : null,
  };
  return region.rgba === null ? spec : { ...spec, rgba: region.rgba };
}
