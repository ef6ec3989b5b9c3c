/**
 * Atomic file replacement: the bytes go to `<path>.tmp-<pid>` beside the target, are fsynced, and the
 * temporary file is renamed over `path` (a rename within one directory is atomic on POSIX file systems),
 * then the directory is fsynced so the rename itself survives a crash. A writer that fails or is killed
 * part-way leaves the old file (or no file) at `path`, never half a file; a failure also removes the
 * temporary file. A killed process can leave a `.tmp-<pid>` file behind, which nothing reads.
 */
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";

/** The temporary name a writer in this process uses for `path`. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}`;
}

/** Writes `chunks` to `path` atomically, creating its directory if needed. */
export async function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = tempPathFor(path);
  try {
    const handle = await open(tmp, "w");
    try {
      for (const chunk of chunks) await handle.write(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  await syncDirectory(dir);
}

/** fsync of the directory entry; some platforms (Windows) cannot open a directory, which is harmless there. */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
    await handle.sync();
  } catch {
    // not supported on this platform: the rename is still atomic, only its durability is the OS's
  } finally {
    await handle?.close();
  }
}
