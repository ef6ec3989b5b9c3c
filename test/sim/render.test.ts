import { readFileSync, readdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Simulation } from "../../sim/mujoco.ts";
import { encodePng, writePng } from "../../sim/render/png.ts";
import { Renderer } from "../../sim/render/rasterizer.ts";
import { RaySegmenter } from "../../sim/render/raycast.ts";

const W = 128;
const H = 128;

/** A scene lit by one directional light straight down (diffuse 0.8 + ambient 0.2 = 1 on up-facing faces). */
function scene(geoms: string, extra = ""): string {
  return `<mujoco><visual><headlight active="0"/></visual><worldbody>
    <light pos="0 0 5" dir="0 0 -1" directional="true" diffuse="0.8 0.8 0.8" ambient="0.2 0.2 0.2"/>
    <camera name="top" pos="0 0 2.05" fovy="90"/>
    ${geoms}</worldbody>${extra}</mujoco>`;
}

async function load(xml: string): Promise<Simulation> {
  const sim = await Simulation.fromXml(xml);
  sim.mj.mj_forward(sim.model, sim.data);
  return sim;
}

function pixel(rgb: Uint8Array, i: number, j: number): number[] {
  const o = 3 * (j * W + i);
  return [rgb[o], rgb[o + 1], rgb[o + 2]];
}

