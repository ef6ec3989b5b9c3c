import { afterAll, beforeAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DemoWriter } from "../../sim/dataset/writer.ts";
import { DemoReader } from "../../sim/dataset/reader.ts";
import { IMAGE_BYTES, crc32, demoFilePath, listDemoFiles, type DemoEpisode, type DemoFileMeta } from "../../sim/dataset/format.ts";
import { applyFilter, removeFilter, type ImageFilter } from "../../sim/dataset/imageCodec.ts";
import { decodeEncodedImage } from "../../sim/dataset/record.ts";
import { writeFileAtomic } from "../../sim/dataset/atomicWrite.ts";
import {
  computeDatasetStatistics, dimensionStats, isNoOp, keptSteps, statisticsKey, writeDatasetStatistics, writeSuiteStatistics,
} from "../../sim/dataset/stats.ts";
import { actionStatsFromJSON, computeActionStats } from "../../models/actionNormalizer.ts";
import { Simulation } from "../../sim/mujoco.ts";
import { Env } from "../../sim/env.ts";
import { robotInitState, robotTableSceneXml } from "../../sim/scenes/robotTable.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "simplevla-demos-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const META: DemoFileMeta = {
  suite: "libero_10", taskId: 3, taskName: "KITCHEN_SCENE3_turn_on_the_stove_and_put_the_moka_pot_on_it",
  instruction: "turn on the stove and put the moka pot on it", wristImages: false,
};

/** A diagonal colour gradient, shifted by `k` so every frame differs. */
function gradient(k: number): Uint8Array {
  const img = new Uint8Array(IMAGE_BYTES);
  for (let y = 0; y < 128; y++) for (let x = 0; x < 128; x++) for (let c = 0; c < 3; c++) img[(y * 128 + x) * 3 + c] = (2 * x + y + 60 * c + k) & 255;
  return img;
}

/** A flat background with two rectangles, moved by `k`. */
function rectangles(k: number): Uint8Array {
  const img = new Uint8Array(IMAGE_BYTES);
  for (let y = 0; y < 128; y++) {
    for (let x = 0; x < 128; x++) {
      const inA = x >= 10 + k && x < 40 + k && y >= 20 && y < 60;
      const inB = x >= 70 && x < 100 && y >= 50 + k && y < 90 + k;
      const rgb = inA ? [200, 30, 20] : inB ? [20, 60, 220] : [150, 120, 90];
      img.set(rgb, (y * 128 + x) * 3);
    }
  }
  return img;
}

/** An episode of S steps with every number distinct, so a swapped field or step cannot go unnoticed. */
function syntheticEpisode(S: number, k: number, extra: Partial<DemoEpisode> = {}): DemoEpisode {
  const actions = new Float32Array(S * 7);
  const proprio = new Float64Array(S * 9);
  for (let i = 0; i < actions.length; i++) actions[i] = Math.sin(i + k) * 0.9;
  for (let s = 0; s < S; s++) actions[7 * s + 6] = s % 3 === 0 ? -1 : 1;
  for (let i = 0; i < proprio.length; i++) proprio[i] = Math.cos(i * 1.37 + k) / 3 + 1e-17 * i;
  return {
    suite: META.suite, taskId: META.taskId, instruction: META.instruction,
    split: "train", index: k, seed: 0xdeadbeef - k, attempt: k % 2, success: k % 2 === 0,
    images: Array.from({ length: S }, (_, t) => (t % 2 ? rectangles(t + k) : gradient(t + k))),
    actions, proprio, ...extra,
  };
}

async function writeDemos(path: string, episodes: DemoEpisode[], meta = META, opts = {}): Promise<void> {
  const writer = await DemoWriter.open(path, meta, opts);
  for (const ep of episodes) await writer.addEpisode(ep);
  await writer.close();
}

async function readAll(path: string): Promise<DemoEpisode[]> {
  const reader = await DemoReader.open(path);
  try {
    const out: DemoEpisode[] = [];
    for await (const ep of reader.episodes()) out.push(ep);
    return out;
  } finally {
    await reader.close();
  }
}

