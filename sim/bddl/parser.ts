/**
 * A reader for LIBERO's BDDL task files:
 *
 *   (define (problem LIBERO_Kitchen_Tabletop_Manipulation)
 *     (:domain robosuite)
 *     (:language turn on the stove)
 *     (:regions (cook_region (:target flat_stove_1)) (stove_init_region (:target kitchen_table)
 *                (:ranges ((-0.21 0.19 -0.19 0.21))) (:yaw_rotation ((0 0)))))
 *     (:fixtures kitchen_table - kitchen_table flat_stove_1 - flat_stove)
 *     (:objects moka_pot_1 - moka_pot)
 *     (:obj_of_interest flat_stove_1)
 *     (:init (On flat_stove_1 kitchen_table_stove_init_region))
 *     (:goal (And (Turnon flat_stove_1))))
 *
 * into a typed `BddlProblem`. Anything malformed or unknown is an error naming the line and what would be
 * right, so that people writing their own tasks find mistakes at once. Predicate names are read
 * case-insensitively (LIBERO lower-cases them) and stored in their canonical spelling (`On`, `Turnon`).
 *
 * Every atom argument must name a declared fixture, object or region (`<target>_<region>`); LIBERO fails
 * later and less clearly when it does not.
 */
import { ATOM_ARITY, ATOM_OPS, type Atom, type AtomOp, type Rect } from "../tasks/types.ts";
import { BddlSyntaxError, readSExpressions, showSExpr, type SAtom, type SExpr, type SList } from "./sexpr.ts";

export { BddlSyntaxError } from "./sexpr.ts";

export interface BddlRegion {
  readonly name: string;
  /** Null only when the file gives no `(:target …)`; LIBERO requires one for sampling and predicates. */
  readonly target: string | null;
  readonly ranges: readonly Rect[];
  /** Rows of `(min max)` yaw in radians, as written. */
  readonly yawRotation: readonly (readonly [number, number])[];
  readonly rgba: readonly [number, number, number, number] | null;
}

export interface BddlProblem {
  /** The `(problem …)` name, which LIBERO uses as the problem class. */
  readonly problemClass: string;
  readonly domain: string;
  /** The `(:language …)` words joined by single spaces. */
  readonly language: string;
  readonly regions: readonly BddlRegion[];
  /** Instance → category, in file order. */
  readonly fixtures: Readonly<Record<string, string>>;
  /** Instance → category, in file order. */
  readonly objects: Readonly<Record<string, string>>;
  readonly objectsOfInterest: readonly string[];
  readonly init: readonly Atom[];
  readonly goal: readonly Atom[];
}

const SECTIONS = [":domain", ":language", ":regions", ":fixtures", ":objects", ":obj_of_interest", ":init", ":goal"];
const REQUIRED_SECTIONS = [":domain", ":language", ":fixtures", ":objects", ":init", ":goal"];
const REGION_KEYS = [":target", ":ranges", ":yaw_rotation", ":rgba"];

