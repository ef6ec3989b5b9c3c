import { describe, expect, it } from "vitest";
import { resolveJoints, resolveRegion } from "../../sim/tasks/naming.ts";
import { allTasks, getTask } from "../../sim/tasks/registry.ts";

describe("scene naming scheme", () => {
  it("a table zone is a site named <table>_<region> with no owner", () => {
    expect(resolveRegion(getTask("libero_goal", 5), "main_table_stove_front_region")).toEqual({
      site: "main_table_stove_front_region",
      target: "main_table",
      region: "stove_front_region",
      owner: null,
    });
  });

  it("a fixture's region is a site owned by the fixture", () => {
    expect(resolveRegion(getTask("libero_goal", 9), "wine_rack_1_top_region")?.owner).toBe("wine_rack_1");
    expect(resolveRegion(getTask("libero_object", 0), "basket_1_contain_region")?.owner).toBe("basket_1");
  });

  it("an instance name is no region", () => {
    expect(resolveRegion(getTask("libero_goal", 8), "plate_1")).toBeNull();
  });

  it("a region of an undeclared target (libero_goal's leftover bowl_drainer_1) is an error", () => {
    expect(() => resolveRegion(getTask("libero_goal", 0), "bowl_drainer_1_left_region")).toThrow(
      /belongs to bowl_drainer_1, which the task does not declare/,
    );
  });

  it("a drawer region reads its drawer's slide, named <fixture>_<joint>", () => {
    expect(resolveJoints(getTask("libero_goal", 0), "wooden_cabinet_1_middle_region")).toEqual({
      kind: "drawer",
      joints: ["wooden_cabinet_1_middle_level"],
    });
    expect(resolveJoints(getTask("libero_10", 3), "white_cabinet_1_bottom_region").joints).toEqual(["white_cabinet_1_bottom_level"]);
  });

  it("a fixture reads all its joints: microwave door, stove knob", () => {
    expect(resolveJoints(getTask("libero_10", 9), "microwave_1")).toEqual({ kind: "door", joints: ["microwave_1_microjoint"] });
    expect(resolveJoints(getTask("libero_10", 2), "flat_stove_1")).toEqual({ kind: "knob", joints: ["flat_stove_1_button"] });
  });

  it("every init and goal atom of the 130 tasks resolves to a site, body or joint of the scheme", () => {
    for (const task of allTasks()) {
      for (const atom of [...task.init, ...task.goal]) {
        if (atom.op === "On" || atom.op === "In") {
          const target = atom.args[1];
          const isInstance = target in task.fixtures || target in task.objects;
          expect(isInstance || resolveRegion(task, target) !== null, `${task.name}: ${target}`).toBe(true);
          if (atom.op === "In") expect(resolveRegion(task, target), `${task.name}: In needs a site`).not.toBeNull();
        } else {
          expect(resolveJoints(task, atom.args[0]).joints.length, `${task.name}: ${atom.args[0]}`).toBeGreaterThan(0);
        }
      }
    }
  });
});
