import { describe, expect, it } from "vitest";
import { allInstructions, allTasks, getSuite, getTask, listSuites, maxSteps, WAIT_STEPS } from "../../sim/tasks/registry.ts";
import { instructionFromFileName } from "../../sim/tasks/taskFromBddl.ts";
import type { SuiteName } from "../../sim/tasks/types.ts";

/** LIBERO reference §1: the benchmark-order instructions of the four 10-task suites. */
const INSTRUCTIONS: Record<Exclude<SuiteName, "libero_90">, string[]> = {
  libero_spatial: [
    "pick up the black bowl between the plate and the ramekin and place it on the plate",
    "pick up the black bowl next to the ramekin and place it on the plate",
    "pick up the black bowl from table center and place it on the plate",
    "pick up the black bowl on the cookie box and place it on the plate",
    "pick up the black bowl in the top drawer of the wooden cabinet and place it on the plate",
    "pick up the black bowl on the ramekin and place it on the plate",
    "pick up the black bowl next to the cookie box and place it on the plate",
    "pick up the black bowl on the stove and place it on the plate",
    "pick up the black bowl next to the plate and place it on the plate",
    "pick up the black bowl on the wooden cabinet and place it on the plate",
  ],
  libero_object: [
    "alphabet soup",
    "cream cheese",
    "salad dressing",
    "bbq sauce",
    "ketchup",
    "tomato sauce",
    "butter",
    "milk",
    "chocolate pudding",
    "orange juice",
  ].map((x) => `pick up the ${x} and place it in the basket`),
  libero_goal: [
    "open the middle drawer of the cabinet",
    "put the bowl on the stove",
    "put the wine bottle on top of the cabinet",
    "open the top drawer and put the bowl inside",
    "put the bowl on top of the cabinet",
    "push the plate to the front of the stove",
    "put the cream cheese in the bowl",
    "turn on the stove",
    "put the bowl on the plate",
    "put the wine bottle on the rack",
  ],
  libero_10: [
    "put both the alphabet soup and the tomato sauce in the basket",
    "put both the cream cheese box and the butter in the basket",
    "turn on the stove and put the moka pot on it",
    "put the black bowl in the bottom drawer of the cabinet and close it",
    "put the white mug on the left plate and put the yellow and white mug on the right plate",
    "pick up the book and place it in the back compartment of the caddy",
    "put the white mug on the plate and put the chocolate pudding to the right of the plate",
    "put both the alphabet soup and the cream cheese box in the basket",
    "put both moka pots on the stove",
    "put the yellow and white mug in the microwave and close it",
  ],
};

