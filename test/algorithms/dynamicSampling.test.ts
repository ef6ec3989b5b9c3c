import { describe, expect, it } from "vitest";
import fc from "fast-check";
import seedrandom from "seedrandom";
import { GroupCollector, keepGroup, TrainPairSampler } from "../../algorithms/dynamicSampling.ts";

const group = (successCount: number, G = 8) => Array.from({ length: G }, (_, i) => ({ success: i < successCount, id: successCount }));

describe("keepGroup", () => {
  it("at G = 8 with bounds 0.1/0.9 keeps exactly the mixed groups", () => {
    // rates k/8: 0 < 0.1 dropped; 1/8 = 0.125 … 7/8 = 0.875 kept; 1 > 0.9 dropped
    for (let k = 0; k <= 8; k++) expect(keepGroup(group(k).map((t) => t.success))).toBe(k > 0 && k < 8);
  });

  it("bounds are inclusive", () => {
    // G = 10: 1/10 = 0.1 and 9/10 = 0.9 sit on the bounds and are kept
    expect(keepGroup(group(1, 10).map((t) => t.success))).toBe(true);
    expect(keepGroup(group(9, 10).map((t) => t.success))).toBe(true);
  });

  it("any group is kept iff it has both a success and a failure (G = 8)", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (s) => {
        expect(keepGroup(s)).toBe(s.includes(true) && s.includes(false));
      }),
    );
  });
});

describe("GroupCollector", () => {
  it("accumulates kept groups across draws and drops surplus", () => {
    const c = new GroupCollector<{ success: boolean; id: number }>({ groupsPerBatch: 3, maxDraws: 5, low: 0.1, high: 0.9 });
    c.offer([group(0), group(3), group(8)]);
    expect(c.done).toBe(false);
    expect(c.missingGroups).toBe(2);
    c.offer([group(1), group(8), group(5), group(7)]);
    expect(c.done).toBe(true);
    const { groups, stats } = c.take();
    expect(groups.map((g) => g[0].id)).toEqual([3, 1, 5]);
    expect(stats.outcome).toBe("full");
    expect(stats.groupsSeen).toBe(7);
    expect(stats.groupsPassed).toBe(4);
    expect(stats.keptFraction).toBeCloseTo(4 / 7, 12);
    // successes seen: 0+3+8+1+8+5+7 = 32 of 56
    expect(stats.successRateBeforeFilter).toBeCloseTo(32 / 56, 12);
  });

  it("at the draw cap it updates on what was kept", () => {
    const c = new GroupCollector({ groupsPerBatch: 4, maxDraws: 2, low: 0.1, high: 0.9 });
    c.offer([group(2)]);
    c.offer([group(0)]);
    expect(c.done).toBe(true);
    expect(c.take().stats.outcome).toBe("partial");
  });

  it("skips the step when no group was kept", () => {
    const c = new GroupCollector({ groupsPerBatch: 2, maxDraws: 1, low: 0.1, high: 0.9 });
    c.offer([group(0), group(8)]);
    const { groups, stats } = c.take();
    expect(groups).toEqual([]);
    expect(stats.outcome).toBe("skip");
  });
});

describe("TrainPairSampler", () => {
  it("each epoch visits every (task, index) pair once", () => {
    const s = new TrainPairSampler([0, 1, 2], 4, seedrandom("a"));
    const first = s.next(12).map((p) => `${p.taskId}:${p.index}`);
    expect(new Set(first).size).toBe(12);
    expect(s.epoch).toBe(1);
    s.next(1);
    expect(s.epoch).toBe(2);
  });

  it("the same seed gives the same order, another seed another", () => {
    const a = new TrainPairSampler([0, 1], 50, seedrandom("7")).next(150);
    const b = new TrainPairSampler([0, 1], 50, seedrandom("7")).next(150);
    const c = new TrainPairSampler([0, 1], 50, seedrandom("8")).next(150);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});
