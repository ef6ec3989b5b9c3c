/**
 * `npm run render -- …`: pictures of the data and the scenes, for people checking them.
 *
 *   --demo FILE [--episode N] [--fps F] --out demo.gif          a stored demonstration as an animated GIF (2×)
 *   --suite S --task N [--init I] [--split train|heldout]
 *        [--size PX] [--camera NAME] --out task.png              a task's init state, as the policy sees it
 *   --sheet --suite S [--init I] [--split …] [--size PX] --out sheet.png
 *                                                             every task of a suite on one image, each tile
 *                                                             with its task id; sheet.md lists id → instruction
 *   --xml out.xml (--suite S --task N | --scene robot_table)    the MJCF we simulate, for native MuJoCo
 *
 * Images come from our rasterizer (sim/render/rasterizer.ts); the init state is the env's after reset (the
 * 10 settling steps included), exactly the first observation of an episode.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { DemoReader } from "../../sim/dataset/reader.ts";
import { IMAGE_SIZE } from "../../sim/dataset/format.ts";
import { Renderer } from "../../sim/render/rasterizer.ts";
import { writePng } from "../../sim/render/png.ts";
import { buildTaskScene } from "../../sim/scenes/liberoScene.ts";
import { robotTableSceneXml } from "../../sim/scenes/robotTable.ts";
import { INIT_SPLITS, INIT_STATES_PER_SPLIT, type InitSplit } from "../../sim/tasks/initStateId.ts";
import { getSuite, getTask, listSuites } from "../../sim/tasks/registry.ts";
import { makeTaskEnv } from "../../sim/tasks/taskEnv.ts";
import { writeGif } from "../report/gif.ts";
import { runCli, UserError } from "./errors.ts";

const SCENES = ["robot_table"] as const;

const HELP = `Usage: npm run render -- MODE [options]

  --demo FILE [--episode N] [--fps F] --out demo.gif
        an episode of a .demos file as an animated GIF, 2× scaled (default episode 0, 20 fps = real time)
  --suite S --task N [--init I] [--split train|heldout] [--size PX] [--camera NAME] --out task.png
        the first observation of a task's init state (default init 0, split train, 128 px, agentview)
  --sheet --suite S [--init I] [--split train|heldout] [--size PX] --out sheet.png
        all tasks of a suite, each tile marked with its task id; writes sheet.md (id → instruction) beside it
  --xml FILE (--suite S --task N | --scene ${SCENES.join("|")})
        the scene's MJCF, loadable by native MuJoCo

Suites: ${listSuites().join(", ")}.
`;

interface RenderArgs {
  demo?: string;
  episode: number;
  fps: number;
  suite?: string;
  task?: string;
  init: number;
  split: InitSplit;
  size: number;
  camera?: string;
  sheet: boolean;
  xml?: string;
  scene?: string;
  out?: string;
  help: boolean;
}

function parseRenderArgs(argv: string[]): RenderArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        demo: { type: "string" }, episode: { type: "string" }, fps: { type: "string" }, suite: { type: "string" },
        task: { type: "string" }, init: { type: "string" }, split: { type: "string" }, size: { type: "string" },
        camera: { type: "string" }, sheet: { type: "boolean" }, xml: { type: "string" }, scene: { type: "string" },
        out: { type: "string" }, help: { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UserError(`${(err as Error).message.split("\n")[0]} (see npm run render -- --help)`);
  }
  const split = (values.split as string | undefined) ?? "train";
  if (!(INIT_SPLITS as readonly string[]).includes(split)) throw new UserError(`--split is "${split}"; use ${INIT_SPLITS.join(" or ")}.`);
  const suite = values.suite as string | undefined;
  if (suite !== undefined && !(listSuites() as readonly string[]).includes(suite)) {
    throw new UserError(`Unknown suite "${suite}"; the suites are ${listSuites().join(", ")}.`);
  }
  return {
    demo: values.demo as string | undefined,
    episode: integer(values.episode, "--episode", 0, 0, Number.MAX_SAFE_INTEGER),
    fps: integer(values.fps, "--fps", 20, 1, 100),
    suite,
    task: values.task as string | undefined,
    init: integer(values.init, "--init", 0, 0, INIT_STATES_PER_SPLIT - 1),
    split: split as InitSplit,
    size: integer(values.size, "--size", IMAGE_SIZE, 16, 2048),
    camera: values.camera as string | undefined,
    sheet: Boolean(values.sheet),
    xml: values.xml as string | undefined,
    scene: values.scene as string | undefined,
    out: values.out as string | undefined,
    help: Boolean(values.help),
  };
}

function integer(text: unknown, flag: string, fallback: number, lo: number, hi: number): number {
  if (text === undefined) return fallback;
  const n = typeof text === "string" && /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < lo || n > hi) throw new UserError(`${flag} is "${String(text)}"; use an integer ${lo}..${hi}.`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  const a = parseRenderArgs(argv);
  if (a.help || argv.length === 0) {
    process.stdout.write(HELP);
    return;
  }
  const modes = [a.xml !== undefined && "--xml", a.demo !== undefined && "--demo", a.sheet && "--sheet"].filter(Boolean);
  if (modes.length > 1) throw new UserError(`${modes.join(" and ")} are different modes; give one (see npm run render -- --help).`);
  if (a.xml !== undefined) return writeXml(a, a.xml);
  const out = a.out;
  if (out === undefined) throw new UserError("--out FILE is required: where to write the picture.");
  if (a.demo !== undefined) return renderDemo(a.demo, a.episode, a.fps, out);
  if (a.suite === undefined) throw new UserError(`--suite is required with ${a.sheet ? "--sheet" : "--out"}; one of ${listSuites().join(", ")}.`);
  if (a.sheet) return renderSheet(a, a.suite, out);
  if (a.task === undefined) throw new UserError(`--task N is required to render one task of ${a.suite} (or --sheet for all of them).`);
  return renderTask(a, a.suite, a.task, out);
}

/** `--xml`: the task scene's MJCF (buildTaskScene) or the robot table scene's. */
function writeXml(a: RenderArgs, file: string): void {
  let xml: string;
  if (a.scene !== undefined) {
    if (a.suite !== undefined || a.task !== undefined) throw new UserError("--scene and --suite/--task both name a scene; give one.");
    if (!(SCENES as readonly string[]).includes(a.scene)) throw new UserError(`Unknown scene "${a.scene}"; the scenes are ${SCENES.join(", ")} (or give --suite S --task N).`);
    xml = robotTableSceneXml();
  } else {
    if (a.suite === undefined || a.task === undefined) throw new UserError(`--xml needs --suite S --task N, or --scene ${SCENES.join("|")}.`);
    xml = buildTaskScene(task(a.suite, a.task)).xml;
  }
  mkdirSync(dirname(resolve(file)), { recursive: true });
  writeFileSync(file, xml);
  process.stdout.write(`wrote ${file}\n`);
}

