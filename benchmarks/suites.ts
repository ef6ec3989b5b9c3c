/**
 * `npm run bench -- suites [--suites libero_spatial,...] [--tasks-per-suite N] [--states N] [--quick]`: what
 * the LIBERO task scenes cost and how their init states compare with LIBERO's.
 *
 * Per task: time to build the scene (compile + env), to draw and settle one init state (`--states 100` draws
 * all 50 train and 50 held-out states of every task, and counts those the sampler could not make valid), to reset to the
 * first observation (mj_resetData, fixtures, 10 wait steps, one render), and control steps/s with OSC and one
 * render per 8-step chunk. Per suite: the spread (max − min over the drawn train states) of each object's xy
 * position, averaged over objects, beside the same spread in LIBERO's stored init states when the reference
 * summary is present (`../shared/reference/libero/libero_init_states_summary.json`; the project itself never
 * reads it). Targets (issue: task suites): reset < 50 ms; control steps/s within 2× of the robot-only scene.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeTaskEnv } from "../sim/tasks/taskEnv.ts";
import { getSuite, listSuites } from "../sim/tasks/registry.ts";
import { machineLine, printTable, type Cell } from "./lib/table.ts";
import { flag } from "./lib/args.ts";

const quick = process.argv.includes("--quick");
const suites = flag("suites", quick ? "libero_spatial,libero_10" : listSuites().join(",")).split(",");
const tasksPerSuite = Number(flag("tasks-per-suite", quick ? "2" : "100"));
const states = Number(flag("states", quick ? "3" : "10"));
if (!(states >= 1 && states <= 100)) throw new Error(`--states takes 1..100 (50 train then 50 held-out per task), got ${flag("states", "")}.`);

const REFERENCE = join(process.cwd(), "..", "shared", "reference", "libero", "libero_init_states_summary.json");
type Summary = Record<string, { objects: Record<string, { xyz_min: number[]; xyz_max: number[] }> }>;
const reference: Summary | null = existsSync(REFERENCE) ? (JSON.parse(readFileSync(REFERENCE, "utf8")) as Summary) : null;

const ms = (t0: number) => performance.now() - t0;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

console.log(machineLine());
const summary: Cell[][] = [];
for (const suite of suites) {
  const rows: Cell[][] = [];
  const ourSpread: number[] = [];
  const theirSpread: number[] = [];
  let failures = 0;
  for (const task of getSuite(suite).tasks.slice(0, tasksPerSuite)) {
    let t0 = performance.now();
    const te = await makeTaskEnv(suite, task.id);
    const build = ms(t0);
    // init states: the first draw, then the rest (each settled; counted failures are states the sampler gave up on)
    const xy = new Map<string, number[][]>();
    let sampleMs = 0;
    for (let i = 0; i < states; i++) {
      t0 = performance.now();
      try {
        // the first 50 are the train states, the next 50 the held-out ones
        const s = i < 50 ? te.initState("train", i) : te.initState("heldout", i - 50);
        sampleMs += ms(t0);
        te.env.reset(s);
        for (const o of te.scene.objects) {
          const p = te.world.bodyPos(o.body);
          if (!xy.has(o.instance)) xy.set(o.instance, []);
          xy.get(o.instance)!.push([p[0], p[1]]);
        }
      } catch {
        failures++;
      }
    }
    // reset to first observation, from cached init states
    const resets: number[] = [];
    for (let i = 0; i < Math.min(states, 5); i++) {
      const s = te.initState("train", i);
      t0 = performance.now();
      te.env.reset(s);
      resets.push(ms(t0));
    }
    // control steps with one render per 8-step chunk
    te.env.reset(te.initState("train", 0));
    const chunk = new Float32Array(56).map((_, k) => (k % 7 === 6 ? -1 : 0.3 * Math.sin(k)));
    let steps = 0;
    t0 = performance.now();
    while (steps < 96 && !te.env.done) steps += te.env.stepChunk(chunk).stepsExecuted;
    const stepsPerS = (1000 * steps) / ms(t0);
    for (const [instance, pts] of xy) {
      const spread = Math.max(...[0, 1].map((k) => Math.max(...pts.map((p) => p[k])) - Math.min(...pts.map((p) => p[k]))));
      ourSpread.push(spread);
      const ref = reference?.[`${suite}/${task.name}`]?.objects[instance];
      if (ref) theirSpread.push(Math.max(ref.xyz_max[0] - ref.xyz_min[0], ref.xyz_max[1] - ref.xyz_min[1]));
    }
    rows.push([task.id, te.scene.objects.length, te.scene.fixtures.length, build, sampleMs / states, mean(resets), stepsPerS]);
    te.dispose();
  }
  printTable(
    `suites: ${suite} (${rows.length} tasks, ${states} init states each)`,
    ["task", "objects", "fixtures", "build ms", "draw+settle ms / state", "reset → first obs ms", "control steps/s (render per chunk)"],
    rows,
    [`init states the sampler gave up on: ${failures}.`],
  );
  summary.push([
    suite, mean(rows.map((r) => r[5] as number)), mean(rows.map((r) => r[6] as number)),
    `${(100 * mean(ourSpread)).toFixed(1)} cm`, reference ? `${(100 * mean(theirSpread)).toFixed(1)} cm` : "reference absent",
  ]);
}
printTable(
  "suites: summary",
  ["suite", "mean reset ms", "mean control steps/s", "object xy spread, ours", "LIBERO's stored states"],
  summary,
  ["Spread = max − min of an object's x or y (the larger) over the drawn train states, averaged over objects (LIBERO's over its 50 stored states). Robot-only scene: see `npm run bench -- sim`."],
);