function expectSameEpisode(got: DemoEpisode, want: DemoEpisode): void {
  const { images, wristImages, actions, proprio, ...rest } = want;
  expect({ ...got, images: undefined, wristImages: undefined, actions: undefined, proprio: undefined }).toEqual({
    ...rest, images: undefined, wristImages: undefined, actions: undefined, proprio: undefined,
  });
  // bit-exact: compare the bytes, so −0 vs 0 or a last-bit change would show
  expect(Buffer.from(got.actions.buffer, got.actions.byteOffset, got.actions.byteLength)).toEqual(Buffer.from(actions.buffer, actions.byteOffset, actions.byteLength));
  expect(Buffer.from(got.proprio.buffer, got.proprio.byteOffset, got.proprio.byteLength)).toEqual(Buffer.from(proprio.buffer, proprio.byteOffset, proprio.byteLength));
  expect(got.images.length).toBe(images.length);
  images.forEach((img, t) => expect(Buffer.compare(Buffer.from(got.images[t]), Buffer.from(img))).toBe(0));
  expect(got.wristImages?.length).toBe(wristImages?.length);
  wristImages?.forEach((img, t) => expect(Buffer.compare(Buffer.from(got.wristImages![t]), Buffer.from(img))).toBe(0));
}

describe("round trip", () => {
  test.each(["none", "up", "paeth"] as ImageFilter[])("synthetic episodes come back bit-exactly with filter %s", async (filter) => {
    const path = join(dir, `roundtrip-${filter}.demos`);
    const episodes = [syntheticEpisode(5, 0), syntheticEpisode(1, 1), syntheticEpisode(4, 2, { split: "heldout", index: 49 })];
    await writeDemos(path, episodes, META, { filter });
    const got = await readAll(path);
    expect(got.length).toBe(3);
    got.forEach((ep, i) => expectSameEpisode(ep, episodes[i]));
  });

  test("header carries the task, shapes and the per-episode index", async () => {
    const path = join(dir, "header.demos");
    await writeDemos(path, [syntheticEpisode(2, 0), syntheticEpisode(3, 1)]);
    const reader = await DemoReader.open(path);
    await reader.close();
    const h = reader.header;
    expect([h.format, h.version, h.suite, h.taskId, h.taskName, h.instruction]).toEqual(["simplevla-demos", 1, META.suite, 3, META.taskName, META.instruction]);
    expect([h.imageSize, h.imageChannels, h.actionDim, h.proprioDim, h.wristImages, h.episodeCount]).toEqual([128, 3, 7, 9, false, 2]);
    expect(h.episodes.map((e) => [e.split, e.index, e.seed, e.attempt, e.steps, e.success])).toEqual([
      ["train", 0, 0xdeadbeef, 0, 2, true],
      ["train", 1, 0xdeadbeef - 1, 1, 3, false],
    ]);
    expect(h.episodes[1].offset).toBe(h.episodes[0].length);
  });

  test("wrist images round-trip when the file stores them", async () => {
    const path = join(dir, "wrist.demos");
    const ep = syntheticEpisode(3, 4, { wristImages: [rectangles(9), gradient(9), rectangles(1)] });
    await writeDemos(path, [ep], { ...META, wristImages: true });
    expectSameEpisode((await readAll(path))[0], ep);
  });

  test("rendered frames of the robot table scene round-trip bit-exactly", async () => {
    const sim = await Simulation.fromXml(robotTableSceneXml());
    const env = new Env(sim, undefined, { maxSteps: 50, wristImage: true });
    try {
      let obs = env.reset(robotInitState(sim));
      const S = 4;
      const ep = syntheticEpisode(S, 0, { images: [], wristImages: [], proprio: new Float64Array(S * 9) });
      for (let t = 0; t < S; t++) {
        ep.images.push(obs.image);
        ep.wristImages!.push(obs.wristImage!);
        ep.proprio.set(obs.proprio, 9 * t);
        obs = env.step(ep.actions.subarray(7 * t, 7 * t + 7)).obs;
      }
      const path = join(dir, "rendered.demos");
      await writeDemos(path, [ep], { ...META, wristImages: true });
      expectSameEpisode((await readAll(path))[0], ep);
    } finally {
      env.dispose();
    }
  });

  test("readEpisode(i) reads one episode by its offset; images: false skips the images; readEncodedEpisode keeps them compressed", async () => {
    const path = join(dir, "random-access.demos");
    const episodes = [syntheticEpisode(2, 0), syntheticEpisode(3, 1), syntheticEpisode(4, 2)];
    await writeDemos(path, episodes);
    const reader = await DemoReader.open(path);
    try {
      expectSameEpisode(await reader.readEpisode(2), episodes[2]);
      const light = await reader.readEpisode(1, { images: false });
      expect(light.images).toEqual([]);
      expect(light.actions).toEqual(episodes[1].actions);
      const encoded = await reader.readEncodedEpisode(2);
      expect(encoded.images.length).toBe(4);
      expect(encoded.images[3].bytes.length).toBeLessThan(IMAGE_BYTES / 4);
      expect(Buffer.compare(Buffer.from(decodeEncodedImage(encoded.images[3])), Buffer.from(episodes[2].images[3]))).toBe(0);
      await expect(reader.readEpisode(3)).rejects.toThrow(/random-access\.demos has episodes 0\.\.2; episode 3 does not exist/);
    } finally {
      await reader.close();
    }
  });

  test("the same episodes give byte-identical files", async () => {
    const a = join(dir, "same-a.demos");
    const b = join(dir, "same-b.demos");
    await writeDemos(a, [syntheticEpisode(3, 0), syntheticEpisode(2, 1)]);
    await writeDemos(b, [syntheticEpisode(3, 0), syntheticEpisode(2, 1)]);
    expect(Buffer.compare(await readFile(a), await readFile(b))).toBe(0);
  });

  test("append keeps the old episodes byte for byte and adds the new ones after them", async () => {
    const path = join(dir, "append.demos");
    const episodes = [syntheticEpisode(2, 0), syntheticEpisode(3, 1), syntheticEpisode(2, 2)];
    await writeDemos(path, episodes.slice(0, 2));
    await writeDemos(path, episodes.slice(2), META, { append: true });
    const whole = join(dir, "append-whole.demos");
    await writeDemos(whole, episodes);
    expect(Buffer.compare(await readFile(path), await readFile(whole))).toBe(0);
    await expect(DemoWriter.open(path, { ...META, instruction: "open the drawer" }, { append: true })).rejects.toThrow(/Cannot append to .*append\.demos: its 'instruction'/);
  });

  test("the step limit the demos were made under round-trips; absent stays absent; 0 is refused", async () => {
    const limited = join(dir, "limited.demos");
    await writeDemos(limited, [syntheticEpisode(2, 0)], { ...META, maxSteps: 80 });
    const r = await DemoReader.open(limited);
    expect(r.meta.maxSteps).toBe(80);
    await r.close();
    const plain = join(dir, "plain.demos");
    await writeDemos(plain, [syntheticEpisode(2, 0)]);
    const p = await DemoReader.open(plain);
    expect("maxSteps" in p.meta).toBe(false);
    await p.close();
    await expect(DemoWriter.open(join(dir, "zero.demos"), { ...META, maxSteps: 0 })).rejects.toThrow(/meta\.maxSteps must be a positive integer; got 0/);
    await expect(DemoWriter.open(limited, { ...META, maxSteps: 100 }, { append: true })).rejects.toThrow(/its 'maxSteps' is 80, the new episodes' is 100/);
  });
});

describe("errors name the file and the episode", () => {
  async function damaged(name: string): Promise<{ path: string; bytes: Buffer; dataStart: number; lengths: number[] }> {
    const path = join(dir, name);
    await writeDemos(path, [syntheticEpisode(2, 0), syntheticEpisode(3, 1), syntheticEpisode(2, 2)]);
    const reader = await DemoReader.open(path);
    await reader.close();
    const bytes = await readFile(path);
    return { path, bytes, dataStart: 16 + bytes.readUInt32LE(8), lengths: reader.header.episodes.map((e) => e.length) };
  }

  test("a file truncated inside episode 1 is refused on open, naming episode 1", async () => {
    const { path, dataStart, lengths } = await damaged("truncated.demos");
    await truncate(path, dataStart + lengths[0] + 10);
    await expect(DemoReader.open(path)).rejects.toThrow(/truncated\.demos is truncated: .* episode 1 ends at byte/);
  });

  test("a file truncated inside its header is refused on open", async () => {
    const { path } = await damaged("truncated-header.demos");
    await truncate(path, 40);
    await expect(DemoReader.open(path)).rejects.toThrow(/truncated-header\.demos is truncated inside its header/);
  });

  test("a flipped bit in episode 1 fails its CRC when episode 1 is read; episode 0 still reads", async () => {
    const { path, bytes, dataStart, lengths } = await damaged("bitflip.demos");
    bytes[dataStart + lengths[0] + Math.floor(lengths[1] / 2)] ^= 0x10;
    await writeFile(path, bytes);
    const reader = await DemoReader.open(path);
    try {
      await expect(reader.readEpisode(0)).resolves.toBeDefined();
      await expect(reader.readEpisode(1)).rejects.toThrow(/bitflip\.demos: episode 1 fails its CRC-32 check/);
      await expect(reader.verify()).rejects.toThrow(/episode 1/);
    } finally {
      await reader.close();
    }
  });

  test("a flipped bit in the header fails the header's CRC", async () => {
    const { path, bytes } = await damaged("header-flip.demos");
    bytes[30] ^= 0x01;
    await writeFile(path, bytes);
    await expect(DemoReader.open(path)).rejects.toThrow(/header-flip\.demos: the header fails its CRC-32 check/);
  });

  test("bytes after the last episode, a foreign file and a missing file are clear errors", async () => {
    const { path, bytes } = await damaged("trailing.demos");
    await writeFile(path, Buffer.concat([bytes, Buffer.from("xx")]));
    await expect(DemoReader.open(path)).rejects.toThrow(/trailing\.demos has 2 bytes after its last episode/);
    const png = join(dir, "image.demos");
    await writeFile(png, Buffer.from("\x89PNG\r\n\x1a\n0000000000000000"));
    await expect(DemoReader.open(png)).rejects.toThrow(/image\.demos is not a demo file/);
    await expect(DemoReader.open(join(dir, "nope.demos"))).rejects.toThrow(/nope\.demos does not exist/);
  });

  test("addEpisode rejects an episode that does not fit the file, naming the field", async () => {
    const writer = await DemoWriter.open(join(dir, "bad.demos"), META);
    try {
      await expect(writer.addEpisode(syntheticEpisode(2, 0, { taskId: 4 }))).rejects.toThrow(/libero_10 task 4, but the file holds libero_10 task 3/);
      await expect(writer.addEpisode(syntheticEpisode(2, 0, { images: [gradient(0), new Uint8Array(10)] }))).rejects.toThrow(/'images'\[1\] must be a Uint8Array of 128·128·3/);
      await expect(writer.addEpisode(syntheticEpisode(2, 0, { actions: new Float32Array(7) }))).rejects.toThrow(/'actions' must be a Float32Array of 2·7/);
      await expect(writer.addEpisode(syntheticEpisode(2, 0, { split: "test" as "train" }))).rejects.toThrow(/'split' must be "train" or "heldout"/);
      await expect(writer.addEpisode(syntheticEpisode(2, 0, { wristImages: [gradient(0), gradient(1)] }))).rejects.toThrow(/wristImages: false/);
    } finally {
      await writer.abort();
    }
  });
});

describe("atomic writes", () => {
  test("an aborted writer, or one never closed, leaves the old file intact and no temporary file", async () => {
    const sub = await mkdtemp(join(dir, "atomic-"));
    const path = join(sub, "task3.demos");
    await writeDemos(path, [syntheticEpisode(2, 0)]);
    const before = await readFile(path);
    const aborted = await DemoWriter.open(path, META);
    await aborted.addEpisode(syntheticEpisode(3, 1));
    await aborted.abort();
    const appending = await DemoWriter.open(path, META, { append: true });
    await appending.addEpisode(syntheticEpisode(3, 1)); // the process "dies" here: close() is never called
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    expect(await readdir(sub)).toEqual(["task3.demos"]);
    await appending.abort();
  });

  test("a write that fails part-way leaves the old file and removes its temporary file", async () => {
    const sub = await mkdtemp(join(dir, "atomic-"));
    const path = join(sub, "file.bin");
    await writeFileAtomic(path, [Buffer.from("old")]);
    function* failing(): Generator<Uint8Array> {
      yield Buffer.from("new, half");
      throw new Error("disk unplugged");
    }
    await expect(writeFileAtomic(path, failing())).rejects.toThrow(/disk unplugged/);
    expect((await readFile(path)).toString()).toBe("old");
    expect(await readdir(sub)).toEqual(["file.bin"]);
  });

  test("two writers for one path in one process are refused (they would share the temporary file)", async () => {
    const path = join(dir, "twice.demos");
    const first = await DemoWriter.open(path, META);
    await expect(DemoWriter.open(path, META)).rejects.toThrow(/already open in this process/);
    await first.abort();
  });
});

describe("image filters", () => {
  test("none, up and Paeth invert exactly on arbitrary bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), fc.constantFrom<ImageFilter>("none", "up", "paeth"), (seedBytes, filter) => {
        const img = new Uint8Array(IMAGE_BYTES);
        for (let i = 0; i < IMAGE_BYTES; i++) img[i] = seedBytes[(i * 7 + (i >> 9)) % 64] ^ (i & 0x0f);
        return Buffer.compare(Buffer.from(removeFilter(applyFilter(img, filter), filter)), Buffer.from(img)) === 0;
      }),
      { numRuns: 30 },
    );
  });

  test("'up' stores the first row as is and then differences to the row above, mod 256", () => {
    const img = new Uint8Array(IMAGE_BYTES);
    img[0] = 5; // row 0, pixel 0, red
    img[384] = 3; // row 1, pixel 0, red: 3 − 5 = −2 ≡ 254
    const f = applyFilter(img, "up");
    expect([f[0], f[384], f[768]]).toEqual([5, 254, 256 - 3]);
  });

  test("crc32 matches the standard check value of '123456789' (0xcbf43926)", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
  });
});

