/**
 * `ensureDemos`: the demonstration datasets of a suite, made by the scripted expert in worker threads
 * (DESIGN.md "Datasets"): `perTask` successful episodes per task in `<root>/<suite>/task<id>.demos`, then the
 * suite's `dataset_statistics.json` beside them.
 *
 * - Which episodes are kept is selection.ts's rule, a pure function of the episodes' outcomes. Each outcome
 *   depends only on (seed, suite, task, init index, attempt), so the files are byte-identical whatever the
 *   number of workers or the order in which episodes finish.
 * - Tasks run in parallel across workers; within a task the walk is sequential, and idle workers run the
 *   next init indices ahead of it (selection.ts `lookahead`: first attempts, and retries of those that failed),
 *   at most as many as successes are still needed.
 * - Resume: a task whose file already holds the episodes this rule would keep (checked from its index,
 *   without the simulator), made at today's `SIM_REVISION` and under the same step limit, is left as it is.
 *   A task's file is written atomically when its last episode is kept, so an interrupted run keeps every
 *   finished task and leaves no half file.
 */
import { spawnTsWorker } from "../../sim/threads.ts";
import { existsSync } from "node:fs";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { DemoReader } from "../../sim/dataset/reader.ts";
import { DemoWriter } from "../../sim/dataset/writer.ts";
import { DEFAULT_DEMO_ROOT, IMAGE_BYTES, demoFilePath, type DemoEpisode, type EpisodeEntry } from "../../sim/dataset/format.ts";
import { writeSuiteStatistics } from "../../sim/dataset/stats.ts";
import { SIM_REVISION } from "../../sim/revision.ts";
import { getTask, maxSteps as suiteMaxSteps } from "../../sim/tasks/registry.ts";
import type { TaskSpec } from "../../sim/tasks/types.ts";
import { Interrupted, UserError } from "../cli/errors.ts";
import type { DemoWorkerResponse, EpisodeRequest, EpisodeResponse } from "./protocol.ts";
import {
  candidateKey, episodeSeed, lookahead, selectEpisodes, selectionRule,
  type Candidate, type SelectionRule, type SelectionState,
} from "./selection.ts";

export interface EnsureDemosOptions {
  suite: string;
  /** task ids of the suite */
  tasks: number[];
  /** successful episodes per task (1 = traj1) */
  perTask: number;
  /** dataset root; files go to `<root>/<suite>/` (default data/demos) */
  root?: string;
  /** the run's seed, 0..2³²−1: chooses the start index and every episode's sub-seed */
  seed: number;
  /** worker threads (default: the number of CPU cores) */
  workers?: number;
  /**
   * Counted steps an expert attempt may take to reach the goal, 1 up to the suite's step limit (the
   * default: 220–520, the length of the policy's episodes); an attempt not there by then is a failure. A
   * lower limit keeps only quicker demos, e.g. for a shorter RL horizon (`rl.maxSteps`). It decides which
   * episodes are kept, so it is part of the demos' identity: recorded in each file, and a file made under
   * another limit is made again.
   */
  maxSteps?: number;
  onProgress?: (event: DemoProgressEvent) => void;
  /** Aborting stops at once: in-flight episodes are dropped, finished task files kept. */
  signal?: AbortSignal;
  /**
   * A task whose demos the expert cannot make (it failed on every train init state) is reported with status
   * "missing" instead of ending the whole call with an error; the main job then trains on the other tasks.
   */
  allowMissing?: boolean;
}

export type DemoProgressEvent =
  /**
   * before any episode: the tasks that need generating (`replace`: those of them whose file exists but
   * holds other demos, e.g. from another seed or count, and will be overwritten) and the episodes to keep
   */
  | { kind: "start"; generate: number[]; keep: number[]; replace: number[]; episodes: number; workers: number }
  /** one expert episode finished and the walk used it (`kept`: it became a demo) */
  | { kind: "episode"; taskId: number; index: number; attempt: number; success: boolean; steps: number; kept: boolean }
  | { kind: "task"; result: TaskDemos };

export interface TaskDemos {
  taskId: number;
  path: string;
  /** episodes in the file (= perTask) */
  count: number;
  /** "kept": the file already held them; "generated": written by this call; "missing": the expert failed on
   * every train init state (only with `allowMissing`; no file is written) */
  status: "kept" | "generated" | "missing";
  /** expert episodes the rule used: the kept ones and the failures before them */
  attempts: number;
  /** mean counted steps of the kept episodes */
  meanSteps: number;
}

export interface EnsureDemosResult {
  tasks: TaskDemos[];
  /** `<root>/<suite>/dataset_statistics.json`, or null when every task is missing (nothing to measure) */
  statisticsPath: string | null;
}

