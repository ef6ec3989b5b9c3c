/**
 * What one dispatch costs the CPU on webgpu in Node: the WebGPU calls tfjs makes for every kernel, each timed
 * alone (µs per call), and a tfjs op recorded at several WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE settings. The model
 * benchmark's CPU profile (base, B = 8 on an H200) put most of a training step in tfjs's recordAndSubmit,
 * i.e. in these calls.
 *
 *   npm run bench -- webgpuCalls     (skips without a WebGPU adapter; on a GPU host: pack benchmarks/model.ts with
 *                                    ../shared/device/pack.sh and pass --calls to it)
 */
import * as tf from "@tensorflow/tfjs-core";
import { probeWebgpu, selectBackend } from "../models/backend.ts";
import { webgpuInternals } from "../models/webgpuBackend.ts";
import { machineLine, printTable } from "./lib/table.ts";

const probe = await probeWebgpu();
if (!probe.ok) {
  console.log(`webgpuCalls: skipped, it needs a WebGPU adapter (${probe.reason}).`);
  process.exit(0);
}
await selectBackend("webgpu");
const b = webgpuInternals();
if (b === null) throw new Error("webgpuCalls needs tfjs's webgpu backend with the internals models/webgpuBackend.ts lists.");
const device = b.device;
console.log(machineLine());

/** Mean µs per call of fn over n calls (after n/10 warm-up calls). */
function perCall(n: number, fn: (i: number) => void): number {
  for (let i = 0; i < n / 10; i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  return ((performance.now() - t0) / n) * 1000;
}

const code = /* wgsl */ `
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
struct Params { n: u32 }
@group(0) @binding(3) var<uniform> p: Params;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) { if (gid.x < p.n) { y[gid.x] = a[gid.x] + c[gid.x]; } }`;
const pipeline = device.createComputePipeline({ layout: "auto", compute: { module: device.createShaderModule({ code }), entryPoint: "main" } });
const storage = () => device.createBuffer({ size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
const [a, c, y] = [storage(), storage(), storage()];
const uniform = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
const layout = pipeline.getBindGroupLayout(0);
const entries = [a, c, y, uniform].map((buffer, binding) => ({ binding, resource: { buffer } }));
const bindGroup = device.createBindGroup({ layout, entries });
const params = new Uint32Array([64, 0, 0, 0]);

const rows: (string | number)[][] = [];
rows.push(["pipeline.getBindGroupLayout(0)", perCall(5000, () => pipeline.getBindGroupLayout(0))]);
rows.push(["device.createBindGroup (4 buffers)", perCall(5000, () => device.createBindGroup({ layout, entries }))]);
rows.push(["queue.writeBuffer (16 bytes)", perCall(5000, () => device.queue.writeBuffer(uniform, 0, params))]);
{
  let encoder = device.createCommandEncoder();
  let pass = encoder.beginComputePass();
  let inPass = 0;
  const us = perCall(5000, () => {
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(1);
    if (++inPass === 500) {
      pass.end();
      device.queue.submit([encoder.finish()]);
      encoder = device.createCommandEncoder();
      pass = encoder.beginComputePass();
      inPass = 0;
    }
  });
  pass.end();
  device.queue.submit([encoder.finish()]);
  rows.push(["setPipeline + setBindGroup + dispatchWorkgroups", us]);
}
rows.push([
  "createCommandEncoder + pass + 1 dispatch + finish + submit",
  perCall(2000, () => {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(1);
    pass.end();
    device.queue.submit([encoder.finish()]);
  }),
]);
await device.queue.onSubmittedWorkDone();

// One small tfjs op (an add of [8, 8]) as a training step records it, per submit-batch setting.
const x = tf.zeros([8, 8]);
for (const batch of [15, 64, 1000]) {
  tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", batch);
  const us = perCall(2000, () => tf.dispose(tf.add(x, x)));
  await tf.add(x, x).data();
  rows.push([`tf.add([8,8]) recorded, WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=${batch}`, us]);
}
tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", 15);
x.dispose();
for (const buf of [a, c, y, uniform]) buf.destroy();
printTable("CPU cost of WebGPU calls in Node (dawn.node)", ["call", "µs per call"], rows);
