/**
 * Chooses the TensorFlow.js compute backend, best first (DESIGN.md "Tensors"):
 *
 * - `tensorflow`: libtensorflow through @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, only where the
 *   user installed one of them (their install downloads libtensorflow, so it is not a dependency here);
 * - `webgpu`: Dawn from the `webgpu` npm package + @tensorflow/tfjs-backend-webgpu, only on a hardware
 *   adapter (a software/fallback adapter such as SwiftShader is refused: it is slower than wasm);
 * - `wasm`: the CPU default (XNNPACK, SIMD; single-threaded in Node, tfjs#3830);
 * - `cpu`: plain JavaScript kernels, the last resort.
 *
 * `auto` takes the first of these that works. The choice is logged once per process.
 */
import { existsSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";

export const BACKEND_NAMES = ["auto", "tensorflow", "webgpu", "wasm", "cpu"] as const;
export type BackendRequest = (typeof BACKEND_NAMES)[number];
export type BackendName = Exclude<BackendRequest, "auto">;

let logged = "";

function log(name: BackendName, detail: string): void {
  const line = `tfjs backend: ${name}${detail ? ` (${detail})` : ""}`;
  if (logged !== line) console.log(line);
  logged = line;
}

/** Loads libtensorflow bindings if installed; returns a detail string or throws why not. */
async function loadTensorflow(): Promise<string> {
  for (const spec of ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"]) {
    try {
      await import(/* @vite-ignore */ spec);
    } catch {
      continue;
    }
    if (await tf.setBackend("tensorflow")) return spec;
  }
  throw new Error(
    "Backend 'tensorflow' needs @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, which is not installed " +
      "(its install downloads libtensorflow, so it needs internet and, for the GPU build, CUDA 11.2); " +
      "install one of them yourself or use --backend webgpu, wasm or cpu.",
  );
}

type WebgpuProbe = { ok: true; gpu: GPU; adapterName: string } | { ok: false; reason: string };
let probed: Promise<WebgpuProbe> | null = null;

/** Describes the first hardware WebGPU adapter, or returns the reason there is none (probed once per process). */
export function probeWebgpu(): Promise<WebgpuProbe> {
  probed ??= probeWebgpuOnce();
  return probed;
}

/**
 * On Linux, Dawn reaches the GPU through the Vulkan loader; without `libvulkan.so.1` it can only fail, and
 * prints a native warning while doing so. Looking for the loader first keeps a CPU machine's output clean.
 */
function vulkanLoaderMissing(): boolean {
  if (process.platform !== "linux") return false;
  const dirs = [
    ...(process.env.LD_LIBRARY_PATH ?? "").split(":").filter((d) => d !== ""),
    "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib64", "/lib",
    "/usr/local/lib", "/usr/local/nvidia/lib64",
  ];
  return !dirs.some((d) => existsSync(`${d}/libvulkan.so.1`));
}

async function probeWebgpuOnce(): Promise<WebgpuProbe> {
  if (vulkanLoaderMissing()) return { ok: false, reason: "no Vulkan loader (libvulkan.so.1) is installed, so Dawn cannot reach a GPU" };
  let mod: { create: (options: string[]) => GPU; globals: object };
  try {
    mod = (await import("webgpu")) as unknown as typeof mod;
  } catch (e) {
    return { ok: false, reason: `the 'webgpu' package could not be loaded (${(e as Error).message})` };
  }
  let gpu: GPU;
  try {
    Object.assign(globalThis, mod.globals);
    gpu = mod.create([]);
  } catch (e) {
    return { ok: false, reason: `Dawn could not start (${(e as Error).message})` };
  }
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" }).catch(() => null);
  if (adapter === null) return { ok: false, reason: "no WebGPU adapter was found (no GPU, or no Vulkan/Metal/D3D12 driver)" };
  const info = (adapter as unknown as { info?: Record<string, unknown> }).info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(" ") || "unnamed adapter";
  const fallback =
    (adapter as unknown as { isFallbackAdapter?: boolean }).isFallbackAdapter === true ||
    info.isFallbackAdapter === true ||
    /swiftshader|llvmpipe|lavapipe|software|microsoft basic render/i.test(name);
  if (fallback) return { ok: false, reason: `only a software adapter was found (${name})` };
  return { ok: true, gpu, adapterName: name };
}

async function loadWebgpu(): Promise<string> {
  const probe = await probeWebgpu();
  if (!probe.ok) {
    throw new Error(`Backend 'webgpu' is unavailable: ${probe.reason}; use --backend wasm on a CPU-only machine.`);
  }
  // The tfjs webgpu backend registers itself only if navigator.gpu exists when it is imported.
  (globalThis as unknown as { navigator: unknown }).navigator = { gpu: probe.gpu };
  await import("@tensorflow/tfjs-backend-webgpu");
  if (!(await tf.setBackend("webgpu"))) {
    throw new Error(`Backend 'webgpu' failed to initialise on ${probe.adapterName}; use --backend wasm instead.`);
  }
  return probe.adapterName;
}

async function loadWasm(): Promise<string> {
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  const dir = process.env.TFJS_WASM_DIR;
  // The device bundle ships tfjs's .wasm files in a folder of its own and names it here.
  if (dir) wasm.setWasmPaths(dir.endsWith("/") ? dir : `${dir}/`);
  if (!(await tf.setBackend("wasm"))) {
    throw new Error(
      `Backend 'wasm' failed to load its .wasm files${dir ? ` from TFJS_WASM_DIR=${dir}` : ""}; ` +
        "check that @tensorflow/tfjs-backend-wasm is installed (or TFJS_WASM_DIR names its dist folder), or use --backend cpu.",
    );
  }
  return "SIMD, single thread";
}

async function loadCpu(): Promise<string> {
  await import("@tensorflow/tfjs-backend-cpu");
  if (!(await tf.setBackend("cpu"))) throw new Error("Backend 'cpu' failed to initialise.");
  return "plain JavaScript, slow";
}

const LOADERS: Record<BackendName, () => Promise<string>> = {
  tensorflow: loadTensorflow,
  webgpu: loadWebgpu,
  wasm: loadWasm,
  cpu: loadCpu,
};

/**
 * Makes `name` the active tfjs backend and returns the backend chosen (`auto` → the best available).
 * Asking for one that cannot run here throws a sentence saying why and what to use instead. `quiet` leaves
 * the choice unlogged (a worker thread whose parent has logged it).
 */
export async function selectBackend(name: BackendRequest | string, options: { quiet?: boolean } = {}): Promise<BackendName> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new Error(`Unknown backend '${name}'; valid backends are: ${BACKEND_NAMES.join(", ")}.`);
  }
  if (name !== "auto") {
    const detail = await LOADERS[name as BackendName]();
    await tf.ready();
    if (!options.quiet) log(name as BackendName, detail);
    return name as BackendName;
  }
  const reasons: string[] = [];
  for (const candidate of ["tensorflow", "webgpu", "wasm", "cpu"] as BackendName[]) {
    try {
      const detail = await LOADERS[candidate]();
      await tf.ready();
      if (!options.quiet) log(candidate, `auto; ${detail}`);
      return candidate;
    } catch (e) {
      reasons.push((e as Error).message);
    }
  }
  throw new Error(`No tfjs backend could start: ${reasons.join(" ")}`);
}

/** The active backend's name, as the rest of `models/` branches on it (e.g. attention kernels). */
export function activeBackend(): string {
  return tf.getBackend();
}
