import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, test } from "vitest";
import { probeWebgpu, selectBackend } from "../../models/backend.ts";

describe("selectBackend", () => {
  test("wasm is available on a CPU-only machine and becomes the active backend", async () => {
    expect(await selectBackend("wasm")).toBe("wasm");
    expect(tf.getBackend()).toBe("wasm");
  });

  test("cpu is available as the last resort", async () => {
    expect(await selectBackend("cpu")).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    await selectBackend("wasm");
  });

  test("auto picks a working backend", async () => {
    const chosen = await selectBackend("auto");
    expect(["tensorflow", "webgpu", "wasm"]).toContain(chosen);
    await selectBackend("wasm");
  });

  test("an unknown backend name is an error listing the valid ones", async () => {
    await expect(selectBackend("cuda")).rejects.toThrow(/Unknown backend 'cuda'; valid backends are: auto, tensorflow, webgpu, wasm, cpu/);
  });

  test("tensorflow without tfjs-node installed says why and what to do", async () => {
    await expect(selectBackend("tensorflow")).rejects.toThrow(/libtensorflow.*use --backend/);
    await selectBackend("wasm");
  });

  test("webgpu is refused with the reason when no hardware adapter exists", async () => {
    const probe = await probeWebgpu();
    if (probe.ok) {
      console.log(`webgpu adapter present (${probe.adapterName}): the refusal case cannot be tested here`);
      return;
    }
    await expect(selectBackend("webgpu")).rejects.toThrow(/Backend 'webgpu' is unavailable: .*use --backend wasm/);
    await selectBackend("wasm");
  });
});

describe("webgpu backend", async () => {
  const probe = await probeWebgpu();
  test.skipIf(!probe.ok)(`runs a matMul on the GPU${probe.ok ? "" : ` (skipped: ${probe.reason})`}`, async () => {
    await selectBackend("webgpu");
    const y = tf.matMul(tf.ones([4, 4]), tf.ones([4, 4]));
    expect(Array.from(await y.data())).toEqual(new Array(16).fill(4));
    await selectBackend("wasm");
  });
});