describe("no-op filter (OpenVLA's is_noop)", () => {
  const still = (g: number) => [0, 0, 0, 0, 0, 0, g];
  test("a still arm with the gripper unchanged from the previous kept step is a no-op", () => {
    expect(isNoOp(still(-1), still(-1))).toBe(true);
    expect(isNoOp([5e-5, 0, 0, 0, 0, 0, 1], still(1))).toBe(true); // ‖a[0:6]‖ = 5e-5 < 1e-4
  });
  test("a gripper change, or an arm motion of ‖a[0:6]‖ ≥ 1e-4, is kept", () => {
    expect(isNoOp(still(1), still(-1))).toBe(false);
    expect(isNoOp([0, 0, 0, 0, 0, 2e-4, -1], still(-1))).toBe(false);
    expect(isNoOp([6e-5, 8e-5, 0, 0, 0, 0, -1], still(-1))).toBe(false); // norm exactly 1e-4 is not < 1e-4
  });
  test("before any kept step only the norm counts, so a still gripper change at the very start is dropped", () => {
    // step 0 still (dropped), step 1 still with a new gripper: previous KEPT is none, so it is dropped too
    // (comparing with the previous SEEN step would keep it), then the first motion is kept.
    const actions = Float32Array.from([...still(-1), ...still(1), 0.5, 0, 0, 0, 0, 0, 1, ...still(1), ...still(-1)]);
    expect(keptSteps(actions)).toEqual([2, 4]);
  });
});

