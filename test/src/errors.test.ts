import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EXIT, Interrupted, runCli, UserError } from "../../src/cli/errors.ts";
import { spawnTsWorker } from "../../sim/threads.ts";

/** Runs `main` under runCli with recorded output and exit code. */
async function run(main: () => unknown): Promise<{ code: number | undefined; err: string }> {
  let err = "";
  let code: number | undefined;
  await runCli(main, { argv: [], signals: false, stderr: { write: (s: string) => (err += s) }, exit: (c) => (code = c) });
  return { code, err };
}

describe("runCli", () => {
  it("success exits 0 and prints nothing", async () => {
    expect(await run(() => undefined)).toEqual({ code: 0, err: "" });
  });

  it("a UserError prints one line 'error: <message>' and exits 2, without a stack", async () => {
    const r = await run(() => {
      throw new UserError("unknown suite \"x\"; valid suites: a, b");
    });
    expect(r.code).toBe(EXIT.user);
    expect(r.err).toBe('error: unknown suite "x"; valid suites: a, b\n');
  });

  it("a worker bundle named by the environment but missing is the person's setup: one line, exit 2", async () => {
    const before = process.env.SIMPLEVLA_TEST_WORKER;
    process.env.SIMPLEVLA_TEST_WORKER = "/nonexistent/envWorker.mjs";
    try {
      const r = await run(() => spawnTsWorker(new URL("./never.ts", import.meta.url), "SIMPLEVLA_TEST_WORKER"));
      expect(r.code).toBe(EXIT.user);
      expect(r.err).toMatch(/^error: SIMPLEVLA_TEST_WORKER names \/nonexistent\/envWorker\.mjs, which does not exist; .*\n$/);
    } finally {
      if (before === undefined) delete process.env.SIMPLEVLA_TEST_WORKER;
      else process.env.SIMPLEVLA_TEST_WORKER = before;
    }
  });

  it("an unexpected error prints its stack and exits 1", async () => {
    const r = await run(async () => {
      throw new TypeError("boom");
    });
    expect(r.code).toBe(EXIT.bug);
    expect(r.err).toContain("TypeError: boom");
    expect(r.err).toMatch(/\n\s+at /);
  });

  it("a thrown non-Error is still a bug with exit 1", async () => {
    const r = await run(() => {
      throw 42;
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain("42");
  });

  it("Interrupted exits 130 with one line", async () => {
    const r = await run(() => {
      throw new Interrupted("checkpoint saved at step 3; continue with --resume");
    });
    expect(r.code).toBe(130);
    expect(r.err).toBe("stopped: checkpoint saved at step 3; continue with --resume\n");
  });
});

const fixture = path.join(import.meta.dirname, "fixtures", "interruptible.ts");

/** Starts the fixture, sends `signals` once it is ready (one per `gapMs`), and collects its exit. */
function interrupt(args: string[], signals: NodeJS.Signals[], gapMs = 1300): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    // node --import tsx, not the tsx CLI: the CLI runs the script in a child process and relays signals,
    // which under load can end the run before the script's own handler has written its last line.
    const child = spawn(process.execPath, ["--import", "tsx", fixture, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("ready") && signals.length > 0) {
        const queue = [...signals];
        signals.length = 0;
        const next = () => {
          const s = queue.shift();
          if (s === undefined) return;
          child.kill(s);
          setTimeout(next, gapMs);
        };
        next();
      }
    });
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
  });
}

describe("interrupts (real signals to a child process)", () => {
  it("first Ctrl-C lets the stage checkpoint, then exits 130", async () => {
    const r = await interrupt([], ["SIGINT"]);
    expect(r.out).toContain("checkpoint saved");
    expect(r.err).toContain("press Ctrl-C again");
    expect(r.code).toBe(130);
  }, 20_000);

  it("a second Ctrl-C exits at once, even while the step is still running", async () => {
    const r = await interrupt(["stuck"], ["SIGINT", "SIGINT"]);
    expect(r.out).not.toContain("checkpoint saved");
    expect(r.code).toBe(130);
  }, 20_000);

  it("one Ctrl-C delivered twice (terminal + npm run) is still one: the stage checkpoints", async () => {
    const r = await interrupt([], ["SIGINT", "SIGINT"], 100);
    expect(r.out).toContain("checkpoint saved");
    expect(r.code).toBe(130);
  }, 20_000);

  it("SIGTERM is handled like Ctrl-C with exit 143", async () => {
    const r = await interrupt([], ["SIGTERM"]);
    expect(r.out).toContain("checkpoint saved");
    expect(r.code).toBe(143);
  }, 20_000);
});
