/**
 * robosuite's Panda gripper command (grippers/panda_gripper.py `format_action`, robots/single_arm.py
 * `grip_action`), which LIBERO uses unchanged.
 *
 * Convention (LIBERO env actions): −1 opens, +1 closes, only the sign counts, 0 holds. At every physics
 * substep the internal command integrates c ← clip(c + [−1, +1]·0.01·sign(a), −1, 1), so a full swing from
 * −1 to +1 takes 200 substeps = 8 control steps. Each finger's position servo then gets
 * ctrl = bias + weight·c with bias/weight the midpoint/half-width of its ctrlrange: finger 1 0…0.04 m
 * (c = −1 → 0.04 open, c = +1 → 0 closed), finger 2 −0.04…0 (c = −1 → −0.04 open, c = +1 → 0 closed).
 */
export const GRIPPER_SPEED = 0.01;

export class GripperCommand {
  /** robosuite's `current_action` for the two fingers, each in [−1, 1]; starts at 0 (half open). */
  readonly current = new Float64Array(2);

  reset(): void {
    this.current.fill(0);
  }

  /** One substep of integration toward the sign of `action`. */
  integrate(action: number): void {
    const s = Math.sign(action);
    this.current[0] = Math.min(1, Math.max(-1, this.current[0] - GRIPPER_SPEED * s));
    this.current[1] = Math.min(1, Math.max(-1, this.current[1] + GRIPPER_SPEED * s));
  }

  /** Servo targets (m) for fingers 1 and 2 given their ctrlranges [lo1, hi1, lo2, hi2]. */
  targets(ctrlRange: ArrayLike<number>, out: Float64Array): void {
    for (let f = 0; f < 2; f++) {
      const lo = ctrlRange[2 * f];
      const hi = ctrlRange[2 * f + 1];
      out[f] = 0.5 * (hi + lo) + 0.5 * (hi - lo) * this.current[f];
    }
  }
}
