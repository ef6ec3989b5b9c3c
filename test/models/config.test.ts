import { describe, expect, test } from "vitest";
import { defaultVlaConfig, numPatches, validateVlaConfig, vlaPreset } from "../../models/config.ts";

describe("VLA config", () => {
  test("the default is the small preset with 64 patches of a 128-px image", () => {
    expect(defaultVlaConfig()).toEqual(vlaPreset("small"));
    expect(numPatches(defaultVlaConfig())).toBe(64);
  });

  test("an unknown preset name is an error listing the valid ones", () => {
    expect(() => vlaPreset("huge")).toThrow("Unknown VLA preset 'huge'; valid presets are: tiny, small, base.");
  });

  test("presets are returned as fresh copies", () => {
    const a = vlaPreset("tiny");
    a.width = 999;
    expect(vlaPreset("tiny").width).toBe(32);
  });

  test("settings that do not fit together are named in the error", () => {
    expect(() => validateVlaConfig({ ...vlaPreset("tiny"), imageSize: 60 })).toThrow(/imageSize \(60\) must be a multiple of patchSize \(16\)/);
    expect(() => validateVlaConfig({ ...vlaPreset("tiny"), heads: 3 })).toThrow(/width \(32\) must be a multiple of heads \(3\)/);
    expect(() => validateVlaConfig({ ...vlaPreset("tiny"), dropout: 0.1 })).toThrow(/dropout must be 0/);
    expect(() => validateVlaConfig({ ...vlaPreset("tiny"), depth: 0 })).toThrow(/depth must be a positive integer/);
  });
});