/** Parses one BDDL file. `fileName` only labels error messages. */
export function parseBddl(source: string, fileName?: string): BddlProblem {
  const fail = (message: string, line: number): never => {
    throw new BddlSyntaxError(message, line, fileName);
  };
  const top = readSExpressions(source, fileName);
  if (top.length !== 1 || top[0].kind !== "list" || headText(top[0]) !== "define") {
    fail("a BDDL file holds exactly one `(define (problem NAME) …)` form", top[0]?.line ?? 1);
  }
  const define = top[0] as SList;
  const problemForm = define.items[1];
  if (problemForm?.kind !== "list" || headText(problemForm) !== "problem" || problemForm.items.length !== 2) {
    fail("`define` must start with `(problem NAME)`", problemForm?.line ?? define.line);
  }
  const problemClass = atomText(problemForm as SList, 1, "the problem name", fail);

  const sections = new Map<string, SList>();
  for (const form of define.items.slice(2)) {
    const key = form.kind === "list" ? headText(form) : null;
    if (form.kind !== "list" || key === null || !SECTIONS.includes(key)) {
      fail(`unknown section ${showSExpr(form)}; expected one of ${SECTIONS.join(", ")}`, form.line);
    }
    if (sections.has(key as string)) fail(`section ${key} appears twice`, form.line);
    sections.set(key as string, form as SList);
  }
  for (const key of REQUIRED_SECTIONS) {
    if (!sections.has(key)) fail(`the problem has no (${key} …) section`, define.line);
  }

  const domain = atomText(sections.get(":domain")!, 1, "the domain name", fail);
  const languageForm = sections.get(":language")!;
  const words = languageForm.items.slice(1);
  if (words.length === 0 || words.some((w) => w.kind !== "atom")) {
    fail("(:language …) must hold the instruction as plain words", languageForm.line);
  }
  const language = (words as SAtom[]).map((w) => w.text).join(" ");

  const regionsForm = sections.get(":regions");
  const regions = regionsForm ? regionsForm.items.slice(1).map((r) => readRegion(r, fail)) : [];
  const fullNames = new Set<string>();
  regions.forEach((r, i) => {
    const full = `${r.target}_${r.name}`;
    if (fullNames.has(full)) fail(`region ${r.name} of ${r.target} is declared twice`, regionsForm!.items[i + 1].line);
    fullNames.add(full);
  });
  const fixtures = readTypedNames(sections.get(":fixtures")!, fail);
  const objects = readTypedNames(sections.get(":objects")!, fail);
  const interestForm = sections.get(":obj_of_interest");
  const objectsOfInterest = interestForm ? interestForm.items.slice(1).map((n) => nameOf(n, "an instance or region name", fail)) : [];

  const known = knownNames(fixtures, objects, regions);
  const init = sections.get(":init")!.items.slice(1).map((a) => readAtom(a, known, fail));
  const goal = readGoal(sections.get(":goal")!, known, fail);
  for (const node of interestForm?.items.slice(1) ?? []) {
    if (!known.has((node as SAtom).text)) fail(`obj_of_interest names ${(node as SAtom).text}, which is not declared`, node.line);
  }
  return { problemClass, domain, language, regions, fixtures, objects, objectsOfInterest, init, goal };
}

type Fail = (message: string, line: number) => never;

function headText(list: SList): string | null {
  const head = list.items[0];
  return head?.kind === "atom" ? head.text.toLowerCase() : null;
}

function atomText(list: SList, index: number, what: string, fail: Fail): string {
  const node = list.items[index];
  if (node?.kind !== "atom") return fail(`expected ${what} in ${showSExpr(list)}`, node?.line ?? list.line);
  return node.text;
}

function nameOf(node: SExpr, what: string, fail: Fail): string {
  if (node.kind !== "atom") return fail(`expected ${what}, found the list ${showSExpr(node)}`, node.line);
  return node.text;
}

function numberOf(node: SExpr, what: string, fail: Fail): number {
  const value = node.kind === "atom" ? Number(node.text) : NaN;
  if (!Number.isFinite(value)) return fail(`expected a number for ${what}, found ${showSExpr(node)}`, node.line);
  return value;
}

/** `(xmin ymin xmax ymax)`-style rows of exactly `width` numbers. */
function numberRows(form: SList, width: number, what: string, fail: Fail): number[][] {
  const body = form.items[1];
  if (form.items.length !== 2 || body.kind !== "list") {
    return fail(`${showSExpr(form.items[0])} takes one list of rows, e.g. ((${Array(width).fill("n").join(" ")}))`, form.line);
  }
  return body.items.map((row) => {
    if (row.kind !== "list" || row.items.length !== width) {
      return fail(`each ${what} row needs ${width} numbers, found ${showSExpr(row)}`, row.line);
    }
    return row.items.map((n) => numberOf(n, what, fail));
  });
}

function readRegion(node: SExpr, fail: Fail): BddlRegion {
  if (node.kind !== "list" || node.items[0]?.kind !== "atom") {
    return fail(`a region is written (NAME (:target T) …), found ${showSExpr(node)}`, node.line);
  }
  const name = (node.items[0] as SAtom).text;
  let target: string | null = null;
  let ranges: Rect[] = [];
  let yawRotation: [number, number][] = [];
  let rgba: [number, number, number, number] | null = null;
  for (const prop of node.items.slice(1)) {
    const key = prop.kind === "list" ? headText(prop) : null;
    if (prop.kind !== "list" || key === null || !REGION_KEYS.includes(key)) {
      return fail(`region ${name}: unknown property ${showSExpr(prop)}; expected one of ${REGION_KEYS.join(", ")}`, prop.line);
    }
    if (key === ":target") {
      target = atomText(prop, 1, `the target of region ${name}`, fail);
    } else if (key === ":ranges") {
      ranges = numberRows(prop, 4, `region ${name} range`, fail).map((r) => {
        if (r[0] > r[2] || r[1] > r[3]) fail(`region ${name}: a range is (xmin ymin xmax ymax) with min ≤ max, found (${r.join(" ")})`, prop.line);
        return [r[0], r[1], r[2], r[3]] as const;
      });
    } else if (key === ":yaw_rotation") {
      yawRotation = numberRows(prop, 2, `region ${name} yaw_rotation`, fail).map((r) => {
        if (r[0] > r[1]) fail(`region ${name}: a yaw_rotation row is (min max) with min ≤ max, found (${r.join(" ")})`, prop.line);
        return [r[0], r[1]] as [number, number];
      });
    } else {
      const body = prop.items[1];
      if (prop.items.length !== 2 || body.kind !== "list" || body.items.length !== 4) {
        return fail(`region ${name}: rgba is written (:rgba (r g b a)) with four numbers in 0..1`, prop.line);
      }
      const c = body.items.map((n) => numberOf(n, `region ${name} rgba`, fail));
      rgba = [c[0], c[1], c[2], c[3]];
    }
  }
  return { name, target, ranges, yawRotation, rgba };
}

