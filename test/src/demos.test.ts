import fc from "fast-check";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parseDemosArgs, taskTable } from "../../src/cli/demos.ts";
import { UserError } from "../../src/cli/errors.ts";
import { ensureDemos, walkOfKept, type DemoProgressEvent } from "../../src/demos/generate.ts";
import {
  candidateKey, episodeSeed, lookahead, selectEpisodes, selectionRule, startIndex, type Candidate, type SelectionRule,
} from "../../src/demos/selection.ts";
import { DemoReader } from "../../sim/dataset/reader.ts";
import { DemoWriter } from "../../sim/dataset/writer.ts";
import { SIM_REVISION } from "../../sim/revision.ts";
import { demoFilePath } from "../../sim/dataset/format.ts";

const rule = (start: number, perTask: number): SelectionRule => ({ start, perTask, indices: 50, maxAttempts: 3 });

/** Outcomes from a table "index/attempt" → success; anything not listed has not run yet. */
const table = (t: Record<string, boolean>) => (c: Candidate) => t[`${c.index}/${c.attempt}`];
const keys = (cs: Candidate[]) => cs.map((c) => `${c.index}/${c.attempt}`);

describe("selectEpisodes (the retry rule, without the simulator)", () => {
  it("keeps the first success of each index and wraps from 49 to 0", () => {
    const s = selectEpisodes(rule(48, 3), () => true);
    expect(keys(s.kept)).toEqual(["48/0", "49/0", "0/0"]);
    expect(s).toMatchObject({ done: true, exhausted: false, attempts: 3 });
  });

  it("retries a failed index with its next attempt, and moves on after 3 failures", () => {
    // 48/0 ✗, 48/1 ✓ (kept), 49/0 ✗ 49/1 ✗ 49/2 ✗ (index given up), 0/0 ✓ (kept): 6 attempts
    const s = selectEpisodes(rule(48, 2), table({ "48/0": false, "48/1": true, "49/0": false, "49/1": false, "49/2": false, "0/0": true }));
    expect(keys(s.kept)).toEqual(["48/1", "0/0"]);
    expect(keys(s.used)).toEqual(["48/0", "48/1", "49/0", "49/1", "49/2", "0/0"]);
    expect(s.attempts).toBe(6);
    expect(s.done).toBe(true);
  });

  it("waits for the episode the walk needs next, whatever ran ahead", () => {
    // 5/0 is not known yet; 6/0 and 7/0 (run ahead) are, but cannot be used before 5 is decided
    const s = selectEpisodes(rule(5, 2), table({ "6/0": true, "7/0": true }));
    expect(s.next).toEqual({ index: 5, attempt: 0 });
    expect(s.kept).toEqual([]);
    expect(s.done).toBe(false);
    const after = selectEpisodes(rule(5, 2), table({ "5/0": false, "6/0": true, "7/0": true }));
    expect(after.next).toEqual({ index: 5, attempt: 1 });
  });

  it("an expert that always fails exhausts all 50 indices after 150 attempts", () => {
    const s = selectEpisodes(rule(0, 1), () => false);
    expect(s).toMatchObject({ done: true, exhausted: true, attempts: 150, kept: [] });
  });

  it("look-ahead proposes attempt 0 of the indices after the walk's position", () => {
    const r = rule(48, 5);
    const s = selectEpisodes(r, table({ "48/0": false }));
    expect(keys(lookahead(r, s, 3))).toEqual(["49/0", "0/0", "1/0"]);
  });

  it("look-ahead retries an index ahead whose earlier attempts failed, and skips one that has a success", () => {
    // 49/0 failed: 49/1 next; 0/0 succeeded: nothing more on 0; 1/0 and 1/1 failed: 1/2
    const outcomes = table({ "48/0": false, "49/0": false, "0/0": true, "1/0": false, "1/1": false });
    const r = rule(48, 5);
    expect(keys(lookahead(r, selectEpisodes(r, outcomes), 3, outcomes))).toEqual(["49/1", "1/2", "2/0"]);
  });

  it("the outcomes-in-file reconstruct the walk: same kept episodes, same attempt count (resume)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 49 }), fc.integer({ min: 1, max: 6 }), fc.array(fc.boolean(), { minLength: 150, maxLength: 150 }), (start, perTask, bits) => {
        const r = rule(start, perTask);
        const s = selectEpisodes(r, (c) => bits[3 * c.index + c.attempt]);
        if (s.exhausted) return;
        const again = walkOfKept(r, s.kept);
        expect(again.kept).toEqual(s.kept);
        expect(again.attempts).toBe(s.attempts);
        expect(new Set(s.kept.map((c) => c.index)).size).toBe(perTask);
      }),
    );
  });

  it("seeds: the start index and sub-seeds come from the seed and the episode's identity", () => {
    expect(startIndex(7, "libero_10", 3)).toBe(startIndex(7, "libero_10", 3));
    const starts = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((seed) => startIndex(seed, "libero_10", 3)));
    expect(starts.size).toBeGreaterThan(4);
    const a = episodeSeed(0, "libero_10", 3, { index: 4, attempt: 0 });
    expect(episodeSeed(0, "libero_10", 3, { index: 4, attempt: 1 })).not.toBe(a);
    expect(episodeSeed(1, "libero_10", 3, { index: 4, attempt: 0 })).not.toBe(a);
    expect(selectionRule(0, "libero_10", 3, 1).start).toBe(startIndex(0, "libero_10", 3));
    expect(() => selectionRule(0, "libero_10", 3, 51)).toThrow(/1\.\.50/);
    expect(candidateKey({ index: 3, attempt: 1 })).toBe("3:1");
  });
});

