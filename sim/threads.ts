/**
 * Worker threads that run a TypeScript entry: the env workers of the rollout engine and the demo workers
 * each host their own MuJoCo instances.
 *
 * Worker threads do not inherit the parent's TypeScript loader, and Node 20 ignores `--import tsx` in a
 * worker's execArgv. So the thread starts from this small CommonJS script, registers tsx's ESM hooks in
 * itself, then imports the TypeScript entry; this works the same under `npx tsx` and under vitest. Where no
 * tsx is installed (a bundled build on a GPU host), an environment variable names the bundled JavaScript
 * entry instead, which the thread runs as it is.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";

const BOOTSTRAP = `
const { workerData } = require("node:worker_threads");
import(workerData.tsxApi).then((tsx) => {
  tsx.register();
  return import(workerData.entry);
});
`;

/**
 * URL of tsx's ESM API (its CommonJS twin resolves its hooks against the wrong folder when loaded from an
 * eval'd script). `import.meta.resolve` is missing under some loaders, so fall back to require's answer.
 */
function tsxApiUrl(): string {
  const meta = import.meta as ImportMeta & { resolve?: (specifier: string) => string };
  if (typeof meta.resolve === "function") return meta.resolve("tsx/esm/api");
  return pathToFileURL(createRequire(import.meta.url).resolve("tsx/esm/api").replace(/\.cjs$/, ".mjs")).href;
}

/** An environment variable names a bundled worker entry that is not there: the person's setup, not a bug. */
export class WorkerEntryError extends Error {
  override name = "WorkerEntryError";
}

/**
 * Starts a worker thread running `entry` (a URL of a .ts file) with TypeScript support, or, when the
 * environment variable `bundledVar` names a JavaScript file, that file.
 */
export function spawnTsWorker(entry: URL, bundledVar: string): Worker {
  const bundled = process.env[bundledVar];
  if (bundled) {
    if (!existsSync(bundled)) throw new WorkerEntryError(`${bundledVar} names ${bundled}, which does not exist; unset it or bundle the worker entry there (benchmarks/device/bundle-workers.sh).`);
    return new Worker(pathToFileURL(resolve(bundled)));
  }
  return new Worker(BOOTSTRAP, { eval: true, workerData: { tsxApi: tsxApiUrl(), entry: entry.href } });
}
