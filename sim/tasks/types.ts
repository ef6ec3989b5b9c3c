/**
 * The data of a LIBERO task, as the rest of `sim/` sees it: what is in the scene, where things start (regions
 * and init atoms) and what counts as success (goal atoms). Everything here is plain data; the BDDL reader
 * (`sim/bddl/parser.ts`) and the suite modules (`sim/tasks/suites/*.ts`) produce it, the scene builder, the
 * init-state sampler and the predicates (`predicates.ts`) consume it.
 *
 * Facts from LIBERO @ 8f1084e (`libero/libero/bddl_files`, `benchmark/__init__.py`,
 * `benchmark/libero_suite_task_map.py`), summarised in the project's LIBERO reference §1.
 */

/** The five LIBERO suites, in the order LIBERO lists them. */
export const SUITE_NAMES = ["libero_spatial", "libero_object", "libero_goal", "libero_10", "libero_90"] as const;
export type SuiteName = (typeof SUITE_NAMES)[number];

/**
 * The predicates a task may use. LIBERO also registers `true`, `false`, `up` and `printjointstate`, which
 * no task file uses; we leave them out so that a typo is caught rather than silently accepted.
 */
export const ATOM_OPS = ["On", "In", "Open", "Close", "Turnon", "Turnoff"] as const;
export type AtomOp = (typeof ATOM_OPS)[number];

/** Number of arguments of each predicate: On/In relate two things, the joint predicates take one. */
export const ATOM_ARITY: Readonly<Record<AtomOp, number>> = {
  On: 2,
  In: 2,
  Open: 1,
  Close: 1,
  Turnon: 1,
  Turnoff: 1,
};

/**
 * One ground predicate, e.g. `{op: "On", args: ["akita_black_bowl_1", "plate_1"]}`. Arguments are object or
 * fixture instance names, or full region names `<target>_<region>` (e.g. `flat_stove_1_cook_region`).
 */
export interface Atom {
  readonly op: AtomOp;
  readonly args: readonly string[];
}

/** `(xmin, ymin, xmax, ymax)` in metres, relative to the workspace offset of the region's target. */
export type Rect = readonly [number, number, number, number];

/**
 * A BDDL region. Regions on a table or the floor carry `ranges` (where things are sampled); regions that
 * name a part of a fixture or object (`cook_region` of `flat_stove_1`) carry none, their geometry is a site
 * of that fixture's model.
 */
export interface RegionSpec {
  /** Local name, e.g. `plate_region`; atoms refer to it as `<target>_<name>`. */
  readonly name: string;
  /** The fixture or object the region belongs to, e.g. `main_table`, `flat_stove_1`, `basket_1`. */
  readonly target: string;
  /** Candidate rectangles; LIBERO picks one at random when several are given (every LIBERO task has ≤ 1). */
  readonly ranges: readonly Rect[];
  /** `[min, max]` yaw about world z in radians for whatever is placed in this region, or null for none given. */
  readonly yaw: readonly [number, number] | null;
  /** Display colour `[r, g, b, a]` in 0..1 when the BDDL file gives one (no LIBERO task does). */
  readonly rgba?: readonly [number, number, number, number];
}

/** The table (or floor) a task is set on; it fixes the table height and the workspace offset. */
export type SceneFamily = "main_table" | "kitchen_table" | "living_room_table" | "study_table" | "floor";

export interface TaskSpec {
  readonly suite: SuiteName;
  /** Position in LIBERO's benchmark order (`task_orders[0]` of `libero_suite_task_map.py`), 0-based. */
  readonly id: number;
  /** The BDDL file name without `.bddl`, e.g. `KITCHEN_SCENE3_turn_on_the_stove`. */
  readonly name: string;
  /**
   * The instruction the benchmark and the OpenVLA/OFT evaluations give the policy: the file name with
   * underscores as spaces and the `SCENEx_` prefix stripped (`benchmark/__init__.py:
   * grab_language_from_filename`). Lower case, as in the file names.
   */
  readonly instruction: string;
  /** The BDDL `(:language …)` text, what `env.language_instruction` returns. Differs from `instruction` for
   * every spatial, object and goal task and for four libero_90 tasks. */
  readonly bddlInstruction: string;
  readonly sceneFamily: SceneFamily;
  /** The BDDL problem class, e.g. `LIBERO_Kitchen_Tabletop_Manipulation`. */
  readonly problemClass: string;
  /** Fixture instance → category, in BDDL order (which is also the order of fixture joints in `qpos`). */
  readonly fixtures: Readonly<Record<string, string>>;
  /** Object instance → category, in BDDL order (which is also the order of the free joints in `qpos`). */
  readonly objects: Readonly<Record<string, string>>;
  readonly regions: readonly RegionSpec[];
  /** Initial conditions: where each thing is placed and which joints start open/closed/on/off. */
  readonly init: readonly Atom[];
  /** Success is the conjunction of these atoms (every LIBERO goal is a single `And`). */
  readonly goal: readonly Atom[];
  /** `(:obj_of_interest …)`: the instances and regions the task is about. */
  readonly objectsOfInterest: readonly string[];
}

/** A suite: its tasks in benchmark order and its episode step limit. */
export interface SuiteSpec {
  readonly name: SuiteName;
  /**
   * Counted steps per episode (after the wait steps): the limits of the OpenVLA and OpenVLA-OFT LIBERO
   * evaluations (`TASK_MAX_STEPS`), 220 / 280 / 300 / 520 / 400 for spatial / object / goal / 10 / 90.
   */
  readonly maxSteps: number;
  readonly tasks: readonly TaskSpec[];
}