describe("ensureDemos on libero_spatial task 0", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "demos-test-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const rootA = path.join(tmp, "a");
  const rootB = path.join(tmp, "b");
  const opts = { suite: "libero_spatial", tasks: [0], perTask: 2, seed: 3 };

  it("1 and 2 workers give byte-identical files (2 demos, so the second worker runs one ahead)", async () => {
    const events: DemoProgressEvent[] = [];
    const a = await ensureDemos({ ...opts, root: rootA, workers: 1, onProgress: (e) => events.push(e) });
    const b = await ensureDemos({ ...opts, root: rootB, workers: 2 });
    const file = demoFilePath(rootA, "libero_spatial", 0);
    expect(a.tasks[0]).toMatchObject({ taskId: 0, path: file, count: 2, status: "generated" });
    expect(readFileSync(file).equals(readFileSync(b.tasks[0].path))).toBe(true);
    expect(readFileSync(a.statisticsPath!).equals(readFileSync(b.statisticsPath!))).toBe(true);
    expect(events[0]).toMatchObject({ kind: "start", generate: [0], keep: [], replace: [], episodes: 2, workers: 1 });
    expect(events.filter((e) => e.kind === "episode" && e.kept)).toHaveLength(2);

    const reader = await DemoReader.open(file);
    try {
      const [e0, e1] = reader.header.episodes;
      const start = startIndex(3, "libero_spatial", 0);
      expect(e0.index).toBe(start);
      expect(e0.seed).toBe(episodeSeed(3, "libero_spatial", 0, e0));
      expect(e1.index).not.toBe(e0.index);
      expect(reader.header.episodes.every((e) => e.success && e.split === "train")).toBe(true);
    } finally {
      await reader.close();
    }
  }, 90_000);

  it("resume keeps a finished task: no episode runs, the file is untouched", async () => {
    const file = demoFilePath(rootA, "libero_spatial", 0);
    const before = statSync(file);
    const bytes = readFileSync(file);
    const events: DemoProgressEvent[] = [];
    const r = await ensureDemos({ ...opts, root: rootA, workers: 2, onProgress: (e) => events.push(e) });
    expect(r.tasks[0].status).toBe("kept");
    expect(r.tasks[0].count).toBe(2);
    expect(events[0]).toMatchObject({ kind: "start", generate: [], keep: [0], replace: [], episodes: 0 });
    expect(events.some((e) => e.kind === "episode")).toBe(false);
    expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
    expect(readFileSync(file).equals(bytes)).toBe(true);
  });

  it("a file of the same episodes from another SIM_REVISION (or none) is made again", async () => {
    const good = demoFilePath(rootA, "libero_spatial", 0);
    const simRevisionOf = async (file: string) => {
      const r = await DemoReader.open(file);
      await r.close();
      return r.header.simRevision;
    };
    expect(await simRevisionOf(good)).toBe(SIM_REVISION);
    const rootC = path.join(tmp, "c");
    const stale = demoFilePath(rootC, "libero_spatial", 0);
    mkdirSync(path.dirname(stale), { recursive: true });
    // the same episodes and seeds, written as a file from before revisions were recorded
    const reader = await DemoReader.open(good);
    const { simRevision: _, ...meta } = reader.meta;
    const writer = await DemoWriter.open(stale, meta);
    for await (const ep of reader.episodes()) await writer.addEpisode(ep);
    await writer.close();
    await reader.close();
    expect(await simRevisionOf(stale)).toBeUndefined();

    const events: DemoProgressEvent[] = [];
    const r = await ensureDemos({ ...opts, root: rootC, workers: 2, onProgress: (e) => events.push(e) });
    expect(events[0]).toMatchObject({ kind: "start", generate: [0], keep: [], replace: [0], episodes: 2 });
    expect(r.tasks[0].status).toBe("generated");
    expect(readFileSync(stale).equals(readFileSync(good))).toBe(true);
  }, 90_000);
});

