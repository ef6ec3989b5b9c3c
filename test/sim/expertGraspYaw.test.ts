import { describe, expect, test } from "vitest";
import { graspYaw, type ExpertContext } from "../../sim/expert/skills.ts";
import { downOrientation } from "../../sim/expert/motion.ts";

/** Just what graspYaw reads: the TCP pointing down at `yaw` and joint 7 at `q7`. */
function at(yaw: number, q7: number): ExpertContext {
  const robot = { tcpMat: () => downOrientation(yaw), armQpos: () => [0, 0, 0, 0, 0, 0, q7] };
  return { robot } as unknown as ExpertContext;
}

describe("graspYaw keeps joint 7 carryable", () => {
  test("with joint 7 in the middle, the shorter wrist turn: a grasp at −100° from yaw 0 is taken at its twin +80°", () => {
    expect(graspYaw(at(0, 0), (-100 * Math.PI) / 180)).toBeCloseTo((80 * Math.PI) / 180, 12);
  });

  test("a turn to −90° from q7 = 0.79 would leave q7 ≈ 2.36 (> 2): the twin at +90° (q7 ≈ −0.78) is taken", () => {
    // libero_10 task 1, state 22: the cream cheese grasp at −90° ended with joint 7 at its limit over the basket
    expect(graspYaw(at(0, 0.79), -Math.PI / 2 - 1e-9)).toBeCloseTo(Math.PI / 2, 6);
  });

  test("where both twins leave joint 7 past 2 rad, the one that leaves it nearer the middle", () => {
    // from q7 = 2.5 at yaw 0: −30° gives q7 ≈ 3.02, its twin +150° gives ≈ −0.12
    expect(graspYaw(at(0, 2.5), -Math.PI / 6)).toBeCloseTo((5 * Math.PI) / 6, 12);
    // from q7 = 0.2: +150° would give ≈ −2.42 and its twin −30° ≈ 0.72, the nearer turn anyway
    expect(graspYaw(at(0, 0.2), -Math.PI / 6)).toBeCloseTo(-Math.PI / 6, 12);
  });
});