describe("dataset statistics", () => {
  const A = (x: number, y: number, g: number) => [x, y, 0, 0, 0, 0, g];
  /**
   * Kept steps (no-ops and the failed episode dropped), in file order:
   *   E1: s1 (0.5, 0, g −1), s3 (0, 0, g +1)      [s0 still at the start, s2 still with the same gripper]
   *   E2: s0 (−0.5, 0.25, +1), s1 (0.25, 0.25, +1) [s2 still with the same gripper]
   * dim 0: [0.5, 0, −0.5, 0.25], sorted [−0.5, 0, 0.25, 0.5]; mean 0.25/4 = 0.0625;
   *        squared deviations 0.19140625 + 0.00390625 + 0.31640625 + 0.03515625 = 0.546875, std √(0.546875/4);
   *        q01: h = 3·0.01 = 0.03 → −0.5 + 0.03·0.5 = −0.485; q99: h = 2.97 → 0.5 − 0.03·(0.5 − 0.25) = 0.4925.
   * dim 1: [0, 0, 0.25, 0.25]: mean 0.125, std 0.125, q01 0, q99 0.25.
   * dim 6: [−1, 1, 1, 1]: mean 0.5, std √(3/4); q01 −1 + 0.03·2 = −0.94, q99 1.
   * proprio dim 0 holds 10 + step in E1 and 20 + step in E2: kept 11, 13, 20, 21, mean 16.25.
   */
  test("per-dimension q01, q99, min, max, mean, std over kept steps of successful episodes", async () => {
    const sub = await mkdtemp(join(dir, "stats-"));
    const make = (k: number, rows: number[][], success: boolean, base: number): DemoEpisode => {
      const proprio = new Float64Array(rows.length * 9);
      rows.forEach((_, s) => (proprio[9 * s] = base + s));
      return syntheticEpisode(rows.length, k, { actions: Float32Array.from(rows.flat()), proprio, success });
    };
    const e1 = make(0, [A(0, 0, -1), A(0.5, 0, -1), A(0, 0, -1), A(0, 0, 1)], true, 10);
    const e2 = make(1, [A(-0.5, 0.25, 1), A(0.25, 0.25, 1), A(0, 0, 1)], true, 20);
    const failed = make(2, [A(1, 1, 1), A(1, 1, 1)], false, 99);
    const files = [join(sub, "task3.demos"), join(sub, "task4.demos")];
    await writeDemos(files[0], [e1, failed]);
    await writeDemos(files[1], [{ ...e2, taskId: 4 }], { ...META, taskId: 4 });
    const stats = await computeDatasetStatistics(files);
    expect([stats.num_transitions, stats.num_trajectories]).toEqual([4, 2]);
    const a = stats.action;
    expect([a.min[0], a.max[0], a.mean[0]]).toEqual([-0.5, 0.5, 0.0625]);
    expect(a.std[0]).toBeCloseTo(Math.sqrt(0.546875 / 4), 15);
    expect(a.q01[0]).toBeCloseTo(-0.485, 15);
    expect(a.q99[0]).toBeCloseTo(0.4925, 15);
    expect([a.mean[1], a.std[1], a.q01[1], a.q99[1]]).toEqual([0.125, 0.125, 0, 0.25]);
    expect([a.min[2], a.max[2], a.mean[2], a.std[2]]).toEqual([0, 0, 0, 0]);
    expect([a.mean[6], a.q99[6]]).toEqual([0.5, 1]);
    expect(a.std[6]).toBeCloseTo(Math.sqrt(0.75), 15);
    expect(a.q01[6]).toBeCloseTo(-0.94, 15);
    expect(a.mask).toEqual([true, true, true, true, true, true, false]);
    expect([stats.proprio.min[0], stats.proprio.max[0], stats.proprio.mean[0]]).toEqual([11, 21, 16.25]);
    // with failures included, E1's failed twin adds its two kept steps of 1s
    expect((await computeDatasetStatistics(files, { successfulOnly: false })).num_transitions).toBe(6);

    const written = await writeDatasetStatistics(sub, "libero_10", stats);
    const json = JSON.parse(await readFile(written, "utf8"));
    expect(Object.keys(json)).toEqual([statisticsKey("libero_10")]);
    expect(statisticsKey("libero_10")).toBe("libero_10_no_noops");
    expect(actionStatsFromJSON(json.libero_10_no_noops.action, written)).toEqual({
      q01: a.q01, q99: a.q99, min: a.min, max: a.max, mean: a.mean, std: a.std,
    });
  });

  test("a suite directory's task files are read in task order and its statistics written beside them", async () => {
    const root = await mkdtemp(join(dir, "suite-"));
    for (const taskId of [10, 2]) {
      await writeDemos(demoFilePath(root, "libero_10", taskId), [{ ...syntheticEpisode(3, 0), taskId }], { ...META, taskId });
    }
    await writeFile(join(root, "libero_10", "notes.txt"), "not a demo file");
    expect(await listDemoFiles(join(root, "libero_10"))).toEqual([2, 10].map((id) => join(root, "libero_10", `task${id}.demos`)));
    const { path, stats } = await writeSuiteStatistics(root, "libero_10");
    expect(path).toBe(join(root, "libero_10", "dataset_statistics.json"));
    expect(stats.num_trajectories).toBe(2);
    await expect(writeSuiteStatistics(root, "libero_90")).rejects.toThrow(/libero_90 does not exist; generate the demos first/);
  });

  test("agrees bit for bit with models/actionNormalizer's computeActionStats", () => {
    fc.assert(
      fc.property(
        fc.array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: 7, maxLength: 7 * 40 }).filter((v) => v.length % 7 === 0),
        (values) => {
          const actions = Float32Array.from(values);
          const { q01, q99, min, max, mean, std } = dimensionStats(actions, 7);
          expect({ q01, q99, min, max, mean, std }).toEqual(computeActionStats(actions));
        },
      ),
      { numRuns: 50 },
    );
  });
});