describe("npm run demos: flags", () => {
  const userError = (argv: string[]) => {
    try {
      parseDemosArgs(argv);
    } catch (err) {
      expect(err).toBeInstanceOf(UserError);
      return (err as Error).message;
    }
    throw new Error(`no error for ${argv.join(" ")}`);
  };

  it("an unknown suite is a UserError listing the five suites", () => {
    expect(userError(["--suite", "libero_100"])).toBe(
      'Unknown suite "libero_100"; the suites are libero_spatial, libero_object, libero_goal, libero_10, libero_90.');
  });

  it("missing --suite, bad tasks, counts and unknown flags are UserErrors", () => {
    expect(userError([])).toMatch(/--suite is required/);
    expect(userError(["--suite", "libero_10", "--tasks", "0,10"])).toMatch(/"10" is not a task of libero_10; give ids 0\.\.9/);
    expect(userError(["--suite", "libero_10", "--tasks", "1,1"])).toMatch(/twice/);
    expect(userError(["--suite", "libero_10", "--per-task", "0"])).toMatch(/--per-task is "0"; use an integer 1\.\.50/);
    expect(userError(["--suite", "libero_10", "--seed", "-1"])).toMatch(/--seed/);
    expect(userError(["--suite", "libero_10", "--frobnicate"])).toMatch(/Unknown option '--frobnicate'/);
    expect(userError(["--suite", "libero_spatial", "--max-steps", "221"])).toMatch(/--max-steps is "221"; use an integer 1\.\.220/);
    expect(userError(["--suite", "libero_10", "--max-steps", "0"])).toMatch(/--max-steps/);
  });

  it("defaults: all tasks, 1 per task, data/demos, seed 0, the suite's step limit", () => {
    expect(parseDemosArgs(["--suite", "libero_goal"])).toMatchObject({
      suite: "libero_goal", tasks: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], perTask: 1, out: "data/demos", seed: 0, maxSteps: 300,
    });
    expect(parseDemosArgs(["--suite", "libero_10", "--max-steps", "200"])).toMatchObject({ maxSteps: 200 });
    expect(parseDemosArgs(["--suite", "libero_90", "--tasks", "3,5", "--workers", "2"])).toMatchObject({ tasks: [3, 5], workers: 2 });
    expect(parseDemosArgs(["--help"])).toBe("help");
  });

  it("the table gives the expert's successes over attempts per task and in all", () => {
    const text = taskTable([
      { taskId: 0, path: "x", count: 1, status: "generated", attempts: 2, meanSteps: 120 },
      { taskId: 4, path: "y", count: 1, status: "kept", attempts: 1, meanSteps: 80.5 },
    ], (id) => `task ${id}`);
    const lines = text.trim().split("\n");
    expect(lines[1]).toMatch(/^0\s+generated\s+1\s+1\/2\s+50%\s+120\.0\s+task 0$/);
    expect(lines[3]).toMatch(/^all\s+2\s+2\/3\s+67%$/);
  });
});

