/**
 * The types of the env API fixed by DESIGN.md's contracts. Actions are LIBERO env actions everywhere:
 * 7 floats [dx, dy, dz, ax, ay, az, g] in [−1, 1]; gripper g: −1 open, +1 close, only its sign is used,
 * 0 holds. Images are 128×128 RGB, row 0 at the top.
 */

/** Where a fixture stands: LIBERO writes these into `model.body_pos/quat` at every reset. */
export interface FixturePose {
  body: string;
  pos: [number, number, number];
  /** (w, x, y, z) */
  quat: [number, number, number, number];
}

/** Identity of a generated init state (DESIGN.md "Init states"). */
export interface InitStateId {
  suite: string;
  taskId: number;
  split: "train" | "heldout";
  index: number;
}

/**
 * One initial state of an episode. As in LIBERO, fixture poses are not part of MuJoCo's state and are
 * stored beside it; `qpos`/`qvel` are the full MuJoCo vectors of the scene.
 */
export interface InitState {
  id?: InitStateId;
  fixtures: FixturePose[];
  qpos: Float64Array;
  qvel: Float64Array;
}

export interface Observation {
  /** [128·128·3] agentview RGB, row 0 at the top */
  image: Uint8Array;
  /** [128·128·3] robot0_eye_in_hand RGB, when the env was made with `wristImage: true` */
  wristImage?: Uint8Array;
  /**
   * LIBERO's robot state vector (`get_robot_state_vector`), 9 numbers: gripper finger qpos (2, m),
   * TCP position (3, world m, `grip_site`), `right_hand` orientation quaternion (4, x y z w as robosuite).
   */
  proprio: Float64Array;
}

export interface StepInfo {
  /** counted steps executed so far in this episode (wait steps not included) */
  step: number;
  maxSteps: number;
}

export interface StepResult {
  obs: Observation;
  success: boolean;
  done: boolean;
  info: StepInfo;
}

export interface ChunkResult {
  obs: Observation;
  success: boolean;
  done: boolean;
  /** env steps of the chunk actually executed (fewer than given at success or at the step limit) */
  stepsExecuted: number;
}
