/**
 * Rendering speed on one core: the CPU rasterizer (sim/render/rasterizer.ts) against MuJoCo's own ray casting
 * (`mj_multiRay`, one ray per pixel), at LIBERO's 128×128 and OpenVLA's 224×224, on a robot-on-table scene seen
 * from LIBERO's agentview camera. Also writes the 128×128 frame to /tmp/render-benchmark.png to look at.
 *
 * The scene is an input (`benchmarkRender(xml, camera)`); `main` uses the robot table scene. This file also
 * keeps a self-contained stand-in scene (`benchmarkSceneXml`): a table whose top is at z = 0.90, centred at the origin, ten free objects, and an arm-like chain of
 * capsules, cylinders and boxes based where LIBERO mounts the Panda, (−0.66, 0, 0.912) (LIBERO.md §7).
 *
 *   npm run bench -- render
 */
import { Simulation } from "../sim/mujoco.ts";
import { writePng } from "../sim/render/png.ts";
import { Renderer } from "../sim/render/rasterizer.ts";
import { RaySegmenter } from "../sim/render/raycast.ts";
import { robotTableSceneXml } from "../sim/scenes/robotTable.ts";
import { machineLine, printTable, timeIt, type Cell } from "./lib/table.ts";

/** A stand-in tabletop scene with LIBERO's agentview camera (LIBERO.md §4: pos, quat wxyz, default fovy 45). */
export function benchmarkSceneXml(): string {
  const objects = [
    `<geom type="box" size="0.03 0.03 0.03" rgba="0.8 0.2 0.2 1"/>`,
    `<geom type="box" size="0.05 0.02 0.04" rgba="0.2 0.6 0.9 1"/>`,
    `<geom type="box" size="0.025 0.06 0.02" rgba="0.9 0.8 0.2 1"/>`,
    `<geom type="cylinder" size="0.035 0.05" rgba="0.3 0.8 0.3 1"/>`,
    `<geom type="cylinder" size="0.025 0.07" rgba="0.7 0.4 0.1 1"/>`,
    `<geom type="cylinder" size="0.045 0.03" rgba="0.5 0.5 0.9 1"/>`,
    `<geom type="cylinder" size="0.02 0.04" rgba="0.9 0.5 0.7 1"/>`,
    `<geom type="sphere" size="0.03" rgba="0.95 0.95 0.95 1"/>`,
    `<geom type="sphere" size="0.04" rgba="0.6 0.1 0.6 1"/>`,
    `<geom type="sphere" size="0.025" rgba="0.1 0.5 0.5 1"/>`,
  ];
  const placed = objects
    .map((geom, k) => {
      const x = -0.2 + 0.13 * (k % 4);
      const y = -0.25 + 0.17 * Math.floor(k / 4) + 0.03 * (k % 2);
      return `<body name="obj${k}" pos="${x.toFixed(3)} ${y.toFixed(3)} 0.96"><freejoint/>${geom}</body>`;
    })
    .join("\n      ");
  const link = `rgba="0.95 0.95 0.95 1"`;
  const dark = `rgba="0.2 0.2 0.2 1"`;
  return `<mujoco model="render-benchmark">
  <visual><headlight ambient="0.1 0.1 0.1" diffuse="0.4 0.4 0.4"/></visual>
  <worldbody>
    <light pos="1 1 1.5" dir="-0.2 -0.2 -1" directional="true" diffuse="0.6 0.6 0.6"/>
    <light pos="-1 -1 3" dir="0.3 0.3 -1" directional="true" diffuse="0.3 0.3 0.3"/>
    <geom name="floor" type="plane" size="3 3 0.1" rgba="0.35 0.3 0.25 1"/>
    <body name="table" pos="0 0 0.875">
      <geom name="table_top" type="box" size="0.4 0.6 0.025" rgba="0.6 0.45 0.3 1"/>
      <geom type="cylinder" size="0.025 0.425" pos="0.35 0.55 -0.45" ${dark}/>
      <geom type="cylinder" size="0.025 0.425" pos="-0.35 0.55 -0.45" ${dark}/>
      <geom type="cylinder" size="0.025 0.425" pos="0.35 -0.55 -0.45" ${dark}/>
      <geom type="cylinder" size="0.025 0.425" pos="-0.35 -0.55 -0.45" ${dark}/>
    </body>
    <camera name="agentview" pos="0.6586 0 1.6104" quat="0.6380 0.3048 0.3048 0.6380" fovy="45"/>
    <body name="arm_base" pos="-0.66 0 0.912">
      <geom type="cylinder" size="0.09 0.05" pos="0 0 0.05" ${dark}/>
      <geom type="capsule" fromto="0 0 0.1 0 0 0.33" size="0.06" ${link}/>
      <body name="link2" pos="0 0 0.33">
        <joint name="j2" type="hinge" axis="0 1 0"/>
        <geom type="cylinder" size="0.065 0.06" quat="0.7071 0.7071 0 0" ${dark}/>
        <geom type="capsule" fromto="0 0 0 0.1 0 0.12" size="0.055" ${link}/>
        <body name="link3" pos="0.1 0 0.12">
          <joint name="j3" type="hinge" axis="0 1 0"/>
          <geom type="cylinder" size="0.06 0.055" quat="0.7071 0.7071 0 0" ${dark}/>
          <geom type="capsule" fromto="0 0 0 0.2 0 0" size="0.05" ${link}/>
          <geom type="box" size="0.04 0.05 0.04" pos="0.2 0 0" ${dark}/>
          <body name="link5" pos="0.2 0 0">
            <joint name="j5" type="hinge" axis="0 1 0"/>
            <geom type="capsule" fromto="0 0 0 0.12 0 -0.22" size="0.045" ${link}/>
            <body name="hand" pos="0.14 0 -0.3">
              <geom type="capsule" fromto="-0.05 0 0.02 0 0 0" size="0.04" ${link}/>
              <geom type="box" size="0.02 0.09 0.025" ${dark}/>
              <geom type="capsule" fromto="0 0.03 -0.02 0 0.03 -0.07" size="0.012" ${link}/>
              <geom type="capsule" fromto="0 -0.03 -0.02 0 -0.03 -0.07" size="0.012" ${link}/>
              <geom type="box" size="0.012 0.008 0.02" pos="0 0.03 -0.09" ${dark}/>
            </body>
          </body>
        </body>
      </body>
    </body>
      ${placed}
  </worldbody>
</mujoco>`;
}

