/**
 * Cross-check of the generated suite modules against LIBERO's own BDDL files and the benchmark-order digest,
 * when the reference copy is present on this machine (it is never read at run time).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseBddl } from "../../sim/bddl/parser.ts";
import { allTasks, getSuite, listSuites } from "../../sim/tasks/registry.ts";
import { taskFromBddl } from "../../sim/tasks/taskFromBddl.ts";
import type { TaskSpec } from "../../sim/tasks/types.ts";

const REFERENCE = "/work/shared/reference/libero";
const BDDL_DIR = join(REFERENCE, "bddl");
const present = existsSync(BDDL_DIR) && existsSync(join(REFERENCE, "libero_tasks.json"));
if (!present) console.warn(`LIBERO conformance skipped: ${BDDL_DIR} (or libero_tasks.json) is not on this machine.`);

/** The digest's fields that we check (LIBERO reference, libero_tasks.json). */
interface DigestTask {
  suite: string;
  task_id: number;
  name: string;
  language: string;
  bddl_language: string;
  problem: string;
  fixtures: { name: string; category: string }[];
  objects: { name: string; category: string }[];
  obj_of_interest: string[];
  init: string[];
  goal: string;
  regions: { name: string; target: string; ranges_xmin_ymin_xmax_ymax?: number[][]; yaw_rotation?: number[][] }[];
}

/** Numbers rounded to 1e-9 so that the 12-digit literals of the modules compare with the files' floats. */
function rounded<T>(value: T): T {
  return JSON.parse(JSON.stringify(value, (_, v: unknown) => (typeof v === "number" ? Math.round(v * 1e9) / 1e9 : v))) as T;
}

function atomText(a: { op: string; args: readonly string[] }): string {
  return `(${a.op} ${a.args.join(" ")})`;
}

describe.skipIf(!present)("suite modules conform to LIBERO's BDDL files", () => {
  const digest: DigestTask[] = present ? JSON.parse(readFileSync(join(REFERENCE, "libero_tasks.json"), "utf8")) : [];

  it("the registry holds exactly the 130 task files, suite by suite", () => {
    for (const suite of listSuites()) {
      const files = readdirSync(join(BDDL_DIR, suite)).filter((f) => f.endsWith(".bddl")).map((f) => f.slice(0, -5));
      expect(new Set(getSuite(suite).tasks.map((t) => t.name))).toEqual(new Set(files));
      expect(getSuite(suite).tasks).toHaveLength(files.length);
    }
  });

  it("task order, both instruction forms, problem class, instances and goals match the digest", () => {
    expect(allTasks().map((t) => `${t.suite}/${t.id}/${t.name}`)).toEqual(digest.map((d) => `${d.suite}/${d.task_id}/${d.name}`));
    for (const [i, d] of digest.entries()) {
      const t = allTasks()[i];
      expect(t.instruction, t.name).toBe(d.language);
      expect(t.bddlInstruction, t.name).toBe(d.bddl_language);
      expect(t.problemClass, t.name).toBe(d.problem);
      expect(Object.entries(t.fixtures), t.name).toEqual(d.fixtures.map((f) => [f.name, f.category]));
      expect(Object.entries(t.objects), t.name).toEqual(d.objects.map((o) => [o.name, o.category]));
      expect(t.objectsOfInterest, t.name).toEqual(d.obj_of_interest);
      expect(`(And ${t.goal.map(atomText).join(" ")})`, t.name).toBe(d.goal);
      expect(t.init.map(atomText), t.name).toEqual(d.init);
    }
  });

  it("region targets, ranges and yaw match the digest", () => {
    for (const [i, d] of digest.entries()) {
      const t = allTasks()[i];
      const expected = d.regions.map((r) => ({
        name: r.name,
        target: r.target,
        ranges: r.ranges_xmin_ymin_xmax_ymax ?? [],
        yaw: r.yaw_rotation?.[0] ?? null,
      }));
      expect(rounded(t.regions), t.name).toEqual(rounded(expected));
    }
  });

  it.each(listSuites())("every %s file parses to the task the module holds", (suite) => {
    for (const task of getSuite(suite).tasks) {
      const source = readFileSync(join(BDDL_DIR, suite, `${task.name}.bddl`), "utf8");
      const fromFile: TaskSpec = taskFromBddl(parseBddl(source, `${task.name}.bddl`), suite, task.id, task.name);
      expect(rounded(task), task.name).toEqual(rounded(fromFile));
    }
  });
});