describe("Renderer", () => {
  const sims: Simulation[] = [];
  const open = async (xml: string) => {
    const s = await load(xml);
    sims.push(s);
    return s;
  };
  afterAll(() => sims.forEach((s) => s.dispose()));

  it("a box straight below the camera covers exactly the pixel rectangle of its pinhole projection", async () => {
    // Camera at z = 2.05 looking down (identity orientation: view along −z, +y up), fovy 90°, 128×128:
    // f = (128/2)/tan(45°) = 64 px. The box's top face (z = 0.05) is 2.0 m away, half-sizes 0.25 × 0.125, so
    // u = 64 ± 64·0.25/2.0 = 64 ± 8 → [56, 72]: columns whose centres i + 0.5 lie inside are 56…71;
    // v = 64 ∓ 64·0.125/2.0 = 64 ∓ 4 → [60, 68]: rows 60…67. The side faces project inside that rectangle
    // (their far edge, 2.1 m away, lands at 64 ± 7.6).
    const sim = await open(scene(`<geom name="box" type="box" size="0.25 0.125 0.05" rgba="1 0 0 1"/>`));
    const r = new Renderer(sim);
    const ids = r.segmentation("top");
    const rgb = r.render("top");
    const box = sim.id("geom", "box");
    let wrong = 0;
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++) {
        const inside = i >= 56 && i <= 71 && j >= 60 && j <= 67;
        if (ids[j * W + i] !== (inside ? box : -1)) wrong++;
      }
    }
    expect(wrong).toBe(0);
    // Top face: red · (ambient 0.2 + diffuse 0.8 · n·L = 1) = pure red; background black.
    expect(pixel(rgb, 60, 63)).toEqual([255, 0, 0]);
    expect(pixel(rgb, 10, 10)).toEqual([0, 0, 0]);
  });

  it("row 0 is the top of the picture: +y of the camera is up and +x is right", async () => {
    const sim = await open(
      scene(`<geom name="north" type="box" size="0.05 0.05 0.05" pos="0 0.8 0" rgba="0 1 0 1"/>
             <geom name="east" type="box" size="0.05 0.05 0.05" pos="0.8 0 0" rgba="0 0 1 1"/>`),
    );
    const ids = new Renderer(sim).segmentation("top");
    // Centres: v = 64 − 64·0.8/2.0 = 38.4 (upper half), u = 64 + 25.6 = 89.6 (right half).
    expect(ids[38 * W + 64]).toBe(sim.id("geom", "north"));
    expect(ids[64 * W + 89]).toBe(sim.id("geom", "east"));
    expect(ids[(H - 1 - 38) * W + 64]).toBe(-1);
    expect(ids[64 * W + (W - 1 - 89)]).toBe(-1);
  });

  it("a nearer geom hides a farther one whatever their order in the model", async () => {
    const far = `<geom name="far" type="box" size="0.3 0.3 0.05" rgba="1 0 0 1"/>`;
    const near = `<geom name="near" type="sphere" size="0.1" pos="0.1 0 1" rgba="0 1 0 1"/>`;
    const images: Uint8Array[] = [];
    for (const geoms of [far + near, near + far]) {
      const sim = await open(scene(geoms));
      const r = new Renderer(sim);
      const ids = r.segmentation("top");
      // The sphere (1 m below the camera, centre at u = 64 + 64·0.1/1.05 ≈ 70.1) lies in front of the box.
      expect(ids[64 * W + 70]).toBe(sim.id("geom", "near"));
      expect(ids[64 * W + 58]).toBe(sim.id("geom", "far")); // box spans u = 64 ± 64·0.3/2.0 = 64 ± 9.6
      images.push(r.render("top"));
    }
    expect(Buffer.compare(images[0], images[1])).toBe(0);
  });

  it("the same state renders the same bytes, from the same renderer and from a new one", async () => {
    const xml = scene(`<geom type="box" size="0.2 0.1 0.05" euler="0.3 0.2 0.5" rgba="0.2 0.5 0.9 1"/>
      <geom type="capsule" size="0.05 0.2" pos="0.3 0.2 0.1" euler="1 0 0.4" rgba="0.9 0.6 0.1 1"/>
      <geom type="plane" size="1 1 0.1" pos="0 0 -0.1" rgba="0.5 0.5 0.5 1"/>`);
    const a = await open(xml);
    const b = await open(xml);
    const ra = new Renderer(a);
    const first = ra.render("top");
    const again = ra.render("top", new Uint8Array(W * H * 3));
    const other = new Renderer(b).render("top");
    expect(Buffer.compare(first, again)).toBe(0);
    expect(Buffer.compare(first, other)).toBe(0);
  });

  it("draws the geom MuJoCo's ray casting hits through ≥ 99% of the pixel centres of a cluttered scene", async () => {
    const sim = await open(clutteredSceneXml());
    const renderer = new Renderer(sim);
    const rays = new RaySegmenter(sim, W, H);
    try {
      for (const camera of ["agentview", "side"]) {
        const drawn = renderer.segmentation(camera);
        const hit = rays.segment(renderer.cameraPose(camera));
        let agree = 0;
        let objects = 0;
        for (let p = 0; p < W * H; p++) {
          if (drawn[p] === hit[p]) agree++;
          if (hit[p] >= 0) objects++;
        }
        expect(objects).toBeGreaterThan(W * H * 0.5); // the check covers a mostly filled frame
        expect(agree / (W * H)).toBeGreaterThanOrEqual(0.99);
      }
    } finally {
      rays.dispose();
    }
  });

  it("clips a plane that reaches behind the camera instead of dropping it", async () => {
    const sim = await open(scene(`<geom name="floor" type="plane" size="0 0 1" rgba="0.5 0.5 0.5 1"/>`));
    const ids = new Renderer(sim).segmentation({ pos: [0, 0, 1], lookat: [1, 0, 1], fovy: 60 });
    const floor = sim.id("geom", "floor");
    // Looking level from 1 m up: the bottom row sees the floor 1/tan(30°) ≈ 1.7 m ahead, the top row the sky.
    for (let i = 0; i < W; i++) {
      expect(ids[(H - 1) * W + i]).toBe(floor);
      expect(ids[i]).toBe(-1);
    }
  });

  it("uses the material colour when the geom keeps the default rgba, and skips alpha-0 and group-3 geoms", async () => {
    const sim = await open(
      scene(
        `<geom name="mat" type="box" size="0.1 0.1 0.05" pos="-0.5 0 0" material="blue"/>
         <geom name="ghost" type="box" size="0.1 0.1 0.05" pos="0 0 0" rgba="1 1 1 0"/>
         <geom name="hidden" type="box" size="0.1 0.1 0.05" pos="0.5 0 0" group="3"/>`,
        `<asset><material name="blue" rgba="0 0 1 1"/></asset>`,
      ),
    );
    const r = new Renderer(sim);
    const rgb = r.render("top");
    // Box at x = −0.5: u = 64 − 64·0.5/2.0 = 48.
    expect(pixel(rgb, 48, 64)).toEqual([0, 0, 255]);
    expect(pixel(rgb, 64, 64)).toEqual([0, 0, 0]);
    expect(pixel(rgb, 80, 64)).toEqual([0, 0, 0]);
  });

  it("a face lit at 60° gets ambient + diffuse·cos 60°, and the headlight adds its own light", async () => {
    // A white box tilted 60° about x: its top face normal makes 60° with the downward light, so
    // intensity = 0.2 + 0.8·0.5 = 0.6 → 255·0.6 = 153. The headlight (ambient 0.1, diffuse 0.4, looking down the
    // same axis) adds 0.1 + 0.4·0.5 = 0.3 → 0.9 → 229.5, stored as 229 or 230.
    const geom = `<geom type="box" size="0.3 0.3 0.01" euler="60 0 0" rgba="1 1 1 1"/>`;
    const dim = await open(scene(geom));
    expect(pixel(new Renderer(dim).render("top"), 64, 64)).toEqual([153, 153, 153]);
    const lit = await open(
      scene(geom).replace(`<headlight active="0"/>`, `<headlight active="1" ambient="0.1 0.1 0.1" diffuse="0.4 0.4 0.4"/>`),
    );
    const v = pixel(new Renderer(lit).render("top"), 64, 64)[0];
    expect(v === 229 || v === 230).toBe(true);
  });

  it("an explicit CameraSpec with a model camera's pose renders the same bytes as that camera", async () => {
    const sim = await open(clutteredSceneXml());
    const r = new Renderer(sim);
    const pose = r.cameraPose("agentview");
    const byName = r.render("agentview");
    const bySpec = r.render({ pos: pose.pos, mat: pose.mat, fovy: 45 });
    expect(Buffer.compare(byName, bySpec)).toBe(0);
    // lookat: the agentview's optical axis (−z column of its rotation) from the same position.
    const at = [0, 1, 2].map((k) => pose.pos[k] - pose.mat[3 * k + 2]);
    const byLookat = r.segmentation({ pos: pose.pos, lookat: at, fovy: 45 });
    const ids = r.segmentation("agentview");
    let same = 0;
    for (let p = 0; p < W * H; p++) if (byLookat[p] === ids[p]) same++;
    expect(same / (W * H)).toBeGreaterThan(0.999); // equal up to rounding of the rebuilt rotation
  });

  it("a camera fixed to a body follows the body after mj_forward", async () => {
    const sim = await open(
      scene(`<geom name="box" type="box" size="0.1 0.1 0.05" rgba="1 0 0 1"/>
        <body name="rig" pos="0 0 1.05"><joint name="slide" type="slide" axis="1 0 0"/>
          <geom type="sphere" size="0.01" pos="0 0 0.5" rgba="0 0 0 0"/>
          <camera name="rigcam" pos="0 0 0" fovy="90"/></body>`),
    );
    const r = new Renderer(sim);
    // Box top 1.0 m below the camera: half-width 64·0.1/1.0 = 6.4 px around the image centre.
    expect(r.segmentation("rigcam")[64 * W + 64]).toBe(sim.id("geom", "box"));
    sim.data.qpos[0] = 0.3; // camera moves +0.3 m in x, so the box appears 64·0.3 = 19.2 px to the left
    sim.mj.mj_forward(sim.model, sim.data);
    const ids = r.segmentation("rigcam");
    expect(ids[64 * W + 64]).toBe(-1);
    expect(ids[64 * W + 45]).toBe(sim.id("geom", "box"));
  });

  it("a spot light lights a box inside its cone, and a box outside gets none of its light, ambient included", async () => {
    // OpenGL scales a light's ambient term by its spot factor too. Inside (straight below, exponent 0):
    // 0.1 + 0.5·1 = 0.6 → 153. Outside (atan(1.5/0.95) ≈ 58° > cutoff 20°): 0 → black, though the box is there.
    const sim = await open(`<mujoco><visual><headlight active="0"/></visual><worldbody>
      <light pos="0 0 1" dir="0 0 -1" cutoff="20" exponent="0" diffuse="0.5 0.5 0.5" ambient="0.1 0.1 0.1"/>
      <camera name="top" pos="0 0 2.05" fovy="90"/>
      <geom name="lit" type="box" size="0.05 0.05 0.05" rgba="1 1 1 1"/>
      <geom name="dark" type="box" size="0.05 0.05 0.05" pos="1.5 0 0" rgba="1 1 1 1"/></worldbody></mujoco>`);
    const r = new Renderer(sim);
    const rgb = r.render("top");
    // Box at x = 1.5: u = 64 + 64·1.5/2.0 = 112.
    expect(r.segmentation("top")[64 * W + 112]).toBe(sim.id("geom", "dark"));
    expect(pixel(rgb, 64, 64)).toEqual([153, 153, 153]);
    expect(pixel(rgb, 112, 64)).toEqual([0, 0, 0]);
  });

  it("an unknown camera name is an error naming it and listing the model's cameras", async () => {
    const sim = await open(scene(""));
    expect(() => new Renderer(sim).render("agentveiw")).toThrow(/'agentveiw'.*top/);
  });

  it("a wrong-size output buffer is an error naming the needed size", async () => {
    const sim = await open(scene(""));
    expect(() => new Renderer(sim).render("top", new Uint8Array(10))).toThrow(/49152/);
  });

  it("renders any width and height, e.g. 224×224 and 64×32", async () => {
    const sim = await open(scene(`<geom type="box" size="0.25 0.125 0.05" rgba="1 0 0 1"/>`));
    const r = new Renderer(sim);
    expect(r.render("top", undefined, 224, 224).length).toBe(224 * 224 * 3);
    const small = r.render("top", undefined, 64, 32);
    // 64×32, fovy 90: f = 16, so the box spans u = 32 ± 2, v = 16 ± 1: pixel (32, 16) is red.
    expect([small[3 * (16 * 64 + 32)], small[3 * (16 * 64 + 32) + 1]]).toEqual([255, 0]);
  });
});

