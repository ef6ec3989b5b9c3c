/**
 * Pins what the simulator makes of a seed at today's SIM_REVISION: one settled init state per suite and one
 * expert episode. When a change moves them, demos on disk no longer match the code: bump SIM_REVISION
 * (sim/revision.ts) so that runs make them again, and record the new fingerprints here.
 */
import { describe, expect, it } from "vitest";
import { demonstrate } from "../../sim/expert/executor.ts";
import { SIM_REVISION } from "../../sim/revision.ts";
import { makeTaskEnv } from "../../sim/tasks/taskEnv.ts";

/** Two weighted sums of a vector: enough to notice any change of one element beyond rounding. */
function fingerprint(v: ArrayLike<number>): [number, number] {
  let a = 0;
  let b = 0;
  for (let i = 0; i < v.length; i++) {
    a += (i + 1) * v[i];
    b += v[i] * v[i];
  }
  return [a, b];
}

/** The fingerprints of revision 8 (start states as in 4–7; the expert episode new in 8); update together with SIM_REVISION. */
const PINNED = {
  revision: 8,
  /** init state train 0 of task 0 of each suite: fingerprint of its qpos */
  initStates: {
    libero_spatial: [392.77832103129816, 21.06381307153022],
    libero_object: [299.6907475877415, 19.07797183526408],
    libero_goal: [242.43358137232067, 18.9516461149981],
    libero_10: [532.95175790537, 21.756057582067708],
    libero_90: [231.7046699048087, 19.027192899507885],
  } as Record<string, [number, number]>,
  /** the expert on libero_spatial task 0, train state 0, seed "0": steps, success, fingerprint of its actions */
  expert: { steps: 119, success: true, actions: [31972.938455469528, 170.09359941629927] as [number, number] },
};

const BUMP = "the simulator's behaviour changed: bump SIM_REVISION in sim/revision.ts and update PINNED in this test";

describe(`SIM_REVISION ${SIM_REVISION} pins init states and expert episodes`, () => {
  it("the pinned fingerprints belong to this revision", () => {
    expect(PINNED.revision, "update PINNED whenever SIM_REVISION changes").toBe(SIM_REVISION);
  });

  for (const suite of Object.keys(PINNED.initStates)) {
    it(`${suite} task 0, train init state 0`, async () => {
      const te = await makeTaskEnv(suite, 0);
      try {
        const [a, b] = fingerprint(te.initState("train", 0).qpos);
        expect(a, BUMP).toBeCloseTo(PINNED.initStates[suite][0], 6);
        expect(b, BUMP).toBeCloseTo(PINNED.initStates[suite][1], 6);
      } finally {
        te.dispose();
      }
    }, 60_000);
  }

  it("the expert's episode on libero_spatial task 0", async () => {
    const te = await makeTaskEnv("libero_spatial", 0);
    try {
      const run = demonstrate(te, 0, "0");
      const actions = run.steps.flatMap((s) => Array.from(s.action));
      const [a, b] = fingerprint(actions);
      expect(run.steps.length, BUMP).toBe(PINNED.expert.steps);
      expect(run.success, BUMP).toBe(PINNED.expert.success);
      expect(a, BUMP).toBeCloseTo(PINNED.expert.actions[0], 3);
      expect(b, BUMP).toBeCloseTo(PINNED.expert.actions[1], 3);
    } finally {
      te.dispose();
    }
  }, 120_000);
});