/**
 * `(:fixtures a - cat b c - cat2 …)`: PDDL typed lists, where several instances may share one category
 * (`akita_black_bowl_1 akita_black_bowl_2 - akita_black_bowl`).
 */
function readTypedNames(form: SList, fail: Fail): Record<string, string> {
  const section = headText(form);
  const result: Record<string, string> = {};
  let pending: SAtom[] = [];
  const items = form.items.slice(1);
  for (let i = 0; i < items.length; i++) {
    const node = items[i];
    if (node.kind !== "atom") return fail(`(${section} …) lists "instance… - category" entries, found ${showSExpr(node)}`, node.line);
    if (node.text !== "-") {
      pending.push(node);
      continue;
    }
    const category = items[i + 1];
    if (pending.length === 0 || category?.kind !== "atom" || category.text === "-") {
      return fail(`(${section} …) lists "instance… - category" entries, e.g. "plate_1 plate_2 - plate"`, node.line);
    }
    for (const instance of pending) {
      if (instance.text in result) fail(`${instance.text} is declared twice`, instance.line);
      result[instance.text] = category.text;
    }
    pending = [];
    i++;
  }
  if (pending.length > 0) {
    fail(`${pending.map((n) => n.text).join(" ")} in (${section} …) has no "- category"`, pending[0].line);
  }
  return result;
}

/** Every name an atom may use: fixtures, objects and full region names `<target>_<region>`. */
function knownNames(
  fixtures: Record<string, string>,
  objects: Record<string, string>,
  regions: readonly BddlRegion[],
): Set<string> {
  const names = new Set([...Object.keys(fixtures), ...Object.keys(objects)]);
  for (const r of regions) if (r.target !== null) names.add(`${r.target}_${r.name}`);
  return names;
}

function readAtom(node: SExpr, known: Set<string>, fail: Fail): Atom {
  if (node.kind !== "list" || node.items[0]?.kind !== "atom") {
    return fail(`expected a predicate such as (On a b), found ${showSExpr(node)}`, node.line);
  }
  const written = (node.items[0] as SAtom).text;
  const op = ATOM_OPS.find((o) => o.toLowerCase() === written.toLowerCase()) as AtomOp | undefined;
  if (op === undefined) {
    return fail(`unknown predicate ${written}; expected one of ${ATOM_OPS.join(", ")}`, node.line);
  }
  const args = node.items.slice(1).map((a) => nameOf(a, `a name as argument of ${op}`, fail));
  if (args.length !== ATOM_ARITY[op]) {
    fail(`${op} takes ${ATOM_ARITY[op]} argument(s), found ${showSExpr(node)}`, node.line);
  }
  for (const arg of args) {
    if (!known.has(arg)) {
      fail(`${showSExpr(node)} names ${arg}, which is no declared fixture, object or region <target>_<region>`, node.line);
    }
  }
  return { op, args };
}

/** `(:goal (And atom…))`; a single bare atom is accepted as a one-atom conjunction. */
function readGoal(form: SList, known: Set<string>, fail: Fail): Atom[] {
  if (form.items.length !== 2) return fail("(:goal …) holds one formula, e.g. (:goal (And (On a b)))", form.line);
  const formula = form.items[1];
  if (formula.kind === "list" && headText(formula) === "and") {
    return formula.items.slice(1).map((a) => readAtom(a, known, fail));
  }
  if (formula.kind === "list" && (headText(formula) === "or" || headText(formula) === "not")) {
    return fail(`goals are conjunctions of atoms; ${showSExpr(formula.items[0])} is not supported`, formula.line);
  }
  return [readAtom(formula, known, fail)];
}