/** Frames per second of the rasterizer and of per-pixel ray casting for `xml` seen from `camera`. */
export async function benchmarkRender(xml: string, camera: string, pngPath: string): Promise<Cell[][]> {
  const sim = await Simulation.fromXml(xml);
  try {
    sim.mj.mj_forward(sim.model, sim.data);
    const rows: Cell[][] = [];
    for (const size of [128, 224]) {
      const renderer = new Renderer(sim, { width: size, height: size });
      const rgb = new Uint8Array(size * size * 3);
      let calls = 0;
      const cpu0 = process.cpuUsage();
      const ms = await timeIt(() => {
        calls++;
        renderer.render(camera, rgb);
      }, 2000, 20);
      const cpu = process.cpuUsage(cpu0);
      const cpuFps = calls / ((cpu.user + cpu.system) / 1e6);
      const rays = new RaySegmenter(sim, size, size);
      const pose = renderer.cameraPose(camera);
      rays.segment(pose, "multiRay");
      const rayMs = await timeIt(() => rays.cast(pose.pos), 1000, 2);
      rays.dispose();
      rows.push([`${size}×${size}`, renderer.triangleCount, 1000 / ms, cpuFps, 1000 / rayMs, rayMs / ms]);
      if (size === 128) writePng(pngPath, rgb, size, size);
      renderer.dispose();
    }
    return rows;
  } finally {
    sim.dispose();
  }
}

async function main(): Promise<void> {
  console.log(machineLine() + "\n");
  const png = "/tmp/render-benchmark.png";
  // The robot table scene: the Panda on its mount and four boxes on LIBERO's main table.
  const rows = await benchmarkRender(robotTableSceneXml(), "agentview", png);
  printTable(
    "Rendering one agentview frame on one core (robot table scene: Panda + 4 boxes on LIBERO's main table)",
    ["image", "triangles", "rasterizer frames/s", "per CPU-second", "mj_multiRay frames/s", "speed-up"],
    rows,
    [
      "Rasterizer: RGB with Gouraud shading and depth test, into a reused buffer; 'per CPU-second' divides by this process's CPU time instead of wall time (less sensitive to other load on the machine). mj_multiRay: geom ids only, one ray per pixel centre, directions precomputed (MuJoCo 3.3.8's mj_multiRay can miss large slabs near the camera; see sim/render/raycast.ts).",
      `The 128×128 frame is in ${png}.`,
    ],
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
