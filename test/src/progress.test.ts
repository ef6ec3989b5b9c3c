import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { formatDuration, progress } from "../../src/progress.ts";

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (d) => (text += d));
  return { stream, text: () => text };
}

describe("progress", () => {
  it("plain mode logs '[sft] 120/400 (30%) loss 1.234 eta 3m20s' style lines at the interval", () => {
    const { stream, text } = capture();
    let t = 0;
    const p = progress("sft", 400, { stream, tty: false, intervalMs: 10_000, now: () => t });
    for (let i = 0; i < 120; i++) {
      t += 250; // 0.25 s per step
      p.tick(1, { loss: 1.2341 });
    }
    // Logged at 0.25 s (step 1), 10.25 s (step 41) and 20.25 s (step 81): 319 steps left take 79.75 s.
    const lines = text().trim().split("\n");
    expect(lines).toEqual([
      "[sft] 1/400 (0%) loss 1.234 eta 1m40s",
      "[sft] 41/400 (10%) loss 1.234 eta 1m30s",
      "[sft] 81/400 (20%) loss 1.234 eta 1m20s",
    ]);
  });

  it("plain mode always logs the last tick and a final line with the duration", () => {
    const { stream, text } = capture();
    let t = 0;
    const p = progress("rl", 3, { stream, tty: false, intervalMs: 1e9, now: () => t });
    p.tick();
    t = 200_000;
    p.tick(2, { success: 0.5 });
    p.done();
    expect(text().trim().split("\n")).toEqual([
      "[rl] 1/3 (33%) eta 0s",
      "[rl] 3/3 (100%) success 0.5 eta 0s",
      "[rl] 3/3 (100%) success 0.5 took 3m20s",
    ]);
  });

  it("tty mode draws a cli-progress bar with the fields and an ETA", () => {
    const { stream, text } = capture();
    const p = progress("eval", 10, { stream, tty: true });
    p.tick(5, { success: 0.25 });
    p.done();
    expect(text()).toContain("[eval]");
    expect(text()).toContain("success 0.25");
    expect(text()).toContain("eta");
  });

  it("durations read as 45s, 3m20s, 1h02m", () => {
    expect([formatDuration(45), formatDuration(200), formatDuration(3720)]).toEqual(["45s", "3m20s", "1h02m"]);
  });
});