export async function ensureDemos(opts: EnsureDemosOptions): Promise<EnsureDemosResult> {
  const root = opts.root ?? DEFAULT_DEMO_ROOT;
  const specs = opts.tasks.map((id) => getTask(opts.suite, id));
  if (new Set(opts.tasks).size !== opts.tasks.length) throw new Error(`Task ids ${opts.tasks.join(", ")} repeat one; give each task once.`);
  const maxSteps = demoStepLimit(opts.suite, opts.maxSteps);
  const results = new Map<number, TaskDemos>();
  const todo: TaskJob[] = [];
  for (const task of specs) {
    const rule = selectionRule(opts.seed, opts.suite, task.id, opts.perTask);
    const path = demoFilePath(root, opts.suite, task.id);
    const existing = await existingDemos(path, opts.seed, task, rule, maxSteps);
    if (existing) results.set(task.id, existing);
    else todo.push(new TaskJob(task, rule, path, opts.seed, maxSteps, existsSync(path)));
  }
  const workerCount = Math.max(1, Math.min(opts.workers ?? os.cpus().length, todo.length * opts.perTask));
  opts.onProgress?.({
    kind: "start", generate: todo.map((t) => t.task.id), keep: [...results.keys()], replace: todo.filter((t) => t.replaces).map((t) => t.task.id), episodes: todo.length * opts.perTask, workers: todo.length ? workerCount : 0,
  });
  for (const r of results.values()) opts.onProgress?.({ kind: "task", result: r });
  if (todo.length > 0) {
    const generated = await generate(todo, workerCount, opts);
    for (const r of generated) results.set(r.taskId, r);
  }
  const tasks = opts.tasks.map((id) => results.get(id)!);
  // With every task missing there is nothing to take statistics of (and no folder to write them into).
  if (tasks.every((t) => t.status === "missing")) return { tasks, statisticsPath: null };
  const { path: statisticsPath } = await writeSuiteStatistics(root, opts.suite);
  return { tasks, statisticsPath };
}

/** `maxSteps` checked against the suite's step limit, which it defaults to. */
export function demoStepLimit(suite: string, maxSteps: number | undefined): number {
  const limit = suiteMaxSteps(suite);
  if (maxSteps === undefined) return limit;
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1 || maxSteps > limit) {
    throw new Error(`maxSteps is ${maxSteps}; ${suite}'s episodes end after ${limit} steps, so use an integer 1..${limit}.`);
  }
  return maxSteps;
}

/**
 * The file's demos when they are exactly what `rule` would keep under `seed` and the step limit `maxSteps`
 * (right task, all successful, every sub-seed and init index as the walk gives them); otherwise null and
 * the task is made again.
 */
async function existingDemos(path: string, seed: number, task: TaskSpec, rule: SelectionRule, maxSteps: number): Promise<TaskDemos | null> {
  if (!existsSync(path)) return null;
  let entries: EpisodeEntry[];
  try {
    const reader = await DemoReader.open(path);
    const h = reader.header;
    await reader.close();
    if (h.suite !== task.suite || h.taskId !== task.id || h.wristImages) return null;
    // Made by another revision of the expert or the init states (or before revisions were recorded): the
    // same seeds would give other episodes now.
    if (h.simRevision !== SIM_REVISION) return null;
    // Under another step limit other attempts would have failed (or succeeded). Generators that did not
    // record the limit used the suite's.
    if ((h.maxSteps ?? suiteMaxSteps(task.suite)) !== maxSteps) return null;
    entries = h.episodes;
  } catch {
    return null; // a damaged or foreign file is replaced
  }
  const state = walkOfKept(rule, entries);
  const matches = state.done && !state.exhausted && state.kept.length === entries.length && entries.every((e, i) =>
    e.split === "train" && e.success && e.index === state.kept[i].index && e.attempt === state.kept[i].attempt &&
    e.seed === episodeSeed(seed, task.suite, task.id, e));
  if (!matches) return null;
  const steps = entries.reduce((sum, e) => sum + e.steps, 0);
  return { taskId: task.id, path, count: entries.length, status: "kept", attempts: state.attempts, meanSteps: steps / entries.length };
}

/** The walk in which exactly the `entries`' episodes succeeded: its attempts count the failures between them. */
export function walkOfKept(rule: SelectionRule, entries: Pick<EpisodeEntry, "index" | "attempt">[]): SelectionState {
  const kept = new Set(entries.map(candidateKey));
  return selectEpisodes(rule, (c) => kept.has(candidateKey(c)));
}

/** One task being generated: its walk, what is known and in flight, and its open file. */
class TaskJob {
  readonly outcomes = new Map<string, boolean>();
  readonly stepsOf = new Map<string, number>();
  /** successful episodes received but not yet reached by the walk */
  readonly waiting = new Map<string, DemoEpisode>();
  readonly inFlight = new Set<string>();
  writer: DemoWriter | null = null;
  state: SelectionState;
  added = 0;
  steps = 0;
  done = false;