describe("a task the expert cannot demonstrate", () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "demos-missing-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  // libero_90 task 21, "turn on the stove and put the frying pan on it", is task 20 ("turn on the stove": 63–72
  // steps over its 50 train init states) and a pick and place after it (~270 steps in all). Within 80 steps an
  // attempt the expert makes demos of 20 and none of 21: the step limit, not a gap in the expert, makes 21
  // undemonstrable, and its 150 attempts stop at 80 steps each. Two demos per task let both workers run them:
  // about 14 s a test on a quiet 2-core machine (the limits leave room for a busy one).
  const maxSteps = 80;
  const base = { suite: "libero_90", perTask: 2, root: tmp, seed: 0, workers: 2, maxSteps };

  it("with allowMissing is reported as missing after every train init state failed, and no file is written", async () => {
    const r = await ensureDemos({ ...base, tasks: [21], allowMissing: true });
    expect(r.tasks).toHaveLength(1);
    expect(r.tasks[0]).toMatchObject({ taskId: 21, status: "missing", count: 0, attempts: 150 });
    expect(() => statSync(demoFilePath(tmp, "libero_90", 21))).toThrow();
    expect(r.statisticsPath).toBeNull();
  }, 120_000);

  it("without allowMissing the other tasks still write their demos, then the run fails naming the short task", async () => {
    const run = ensureDemos({ ...base, tasks: [21, 20] });
    await expect(run).rejects.toThrow(
      /could not make 2 demos of libero_90 task 21 \("turn on the stove and put the frying pan on it"\): 0 successes in 150 attempts[\s\S]*given 80 steps[\s\S]*other 1 generated task/);
    expect(() => statSync(demoFilePath(tmp, "libero_90", 21))).toThrow();
    const reader = await DemoReader.open(demoFilePath(tmp, "libero_90", 20));
    expect(reader.episodeCount).toBe(2);
    expect(reader.meta.maxSteps).toBe(maxSteps);
    expect(reader.header.episodes.every((e) => e.success && e.steps <= maxSteps)).toBe(true);
    await reader.close();
  }, 120_000);

  it("the step limit is part of the demos' identity: the same limit keeps the file, another makes it again", async () => {
    const startOf = async (limit: number | undefined) => {
      const abort = new AbortController();
      let start: DemoProgressEvent | undefined;
      const run = ensureDemos({ ...base, maxSteps: limit, tasks: [20], signal: abort.signal, onProgress: (e) => {
        if (e.kind !== "start") return;
        start = e;
        abort.abort(); // stop before any episode runs: only the decision is looked at
      } });
      await run.catch(() => undefined);
      return start;
    };
    expect(await startOf(maxSteps)).toMatchObject({ generate: [], keep: [20], replace: [] });
    expect(await startOf(undefined)).toMatchObject({ generate: [20], keep: [], replace: [20] });
    expect(await startOf(maxSteps + 1)).toMatchObject({ generate: [20], replace: [20] });
    await expect(ensureDemos({ ...base, maxSteps: 401, tasks: [20] })).rejects.toThrow(/maxSteps is 401; libero_90's episodes end after 400 steps, so use an integer 1\.\.400/);
  });
});
