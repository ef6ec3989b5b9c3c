import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PNG } from "pngjs";
import { afterAll, describe, expect, it } from "vitest";
import { UserError } from "../../src/cli/errors.ts";
import { contactSheet, drawLabel, main } from "../../src/cli/render.ts";
import { DemoWriter } from "../../sim/dataset/writer.ts";
import { IMAGE_BYTES } from "../../sim/dataset/format.ts";
import { Simulation } from "../../sim/mujoco.ts";

const tmp = mkdtempSync(path.join(os.tmpdir(), "render-test-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const file = (name: string) => path.join(tmp, name);

async function userError(argv: string[]): Promise<string> {
  try {
    await main(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UserError);
    return (err as Error).message;
  }
  throw new Error(`no error for ${argv.join(" ")}`);
}

describe("npm run render --xml", () => {
  it("a task scene's MJCF compiles in mujoco-js, with the task's bodies and camera", async () => {
    await main(["--xml", file("task.xml"), "--suite", "libero_spatial", "--task", "0"]);
    const sim = await Simulation.fromXml(readFileSync(file("task.xml"), "utf8"));
    try {
      expect(sim.id("body", "akita_black_bowl_1")).toBeGreaterThan(0);
      expect(sim.id("camera", "agentview")).toBeGreaterThanOrEqual(0);
    } finally {
      sim.dispose();
    }
  });

  it("the robot table scene's MJCF compiles too", async () => {
    await main(["--xml", file("table.xml"), "--scene", "robot_table"]);
    const sim = await Simulation.fromXml(readFileSync(file("table.xml"), "utf8"));
    expect(sim.model.nbody).toBeGreaterThan(5);
    sim.dispose();
  });

  it("an unknown scene, suite or task, or no scene at all, is a UserError", async () => {
    expect(await userError(["--xml", file("x.xml"), "--scene", "kitchen"])).toMatch(/Unknown scene "kitchen"; the scenes are robot_table/);
    expect(await userError(["--xml", file("x.xml"), "--suite", "libero_11", "--task", "0"])).toMatch(/Unknown suite "libero_11"; the suites are libero_spatial/);
    expect(await userError(["--xml", file("x.xml"), "--suite", "libero_10", "--task", "10"])).toMatch(/Unknown task "10" in libero_10; give an id 0\.\.9/);
    expect(await userError(["--xml", file("x.xml")])).toMatch(/--xml needs --suite S --task N/);
  });
});

describe("npm run render --out (a task's init state)", () => {
  it("writes the 128×128 first observation as a PNG", async () => {
    await main(["--suite", "libero_spatial", "--task", "0", "--out", file("task.png")]);
    const png = PNG.sync.read(readFileSync(file("task.png")));
    expect([png.width, png.height]).toEqual([128, 128]);
    // not a blank frame: the table, the arm and the objects give many distinct colours
    const colours = new Set<number>();
    for (let i = 0; i < png.data.length; i += 4) colours.add((png.data[i] << 16) | (png.data[i + 1] << 8) | png.data[i + 2]);
    expect(colours.size).toBeGreaterThan(50);
  }, 30_000);

  it("an unknown camera names the scene's cameras", async () => {
    expect(await userError(["--suite", "libero_spatial", "--task", "0", "--camera", "frontview", "--out", file("x.png")]))
      .toMatch(/Unknown camera "frontview"; this scene's cameras are agentview/);
  }, 30_000);

  it("flags: unknown flag, bad split, missing --out, two modes", async () => {
    expect(await userError(["--suite", "libero_spatial", "--task", "0", "--colour", "red"])).toMatch(/Unknown option '--colour'/);
    expect(await userError(["--suite", "libero_spatial", "--task", "0", "--split", "test", "--out", file("x.png")])).toMatch(/--split is "test"; use train or heldout/);
    expect(await userError(["--suite", "libero_spatial", "--task", "0"])).toMatch(/--out FILE is required/);
    expect(await userError(["--demo", "a.demos", "--sheet", "--out", file("x.png")])).toMatch(/different modes/);
  });
});

describe("npm run render --demo", () => {
  it("writes a stored episode as an animated GIF, 2× scaled", async () => {
    const demos = file("tiny.demos");
    const writer = await DemoWriter.open(demos, { suite: "libero_spatial", taskId: 0, taskName: "t", instruction: "do it", wristImages: false });
    const S = 3;
    const images = Array.from({ length: S }, (_, s) => new Uint8Array(IMAGE_BYTES).fill(40 + 60 * s));
    await writer.addEpisode({
      suite: "libero_spatial", taskId: 0, instruction: "do it", split: "train", index: 4, seed: 9, attempt: 0, success: true,
      images, actions: new Float32Array(S * 7), proprio: new Float64Array(S * 9),
    });
    await writer.close();
    await main(["--demo", demos, "--episode", "0", "--out", file("demo.gif")]);
    const gif = readFileSync(file("demo.gif"));
    expect(gif.subarray(0, 6).toString("latin1")).toBe("GIF89a");
    expect([gif.readUInt16LE(6), gif.readUInt16LE(8)]).toEqual([256, 256]);
    expect(await userError(["--demo", demos, "--episode", "1", "--out", file("x.gif")])).toMatch(/holds 1 episode\(s\); --episode must be 0\.\.0/);
    expect(await userError(["--demo", file("missing.demos"), "--out", file("x.gif")])).toMatch(/does not exist/);
  });
});

describe("contact sheet", () => {
  it("draws the digit 1 of the 5×7 font in white on a black box", () => {
    const width = 10;
    const rgb = new Uint8Array(width * 10 * 3).fill(128);
    drawLabel(rgb, width, 0, 0, "1");
    const at = (x: number, y: number) => rgb[(y * width + x) * 3];
    // glyph row 0 of "1" is 00100: ink at column 2, i.e. pixel (1 + 2, 1 + 0)
    expect(at(3, 1)).toBe(255);
    expect(at(2, 1)).toBe(0);
    // box: 5 + 2 wide, 7 + 2 high; outside it the picture is untouched
    expect(at(0, 0)).toBe(0);
    expect(at(7, 0)).toBe(128);
    expect(at(0, 9)).toBe(128);
    expect(() => drawLabel(rgb, width, 0, 0, "a")).toThrow(/digits 0-9 only/);
  });

  it("lays tiles out in rows with a gap and keeps their pixels", () => {
    const tile = (v: number) => new Uint8Array(16 * 16 * 3).fill(v);
    const s = contactSheet([tile(10), tile(20), tile(30)], 16, 2, ["0", "1", "2"]);
    expect([s.width, s.height]).toEqual([2 * 16 + 3 * 4, 2 * 16 + 3 * 4]);
    const px = (x: number, y: number) => s.rgb[(y * s.width + x) * 3];
    expect(px(4 + 15, 4 + 15)).toBe(10); // tile 0, bottom-right corner (away from the label)
    expect(px(4 + 16 + 4 + 15, 4 + 15)).toBe(20); // tile 1
    expect(px(4 + 15, 4 + 16 + 4 + 15)).toBe(30); // tile 2, second row
    expect(px(1, 1)).toBe(40); // background
  });
});