  constructor(
    readonly task: TaskSpec, readonly rule: SelectionRule, readonly path: string, readonly seed: number, readonly maxSteps: number, readonly replaces: boolean,
  ) {
    this.state = this.walk();
  }

  walk(): SelectionState {
    return selectEpisodes(this.rule, (c) => this.outcomes.get(candidateKey(c)));
  }

  /** The episode the walk waits for, then look-ahead ones while fewer are in flight than demos are missing. */
  wanted(): { candidate: Candidate; required: boolean }[] {
    if (this.done) return [];
    const out: { candidate: Candidate; required: boolean }[] = [];
    const free = (c: Candidate) => !this.inFlight.has(candidateKey(c)) && !this.outcomes.has(candidateKey(c));
    const next = this.state.next;
    if (next && free(next)) out.push({ candidate: next, required: true });
    const missing = this.rule.perTask - this.state.kept.length;
    let room = missing - this.inFlight.size - out.length;
    if (room <= 0) return out;
    for (const c of lookahead(this.rule, this.state, this.rule.indices, (c) => this.outcomes.get(candidateKey(c)))) {
      if (room <= 0) break;
      if (!free(c)) continue;
      out.push({ candidate: c, required: false });
      room--;
    }
    return out;
  }

  episode(c: Candidate, r: EpisodeResponse): DemoEpisode {
    const images: Uint8Array[] = [];
    for (let s = 0; s < r.steps; s++) images.push(r.images.subarray(s * IMAGE_BYTES, (s + 1) * IMAGE_BYTES)); // S × [128·128·3]
    return {
      suite: this.task.suite, taskId: this.task.id, instruction: this.task.instruction, split: "train",
      index: c.index, attempt: c.attempt, seed: episodeSeed(this.seed, this.task.suite, this.task.id, c),
      success: true, images, actions: r.actions, proprio: r.proprio,
    };
  }
}

/** A demo worker: demoWorker.ts, or the bundle SIMPLEVLA_DEMO_WORKER names (sim/threads.ts). */
function spawnDemoWorker(): Worker {
  return spawnTsWorker(new URL("./demoWorker.ts", import.meta.url), "SIMPLEVLA_DEMO_WORKER");
}

interface WorkerSlot {
  worker: Worker;
  /** the task whose env this worker holds (it holds one at a time, demoWorker.ts says why) */
  task: number | null;
  busy: { job: TaskJob; candidate: Candidate; id: number } | null;
}

