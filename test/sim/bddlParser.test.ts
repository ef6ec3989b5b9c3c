import { describe, expect, it } from "vitest";
import { BddlSyntaxError, parseBddl } from "../../sim/bddl/parser.ts";
import { readSExpressions } from "../../sim/bddl/sexpr.ts";

/** A small but complete task in LIBERO's layout, one fact per line so that line numbers are easy to read. */
const STOVE_TASK = `; a comment, ignored
(define (problem LIBERO_Kitchen_Tabletop_Manipulation)
  (:domain robosuite)
  (:language Turn on the stove and put the moka pot on it)
  (:regions
    (flat_stove_init_region
      (:target kitchen_table)
      (:ranges ((-0.21 0.19 -0.19 0.21)))
      (:yaw_rotation ((0.0 0.0))))
    (moka_pot_init_region
      (:target kitchen_table)
      (:ranges ((0.025 -0.025 0.075 0.025) (0.1 0.1 0.2 0.2)))
      (:rgba (0.5 0.5 0.5 1)))
    (cook_region (:target flat_stove_1)))
  (:fixtures
    kitchen_table - kitchen_table
    flat_stove_1 - flat_stove)
  (:objects moka_pot_1 moka_pot_2 - moka_pot)
  (:obj_of_interest moka_pot_1 flat_stove_1)
  (:init
    (On flat_stove_1 kitchen_table_flat_stove_init_region)
    (on moka_pot_1 kitchen_table_moka_pot_init_region)
    (On moka_pot_2 kitchen_table_moka_pot_init_region))
  (:goal (And (Turnon flat_stove_1) (On moka_pot_1 flat_stove_1_cook_region))))
`;

/** The error a source produces, for asserting on its message and line. */
function errorOf(source: string): BddlSyntaxError {
  try {
    parseBddl(source, "task.bddl");
  } catch (err) {
    if (err instanceof BddlSyntaxError) return err;
    throw err;
  }
  throw new Error("expected a BddlSyntaxError");
}

/** STOVE_TASK with one line replaced. */
function withLine(line: number, text: string): string {
  const lines = STOVE_TASK.split("\n");
  lines[line - 1] = text;
  return lines.join("\n");
}

describe("BDDL reader", () => {
  it("reads every section of a LIBERO-style task into typed data", () => {
    const p = parseBddl(STOVE_TASK);
    expect(p.problemClass).toBe("LIBERO_Kitchen_Tabletop_Manipulation");
    expect(p.domain).toBe("robosuite");
    expect(p.language).toBe("Turn on the stove and put the moka pot on it");
    expect(p.fixtures).toEqual({ kitchen_table: "kitchen_table", flat_stove_1: "flat_stove" });
    expect(p.objectsOfInterest).toEqual(["moka_pot_1", "flat_stove_1"]);
    expect(p.regions[0]).toEqual({
      name: "flat_stove_init_region",
      target: "kitchen_table",
      ranges: [[-0.21, 0.19, -0.19, 0.21]],
      yawRotation: [[0, 0]],
      rgba: null,
    });
    expect(p.regions[2]).toEqual({ name: "cook_region", target: "flat_stove_1", ranges: [], yawRotation: [], rgba: null });
    expect(p.goal).toEqual([
      { op: "Turnon", args: ["flat_stove_1"] },
      { op: "On", args: ["moka_pot_1", "flat_stove_1_cook_region"] },
    ]);
  });

  it("keeps several ranges of one region and its rgba", () => {
    const region = parseBddl(STOVE_TASK).regions[1];
    expect(region.ranges).toEqual([
      [0.025, -0.025, 0.075, 0.025],
      [0.1, 0.1, 0.2, 0.2],
    ]);
    expect(region.rgba).toEqual([0.5, 0.5, 0.5, 1]);
  });

  it("gives every instance of a shared-category list its category, in file order", () => {
    expect(Object.entries(parseBddl(STOVE_TASK).objects)).toEqual([
      ["moka_pot_1", "moka_pot"],
      ["moka_pot_2", "moka_pot"],
    ]);
  });

  it("reads predicate names case-insensitively and stores the canonical spelling", () => {
    expect(parseBddl(STOVE_TASK).init[1]).toEqual({ op: "On", args: ["moka_pot_1", "kitchen_table_moka_pot_init_region"] });
  });

  it("accepts a bare atom as a one-atom goal", () => {
    const p = parseBddl(withLine(24, "  (:goal (Turnon flat_stove_1)))"));
    expect(p.goal).toEqual([{ op: "Turnon", args: ["flat_stove_1"] }]);
  });
});

