/**
 * How a command ends, for people (STYLE.md rule 9).
 *
 * - A `UserError` (bad flag, missing file, unknown task) prints one line `error: <message>` and exits 2,
 *   with no stack trace: the message says what was wrong and what would be right.
 * - Any other error is a bug: its stack is printed and the exit code is 1.
 * - Ctrl-C / SIGTERM: the first signal calls the handlers registered with `onInterrupt` so that a long
 *   stage can finish or abandon its step and write a checkpoint, then `main` returns (or throws
 *   `Interrupted`) and the exit code is 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once. With
 *   no handler registered, the first signal exits at once.
 */

import { WorkerEntryError } from "../../sim/threads.ts";

/** An error caused by what the person asked for, not by a bug. Its message is shown alone. */
export class UserError extends Error {
  override name = "UserError";
}

/** Thrown by a stage that stopped early because of Ctrl-C/SIGTERM, after saving what it could. */
export class Interrupted extends Error {
  override name = "Interrupted";
  constructor(message = "interrupted") {
    super(message);
  }
}

export type InterruptSignal = "SIGINT" | "SIGTERM";
export type InterruptHandler = (signal: InterruptSignal) => void;

const handlers = new Set<InterruptHandler>();
let received: InterruptSignal | null = null;

/**
 * Registers `handler` to run on the first Ctrl-C or SIGTERM (it should only set a flag or start a
 * checkpoint; it must not block). Returns a function that unregisters it.
 */
export function onInterrupt(handler: InterruptHandler): () => void {
  handlers.add(handler);
  return () => handlers.delete(handler);
}

/** The signal received so far in this `runCli`, or null: long loops poll this between steps. */
export function interruptSignal(): InterruptSignal | null {
  return received;
}

/** Signals this close after the first are the same key press delivered twice (see `runCli`). */
const DUPLICATE_SIGNAL_MS = 1000;

/** Exit codes of `runCli`. */
export const EXIT = { ok: 0, bug: 1, user: 2, sigint: 130, sigterm: 143 } as const;

export interface RunCliOptions {
  /** Arguments given to `main`; default `process.argv.slice(2)`. */
  argv?: string[];
  /** Where messages go; default `process.stderr`. */
  stderr?: { write(s: string): unknown };
  /** How to end; default `process.exit`. Tests pass a recorder. */
  exit?: (code: number) => void;
  /** Install SIGINT/SIGTERM handlers (default true). */
  signals?: boolean;
}

/**
 * Runs `main(argv)` as a command: maps its outcome to one message and an exit code (0, 1, 2, 130 or 143),
 * calls `exit` with it and also returns it.
 */
export async function runCli(main: (argv: string[]) => unknown, opts: RunCliOptions = {}): Promise<number> {
  const argv = opts.argv ?? process.argv.slice(2);
  const stderr = opts.stderr ?? process.stderr;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  received = null;

  let firstAt = 0;
  const onSignal = (signal: InterruptSignal) => {
    const code = signal === "SIGINT" ? EXIT.sigint : EXIT.sigterm;
    // Under `npm run`, one Ctrl-C arrives twice: from the terminal and again forwarded by npm. A repeat
    // within a second is that same press, not the second one that means "quit at once".
    if (received !== null && performance.now() - firstAt < DUPLICATE_SIGNAL_MS) return;
    if (received !== null || handlers.size === 0) {
      stderr.write(`\n${signal}: stopping now.\n`);
      exit(code);
      return;
    }
    received = signal;
    firstAt = performance.now();
    stderr.write(`\n${signal}: finishing the current step and saving a checkpoint (press Ctrl-C again to quit at once).\n`);
    for (const h of [...handlers]) h(signal);
  };
  const onSigint = () => onSignal("SIGINT");
  const onSigterm = () => onSignal("SIGTERM");
  if (opts.signals !== false) {
    process.on("SIGINT", onSigint);
    process.on("SIGTERM", onSigterm);
  }

  let code: number;
  try {
    await main(argv);
    code = received === null ? EXIT.ok : received === "SIGINT" ? EXIT.sigint : EXIT.sigterm;
  } catch (err) {
    code = reportError(err, stderr);
  } finally {
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
  }
  exit(code);
  return code;
}

/** Prints `err` the way `runCli` does and returns the exit code it maps to. */
export function reportError(err: unknown, stderr: { write(s: string): unknown }): number {
  if (err instanceof UserError || err instanceof WorkerEntryError) {
    stderr.write(`error: ${err.message}\n`);
    return EXIT.user;
  }
  if (err instanceof Interrupted) {
    stderr.write(`stopped: ${err.message}\n`);
    return received === "SIGTERM" ? EXIT.sigterm : EXIT.sigint;
  }
  const text = err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : `non-Error thrown: ${String(err)}`;
  stderr.write(`internal error (a bug; please report it with the lines below):\n${text}\n`);
  return EXIT.bug;
}