describe("task registry", () => {
  it("holds 130 tasks: 10 per suite and 90 in libero_90", () => {
    expect(listSuites()).toEqual(["libero_spatial", "libero_object", "libero_goal", "libero_10", "libero_90"]);
    expect(listSuites().map((s) => getSuite(s).tasks.length)).toEqual([10, 10, 10, 10, 90]);
    expect(allTasks()).toHaveLength(130);
  });

  it.each(Object.entries(INSTRUCTIONS))("%s instructions follow LIBERO's benchmark order", (suite, expected) => {
    expect(getSuite(suite).tasks.map((t) => t.instruction)).toEqual(expected);
  });

  it("every task knows its suite and its id is its place in the suite", () => {
    for (const suite of listSuites()) {
      getSuite(suite).tasks.forEach((t, i) => {
        expect(t.suite).toBe(suite);
        expect(t.id).toBe(i);
      });
    }
  });

  it("libero_90 has 46 kitchen, 27 living-room and 17 study tasks", () => {
    const families = getSuite("libero_90").tasks.map((t) => t.sceneFamily);
    expect(families.filter((f) => f === "kitchen_table")).toHaveLength(46);
    expect(families.filter((f) => f === "living_room_table")).toHaveLength(27);
    expect(families.filter((f) => f === "study_table")).toHaveLength(17);
  });

  it("libero_object is set on the floor and spatial/goal on the main table", () => {
    expect(new Set(getSuite("libero_object").tasks.map((t) => t.sceneFamily))).toEqual(new Set(["floor"]));
    expect(new Set(getSuite("libero_spatial").tasks.map((t) => t.sceneFamily))).toEqual(new Set(["main_table"]));
    expect(new Set(getSuite("libero_goal").tasks.map((t) => t.sceneFamily))).toEqual(new Set(["main_table"]));
  });

  it("goal atom counts over all 130 tasks match LIBERO: On 61, In 63, Close 11, Turnon 8, Open 7, Turnoff 1", () => {
    const counts: Record<string, number> = {};
    for (const t of allTasks()) for (const a of t.goal) counts[a.op] = (counts[a.op] ?? 0) + 1;
    expect(counts).toEqual({ On: 61, In: 63, Close: 11, Turnon: 8, Open: 7, Turnoff: 1 });
  });

  it("libero_goal task 3 has no Open term, only In of the top drawer region", () => {
    expect(getTask("libero_goal", 3).goal).toEqual([{ op: "In", args: ["akita_black_bowl_1", "wooden_cabinet_1_top_region"] }]);
  });

  it("instruction and BDDL language differ for spatial/object/goal, agree for libero_10, differ for four libero_90 tasks", () => {
    const differing = (s: SuiteName) => getSuite(s).tasks.filter((t) => t.instruction !== t.bddlInstruction).length;
    expect([differing("libero_spatial"), differing("libero_object"), differing("libero_goal")]).toEqual([10, 10, 10]);
    expect(differing("libero_10")).toBe(0);
    expect(differing("libero_90")).toBe(4);
  });

  it("step limits are 220/280/300/520/400 and 10 wait steps precede them", () => {
    expect(listSuites().map(maxSteps)).toEqual([220, 280, 300, 520, 400]);
    expect(WAIT_STEPS).toBe(10);
  });

  it("getTask accepts a numeric id, a digit string and a file name", () => {
    const byNumber = getTask("libero_10", 2);
    expect(byNumber.name).toBe("KITCHEN_SCENE3_turn_on_the_stove_and_put_the_moka_pot_on_it");
    expect(getTask("libero_10", "2")).toBe(byNumber);
    expect(getTask("libero_10", byNumber.name)).toBe(byNumber);
  });

  it("an unknown suite is an error listing the five suites", () => {
    expect(() => getSuite("libero_100")).toThrow(
      'Unknown suite "libero_100"; the suites are libero_spatial, libero_object, libero_goal, libero_10, libero_90.',
    );
    expect(() => maxSteps("spatial")).toThrow(/the suites are libero_spatial/);
  });

  it("an unknown task is an error listing the suite's ids and names", () => {
    expect(() => getTask("libero_goal", 10)).toThrow(/Unknown task 10 in libero_goal; give an id 0\.\.9 or a name:\n {2}0: open_the_middle_drawer_of_the_cabinet\n/);
    expect(() => getTask("libero_goal", -1)).toThrow(/give an id 0\.\.9/);
    expect(() => getTask("libero_goal", 1.5)).toThrow(/give an id 0\.\.9/);
    expect(() => getTask("libero_goal", "put the bowl")).toThrow(/9: put_the_wine_bottle_on_the_rack/);
  });

  it("allInstructions is the sorted, distinct, lower-cased instruction set", () => {
    const list = allInstructions();
    expect(list).toEqual([...new Set(list)].sort());
    expect(list.every((s) => s === s.toLowerCase())).toBe(true);
    expect(list).toContain("put both moka pots on the stove");
    expect(new Set(list)).toEqual(new Set(allTasks().map((t) => t.instruction.toLowerCase())));
  });

  it("the benchmark instruction drops the SCENEx_ prefix, SCENE10 included", () => {
    expect(instructionFromFileName("KITCHEN_SCENE10_close_the_top_drawer_of_the_cabinet")).toBe("close the top drawer of the cabinet");
    expect(instructionFromFileName("LIVING_ROOM_SCENE2_put_both_moka_pots.bddl")).toBe("put both moka pots");
    expect(instructionFromFileName("put_the_bowl_on_the_plate")).toBe("put the bowl on the plate");
  });
});
