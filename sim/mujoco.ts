/**
 * The MuJoCo WebAssembly runtime: one module per thread, models compiled from MJCF strings written into the
 * module's in-memory file system, and exactly one owner for every `MjModel`/`MjData`.
 *
 * Pitfall of the WASM build (checked, see the project's notes on mujoco-js): functions that write into an
 * output array only do so into a `mj.DoubleBuffer` (or `IntBuffer`); a plain `Float64Array` passed as an
 * output is accepted and silently left unwritten. Every output buffer in `sim/` is therefore a DoubleBuffer.
 */
import loadMujoco from "mujoco-js";
import type { MainModule, MjData, MjModel } from "mujoco-js";

export type Mujoco = MainModule;
export type { MjData, MjModel };

let modulePromise: Promise<Mujoco> | null = null;
let fsReady = false;
let fileCounter = 0;

/** Loads the WASM module once per thread (about 0.1–0.3 s); later calls return the same instance. */
export function getMujoco(): Promise<Mujoco> {
  modulePromise ??= loadMujoco() as Promise<Mujoco>;
  return modulePromise;
}

/**
 * Grows this thread's WASM heap, as building a model or a large allocation may at any time: allocates 1 MiB
 * blocks until a view into the heap detaches, then frees them (the heap keeps its size). For tests that
 * check that nothing holds a view across such growth; returns the number of blocks it took.
 */
export function growWasmHeap(mj: Mujoco): number {
  const mark = new mj.DoubleBuffer(1);
  const view = mark.GetView() as Float64Array;
  const blocks: { delete(): void }[] = [];
  try {
    while (view.buffer.byteLength !== 0) {
      if (blocks.length === 4096) throw new Error("growWasmHeap: 4 GiB allocated and the heap did not grow.");
      blocks.push(new mj.DoubleBuffer(2 ** 17));
    }
    return blocks.length;
  } finally {
    for (const b of blocks) b.delete();
    mark.delete();
  }
}

/**
 * Compiles an MJCF string. The XML is written to the module's MEMFS under a fresh name, compiled, and the
 * file removed again, so repeated loads never grow the virtual file system.
 */
export function compileModel(mj: Mujoco, xml: string): MjModel {
  if (!fsReady) {
    mj.FS.mkdir("/mjcf");
    mj.FS.mount(mj.MEMFS, { root: "." }, "/mjcf");
    fsReady = true;
  }
  const path = `/mjcf/model_${fileCounter++}.xml`;
  mj.FS.writeFile(path, xml);
  try {
    return mj.MjModel.loadFromXML(path);
  } catch (err) {
    throw new Error(`MuJoCo could not compile the generated MJCF: ${errorText(mj, err)}`);
  } finally {
    mj.FS.unlink(path);
  }
}

/** Emscripten throws C++ exceptions as numbers (pointers); turn them into the message MuJoCo gave. */
function errorText(mj: Mujoco, err: unknown): string {
  if (typeof err === "number") {
    const anyMj = mj as unknown as { getExceptionMessage?: (e: number) => string[] };
    if (anyMj.getExceptionMessage) return anyMj.getExceptionMessage(err).join(": ");
    return `exception ${err}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * A cached typed-array view of one `MjData`/`MjModel` field. Each property read on the WASM objects builds a
 * fresh view over WASM memory (≈0.2 µs), which adds up at 25 substeps × several fields per control step; a
 * cached view stays valid until WASM memory grows (any new allocation may grow it), after which its buffer
 * is detached and has length 0, so we refetch then.
 */
export class LiveView<T extends Float64Array | Int32Array> {
  private v: T;
  constructor(private readonly owner: object, private readonly field: string) {
    this.v = (owner as Record<string, T>)[field];
  }
  get(): T {
    if (this.v.buffer.byteLength === 0) this.v = (this.owner as Record<string, T>)[this.field];
    return this.v;
  }
}

/**
 * A compiled model and one simulation state: the single owner of both. `dispose()` frees the WASM memory;
 * using the simulation afterwards throws.
 */
export class Simulation {
  readonly mj: Mujoco;
  readonly model: MjModel;
  readonly data: MjData;
  readonly xml: string;
  private disposed = false;

  constructor(mj: Mujoco, xml: string) {
    this.mj = mj;
    this.xml = xml;
    this.model = compileModel(mj, xml);
    this.data = new mj.MjData(this.model);
  }

  /** Loads the module (once per thread) and compiles `xml`. */
  static async fromXml(xml: string): Promise<Simulation> {
    return new Simulation(await getMujoco(), xml);
  }

  /** Id of a named object, or a clear error naming what was not found. */
  id(type: "body" | "joint" | "geom" | "site" | "camera" | "actuator" | "light", name: string): number {
    const key = `mjOBJ_${type.toUpperCase()}` as keyof Mujoco["mjtObj"];
    const objType = (this.mj.mjtObj[key] as { value: number }).value;
    const id = this.mj.mj_name2id(this.model, objType, name);
    if (id < 0) throw new Error(`The model has no ${type} named '${name}'.`);
    return id;
  }

  /** Name of object `id` of a type, read from the model's name table. */
  name(type: "body" | "joint" | "geom" | "site" | "camera" | "actuator", id: number): string {
    // MuJoCo abbreviates two of the address fields: name_jntadr and name_camadr.
    const field = type === "joint" ? "jnt" : type === "camera" ? "cam" : type;
    const adr = (this.model as unknown as Record<string, Int32Array>)[`name_${field}adr`][id];
    const names = this.model.names as unknown as Uint8Array;
    let end = adr;
    while (names[end] !== 0) end++;
    return new TextDecoder().decode(names.subarray(adr, end));
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.data.delete();
    this.model.delete();
  }
}