describe("png", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "render-test-"));
  });

  it("encodes RGB rows top first and reads back the same pixels", () => {
    const rgb = new Uint8Array(4 * 2 * 3).map((_, k) => (k * 37) % 256);
    const png = PNG.sync.read(encodePng(rgb, 4, 2));
    expect([png.width, png.height]).toEqual([4, 2]);
    for (let p = 0; p < 8; p++) {
      expect([...png.data.subarray(4 * p, 4 * p + 3)]).toEqual([...rgb.subarray(3 * p, 3 * p + 3)]);
    }
  });

  it("writes the file atomically, leaving no temporary file behind", () => {
    const path = join(dir, "frame.png");
    writePng(path, new Uint8Array(2 * 2 * 3).fill(200), 2, 2);
    expect(PNG.sync.read(readFileSync(path)).data[0]).toBe(200);
    expect(readdirSync(dir)).toEqual(["frame.png"]);
  });

  it("a buffer of the wrong length is an error naming the needed size", () => {
    expect(() => encodePng(new Uint8Array(5), 2, 2)).toThrow(/needs 12/);
  });
});

/**
 * A table with clutter at many orientations, seen from an agentview-like camera (LIBERO.md §4) and from a
 * low side camera.
 */
function clutteredSceneXml(): string {
  return `<mujoco><asset><mesh name="wedge" vertex="0 0 0  0.12 0 0  0 0.08 0  0 0 0.06  0.12 0.08 0"/></asset>
  <worldbody>
    <light pos="1 1 1.5" dir="-0.2 -0.2 -1" directional="true"/>
    <light pos="-0.5 0.5 2.5" dir="0.2 -0.2 -1"/>
    <camera name="agentview" pos="0.6586 0 1.6104" quat="0.6380 0.3048 0.3048 0.6380"/>
    <camera name="side" pos="0 -1.0 1.1" xyaxes="1 0 0 0 0.3 1" fovy="60"/>
    <geom name="floor" type="plane" size="0 0 0.1" rgba="0.4 0.4 0.4 1"/>
    <geom name="table" type="box" size="0.45 0.6 0.025" pos="0 0 0.875" rgba="0.6 0.45 0.3 1"/>
    <geom type="box" size="0.05 0.03 0.04" pos="-0.1 -0.2 0.94" euler="0 0 30" rgba="0.8 0.1 0.1 1"/>
    <geom type="box" size="0.08 0.02 0.02" pos="0.15 0.1 0.95" euler="20 40 10" rgba="0.1 0.8 0.1 1"/>
    <geom type="box" size="0.03 0.03 0.1" pos="-0.25 0.25 1.0" euler="0 60 0" rgba="0.1 0.1 0.8 1"/>
    <geom type="sphere" size="0.05" pos="0.05 -0.05 0.95" rgba="0.9 0.9 0.2 1"/>
    <geom type="sphere" size="0.03" pos="0.25 -0.3 0.93" rgba="0.9 0.2 0.9 1"/>
    <geom type="capsule" size="0.03 0.1" pos="-0.05 0.3 0.95" euler="90 0 45" rgba="0.2 0.9 0.9 1"/>
    <geom type="capsule" size="0.025 0.06" pos="0.2 0.35 1.0" euler="30 20 0" rgba="0.5 0.2 0.1 1"/>
    <geom type="cylinder" size="0.04 0.06" pos="-0.3 -0.1 0.96" rgba="0.3 0.6 0.2 1"/>
    <geom type="cylinder" size="0.06 0.02" pos="0.3 0.05 0.95" euler="70 0 20" rgba="0.7 0.7 0.7 1"/>
    <geom type="ellipsoid" size="0.08 0.04 0.03" pos="0 0.1 0.95" euler="0 0 60" rgba="0.9 0.5 0.1 1"/>
    <geom type="mesh" mesh="wedge" pos="0.3 -0.15 0.92" euler="0 0 25" rgba="0.4 0.4 0.9 1"/>
    <geom type="capsule" fromto="-0.66 0 0.9 -0.5 0 1.3" size="0.06" rgba="0.95 0.95 0.95 1"/>
    <geom type="capsule" fromto="-0.5 0 1.3 -0.25 0 1.15" size="0.05" rgba="0.95 0.95 0.95 1"/>
    <geom type="cylinder" fromto="-0.25 -0.06 1.15 -0.25 0.06 1.15" size="0.05" rgba="0.2 0.2 0.2 1"/>
  </worldbody></mujoco>`;
}