/** `--demo`: one stored episode as a GIF. */
async function renderDemo(file: string, episode: number, fps: number, out: string): Promise<void> {
  let reader: DemoReader;
  try {
    reader = await DemoReader.open(file);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
  try {
    if (episode >= reader.episodeCount) {
      throw new UserError(`${file} holds ${reader.episodeCount} episode(s); --episode must be 0..${reader.episodeCount - 1}.`);
    }
    const ep = await reader.readEpisode(episode);
    writeGif(out, ep.images, { width: IMAGE_SIZE, height: IMAGE_SIZE, scale: 2, fps });
    const e = reader.header.episodes[episode];
    process.stdout.write(`wrote ${out}: ${ep.images.length} frames, ${reader.meta.suite} task ${reader.meta.taskId} init ${e.split} ${e.index} attempt ${e.attempt}, ${e.success ? "success" : "failure"}\n`);
  } finally {
    await reader.close();
  }
}

/** `--suite S --task N`: the first observation of an init state, at `--size` pixels. */
async function renderTask(a: RenderArgs, suite: string, taskArg: string, out: string): Promise<void> {
  const t = task(suite, taskArg);
  const image = await initImage(suite, t.id, a);
  writePng(out, image, a.size, a.size);
  process.stdout.write(`wrote ${out}: ${suite} task ${t.id} (${t.instruction}), ${a.split} init ${a.init}\n`);
}

/** The observation of task `taskId` after reset into (split, init), rendered at `a.size` from `a.camera`. */
async function initImage(suite: string, taskId: number, a: RenderArgs): Promise<Uint8Array> {
  const te = await makeTaskEnv(suite, taskId);
  try {
    const first = te.env.reset(te.initState(a.split, a.init)); // applies the render hooks (stove glow) too
    if (a.size === IMAGE_SIZE && a.camera === undefined) return first.image;
    const renderer = new Renderer(te.env.sim, { width: a.size, height: a.size });
    try {
      const camera = a.camera ?? te.scene.camera;
      if (!renderer.cameraNames.includes(camera)) {
        throw new UserError(`Unknown camera "${camera}"; this scene's cameras are ${renderer.cameraNames.join(", ")}.`);
      }
      return renderer.render(camera);
    } finally {
      renderer.dispose();
    }
  } finally {
    te.dispose();
  }
}

/** `--sheet`: a grid of every task's init image, each tile with its id; the instructions go to `<out>.md`. */
async function renderSheet(a: RenderArgs, suite: string, out: string): Promise<void> {
  const tasks = getSuite(suite).tasks;
  const cols = Math.ceil(Math.sqrt(tasks.length * 1.6)); // a little wider than tall: 10 tasks → 4×3, 90 → 12×8
  const tiles: Uint8Array[] = [];
  for (const t of tasks) {
    if (process.stdout.isTTY) process.stdout.write(`\rrendering ${suite} task ${t.id + 1}/${tasks.length}`);
    tiles.push(await initImage(suite, t.id, a));
  }
  if (process.stdout.isTTY) process.stdout.write("\n");
  const sheet = contactSheet(tiles, a.size, cols, tasks.map((t) => String(t.id)));
  writePng(out, sheet.rgb, sheet.width, sheet.height);
  const md = `${out.slice(0, out.length - extname(out).length)}.md`;
  const lines = [`# ${suite}: ${a.split} init ${a.init} of every task (${out})`, "", "| id | task | instruction |", "|---|---|---|",
    ...tasks.map((t) => `| ${t.id} | ${t.name} | ${t.instruction} |`)];
  writeFileSync(md, lines.join("\n") + "\n");
  process.stdout.write(`wrote ${out} (${sheet.width}×${sheet.height}) and ${md}\n`);
}

function task(suite: string, id: string) {
  try {
    return getTask(suite, id);
  } catch {
    throw new UserError(`Unknown task "${id}" in ${suite}; give an id 0..${getSuite(suite).tasks.length - 1} or a task name.`);
  }
}

/** Gap between tiles, in pixels. */
const GAP = 4;

/**
 * Tiles (`size`×`size` RGB each) in a grid of `cols` columns on a dark background, `labels[i]` written in
 * the top-left corner of tile i in white on black.
 */
export function contactSheet(tiles: Uint8Array[], size: number, cols: number, labels: string[]): { rgb: Uint8Array; width: number; height: number } {
  const rows = Math.ceil(tiles.length / cols);
  const width = cols * size + (cols + 1) * GAP;
  const height = rows * size + (rows + 1) * GAP;
  const rgb = new Uint8Array(width * height * 3).fill(40); // [H·W·3]
  const scale = Math.max(1, Math.round(size / 64)); // 2× digits (10×14 px) on 128 px tiles
  tiles.forEach((tile, i) => {
    const x0 = GAP + (i % cols) * (size + GAP);
    const y0 = GAP + Math.floor(i / cols) * (size + GAP);
    for (let y = 0; y < size; y++) rgb.set(tile.subarray(y * size * 3, (y + 1) * size * 3), ((y0 + y) * width + x0) * 3);
    drawLabel(rgb, width, x0 + 2, y0 + 2, labels[i], scale);
  });
  return { rgb, width, height };
}

/**
 * A 5×7 pixel font of the digits, one string of 7 rows of 5 bits per glyph ("1" = ink), as the classic
 * HD44780 LCD character set draws them.
 */
const DIGITS: Record<string, string> = {
  "0": "01110 10001 10011 10101 11001 10001 01110",
  "1": "00100 01100 00100 00100 00100 00100 01110",
  "2": "01110 10001 00001 00010 00100 01000 11111",
  "3": "11111 00010 00100 00010 00001 10001 01110",
  "4": "00010 00110 01010 10010 11111 00010 00010",
  "5": "11111 10000 11110 00001 00001 10001 01110",
  "6": "00110 01000 10000 11110 10001 10001 01110",
  "7": "11111 00001 00010 00100 01000 01000 01000",
  "8": "01110 10001 10001 01110 10001 10001 01110",
  "9": "01110 10001 10001 01111 00001 00010 01100",
};

/** Draws `text` (digits) at (x, y) in white, `scale`× enlarged, on a black box one pixel wider all round. */
export function drawLabel(rgb: Uint8Array, width: number, x: number, y: number, text: string, scale = 1): void {
  const height = rgb.length / (3 * width);
  const glyphs = [...text].map((ch) => {
    const g = DIGITS[ch];
    if (g === undefined) throw new Error(`drawLabel draws the digits 0-9 only; got "${ch}" in "${text}".`);
    return g.split(" ");
  });
  const put = (px: number, py: number, v: number) => {
    if (px < 0 || py < 0 || px >= width || py >= height) return;
    rgb.fill(v, (py * width + px) * 3, (py * width + px) * 3 + 3);
  };
  const boxW = (glyphs.length * 6 - 1 + 2) * scale;
  const boxH = (7 + 2) * scale;
  for (let py = 0; py < boxH; py++) for (let px = 0; px < boxW; px++) put(x + px, y + py, 0);
  glyphs.forEach((rows, gi) => {
    for (let r = 0; r < 7; r++) {
      for (let c = 0; c < 5; c++) {
        if (rows[r][c] !== "1") continue;
        for (let dy = 0; dy < scale; dy++) for (let dx = 0; dx < scale; dx++) put(x + (1 + gi * 6 + c) * scale + dx, y + (1 + r) * scale + dy, 255);
      }
    }
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await runCli(main);