describe("BDDL reader errors name the line", () => {
  it("an unclosed parenthesis points at the line that opened it", () => {
    const err = errorOf(withLine(24, "  (:goal (And (Turnon flat_stove_1)"));
    expect(err.message).toMatch(/^task\.bddl:\d+: the '\(' opened here is never closed/);
  });

  it("a stray closing parenthesis points at its own line", () => {
    expect(() => readSExpressions("(a)\n(b))")).toThrow(/BDDL:2: a '\)' closes nothing/);
  });

  it("an unknown predicate lists the valid ones", () => {
    const err = errorOf(withLine(22, "    (Onto moka_pot_1 kitchen_table_moka_pot_init_region)"));
    expect(err.line).toBe(22);
    expect(err.message).toContain("unknown predicate Onto; expected one of On, In, Open, Close, Turnon, Turnoff");
  });

  it("a predicate with the wrong number of arguments says how many it takes", () => {
    const err = errorOf(withLine(22, "    (On moka_pot_1)"));
    expect(err.line).toBe(22);
    expect(err.message).toContain("On takes 2 argument(s)");
  });

  it("an atom naming something undeclared is rejected with the name", () => {
    const err = errorOf(withLine(22, "    (On moka_pot_1 kitchen_table_nowhere_region)"));
    expect(err.line).toBe(22);
    expect(err.message).toContain("kitchen_table_nowhere_region, which is no declared fixture, object or region");
  });

  it("a range row with three numbers asks for four", () => {
    const err = errorOf(withLine(8, "      (:ranges ((-0.21 0.19 -0.19)))"));
    expect(err.line).toBe(8);
    expect(err.message).toContain("needs 4 numbers");
  });

  it("a range with xmin > xmax says which order is expected", () => {
    const err = errorOf(withLine(8, "      (:ranges ((0.3 0.19 -0.19 0.21)))"));
    expect(err.message).toContain("(xmin ymin xmax ymax) with min ≤ max");
  });

  it("a non-number in a range is named", () => {
    const err = errorOf(withLine(8, "      (:ranges ((-0.21 abc -0.19 0.21)))"));
    expect(err.message).toContain("expected a number for region flat_stove_init_region range, found abc");
  });

  it("an unknown region property lists the known ones", () => {
    const err = errorOf(withLine(9, "      (:yaw ((0.0 0.0))))"));
    expect(err.line).toBe(9);
    expect(err.message).toContain("expected one of :target, :ranges, :yaw_rotation, :rgba");
  });

  it("an unknown section lists the known ones", () => {
    const err = errorOf(withLine(3, "  (:domian robosuite)"));
    expect(err.line).toBe(3);
    expect(err.message).toContain("unknown section (:domian robosuite)");
  });

  it("a missing section is named", () => {
    expect(errorOf(withLine(3, "")).message).toContain("the problem has no (:domain …) section");
  });

  it("a typed list entry without its category is named", () => {
    const err = errorOf(withLine(18, "  (:objects moka_pot_1 moka_pot_2)"));
    expect(err.line).toBe(18);
    expect(err.message).toContain('moka_pot_1 moka_pot_2 in (:objects …) has no "- category"');
  });

  it("a region declared twice for the same target is rejected", () => {
    const err = errorOf(withLine(14, "    (cook_region (:target flat_stove_1)) (cook_region (:target flat_stove_1)))"));
    expect(err.line).toBe(14);
    expect(err.message).toContain("region cook_region of flat_stove_1 is declared twice");
  });

  it("an instance declared twice is rejected", () => {
    expect(errorOf(withLine(18, "  (:objects moka_pot_1 moka_pot_1 - moka_pot)")).message).toContain("moka_pot_1 is declared twice");
  });

  it("Or and Not goals are refused: goals are conjunctions", () => {
    const err = errorOf(withLine(24, "  (:goal (Or (Turnon flat_stove_1) (Turnoff flat_stove_1))))"));
    expect(err.message).toContain("goals are conjunctions of atoms; Or is not supported");
  });

  it("a file without define says what a BDDL file holds", () => {
    expect(errorOf("(problem x)").message).toContain("exactly one `(define (problem NAME) …)` form");
  });
});