/** Runs the walks of `jobs` to the end on `workerCount` threads; resolves with one result per job. */
function generate(jobs: TaskJob[], workerCount: number, opts: EnsureDemosOptions): Promise<TaskDemos[]> {
  return new Promise<TaskDemos[]>((resolvePromise, rejectPromise) => {
    const slots: WorkerSlot[] = [];
    const results: TaskDemos[] = [];
    /** why each task that ran out of train init states is short (only without allowMissing) */
    const short: string[] = [];
    let nextId = 0;
    let finished = false;
    let handling = Promise.resolve();

    const finish = async (err: Error | null) => {
      if (finished) return;
      finished = true;
      opts.signal?.removeEventListener("abort", onAbort);
      await Promise.all(slots.map((s) => s.worker.terminate()));
      await Promise.all(jobs.map((j) => j.writer?.abort()));
      if (err) rejectPromise(err);
      else resolvePromise(jobs.map((j) => results.find((r) => r.taskId === j.task.id)!));
    };
    const fail = (err: unknown) => void finish(err instanceof Error ? err : new Error(String(err)));
    const onAbort = () => {
      const done = jobs.filter((j) => j.done).length;
      void finish(new Interrupted(`demo generation stopped with ${done} of ${jobs.length} tasks written; run the same command again to make the rest.`));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener("abort", onAbort);

    // Picks work for an idle worker: episodes the walks wait for before look-ahead ones, tasks whose env
    // this worker already has before others, then task order.
    const dispatch = (slot: WorkerSlot) => {
      if (finished || slot.busy) return;
      let best: { job: TaskJob; candidate: Candidate; score: number } | null = null;
      jobs.forEach((job, order) => {
        for (const w of job.wanted()) {
          const score = (w.required ? 0 : 2) + (slot.task === job.task.id ? 0 : 1) + order / (jobs.length + 1);
          if (!best || score < best.score) best = { job, candidate: w.candidate, score };
        }
      });
      if (!best) return;
      const { job, candidate } = best as { job: TaskJob; candidate: Candidate };
      const id = nextId++;
      job.inFlight.add(candidateKey(candidate));
      slot.task = job.task.id;
      slot.busy = { job, candidate, id };
      const request: EpisodeRequest = {
        type: "episode", id, suite: job.task.suite, taskId: job.task.id, candidate,
        seed: episodeSeed(job.seed, job.task.suite, job.task.id, candidate), maxSteps: job.maxSteps,
      };
      slot.worker.postMessage(request);
    };

    const onResult = async (slot: WorkerSlot, r: DemoWorkerResponse) => {
      const busy = slot.busy;
      if (!busy || busy.id !== r.id) throw new Error(`A demo worker answered request ${r.id}, which it was not running.`);
      slot.busy = null;
      if (r.type === "error") throw new Error(`The expert failed on ${busy.job.task.suite} task ${busy.job.task.id}, init ${busy.candidate.index}, attempt ${busy.candidate.attempt}:\n${r.message}`);
      const job = busy.job;
      const key = candidateKey(busy.candidate);
      job.inFlight.delete(key);
      if (!job.done) {
        job.outcomes.set(key, r.success);
        job.stepsOf.set(key, r.steps);
        if (r.success) job.waiting.set(key, job.episode(busy.candidate, r));
        await advance(job);
      }
      for (const s of slots) dispatch(s);
      if (jobs.every((j) => j.done)) {
        const written = results.filter((x) => x.status === "generated").length;
        await finish(short.length === 0 ? null : new UserError(
          `${short.join("\n")}\nThe demos of the other ${written} generated task(s) are written; ask for fewer per task (--per-task) for the short one(s).`));
      }
    };

    // Moves the task's walk over the new outcome: report the episodes it used (a look-ahead outcome that
    // arrived earlier is used once the walk reaches it), queue the newly kept ones into the file in walk
    // order, close the file when the walk ends.
    const advance = async (job: TaskJob) => {
      const before = job.state.attempts;
      job.state = job.walk();
      for (const c of job.state.used.slice(before)) {
        const key = candidateKey(c);
        const kept = job.state.kept.some((x) => candidateKey(x) === key);
        opts.onProgress?.({ kind: "episode", taskId: job.task.id, ...c, success: job.outcomes.get(key)!, steps: job.stepsOf.get(key)!, kept });
      }
      if (job.state.exhausted && opts.allowMissing) {
        const s = job.state;
        job.done = true;
        job.waiting.clear();
        await job.writer?.abort();
        const result: TaskDemos = { taskId: job.task.id, path: job.path, count: 0, status: "missing", attempts: s.attempts, meanSteps: NaN };
        results.push(result);
        opts.onProgress?.({ kind: "task", result });
        return;
      }
      if (job.state.exhausted) {
        // The other tasks go on and keep their files; the run fails at the end, naming every short task.
        const s = job.state;
        job.done = true;
        job.waiting.clear();
        await job.writer?.abort();
        short.push(
          `The expert could not make ${job.rule.perTask} demos of ${job.task.suite} task ${job.task.id} ("${job.task.instruction}"): ` +
          `${s.kept.length} successes in ${s.attempts} attempts (${(100 * s.kept.length / s.attempts).toFixed(0)}%) over all ${job.rule.indices} train init states, ` +
          `each attempt given ${job.maxSteps} steps.`);
        return;
      }
      job.writer ??= await DemoWriter.open(job.path, {
        suite: job.task.suite, taskId: job.task.id, taskName: job.task.name, instruction: job.task.instruction, wristImages: false,
        simRevision: SIM_REVISION, maxSteps: job.maxSteps,
      });
      while (job.added < job.state.kept.length) {
        const k = candidateKey(job.state.kept[job.added]);
        const ep = job.waiting.get(k)!;
        job.waiting.delete(k);
        await job.writer.addEpisode(ep);
        job.steps += ep.actions.length / 7;
        job.added++;
      }
      if (job.state.done) {
        job.done = true;
        job.waiting.clear();
        await job.writer.close();
        const result: TaskDemos = {
          taskId: job.task.id, path: job.path, count: job.added, status: "generated", attempts: job.state.attempts, meanSteps: job.steps / job.added,
        };
        results.push(result);
        opts.onProgress?.({ kind: "task", result });
      }
    };

    for (let w = 0; w < workerCount; w++) {
      const slot: WorkerSlot = { worker: spawnDemoWorker(), task: null, busy: null };
      // Answers are handled one at a time: a task's walk and file must not be advanced by two at once.
      slot.worker.on("message", (r: DemoWorkerResponse) => {
        handling = handling.then(() => (finished ? undefined : onResult(slot, r))).catch(fail);
      });
      slot.worker.on("error", (err) => fail(new Error(`A demo worker thread crashed: ${err.stack ?? err.message}`)));
      slot.worker.on("exit", (code) => {
        if (!finished) fail(new Error(`A demo worker thread exited with code ${code} before the demos were done.`));
      });
      slots.push(slot);
    }
    for (const s of slots) dispatch(s);
  });
}
