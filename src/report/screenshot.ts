/**
 * A PNG of a report as a browser draws it, to check the page the way a person sees it (headless Chromium;
 * nothing is fetched from the network).
 *
 *   npx tsx src/report/screenshot.ts <runDir | report.html> [out.png] [--size 1200,2400]
 *
 * Needs a Chromium on PATH (`chromium`, `chromium-browser`, `google-chrome`); on Debian/Ubuntu:
 * `apt-get install -y chromium`. Without one it says so and exits 2.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { runCli, UserError } from "../cli/errors.ts";

const BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/** The first Chromium-family browser on PATH, or undefined. */
export function findChromium(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    for (const name of BROWSERS) {
      const p = path.join(dir, name);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export interface ScreenshotOptions {
  width?: number;
  height?: number;
  /** Browser executable; default `findChromium()`. */
  browser?: string;
}

/** Renders `htmlFile` headless into `pngFile`; throws a UserError when no browser is found or it fails. */
export function screenshot(htmlFile: string, pngFile: string, opts: ScreenshotOptions = {}): void {
  const browser = opts.browser ?? findChromium();
  if (browser === undefined) {
    throw new UserError(`no Chromium found on PATH (looked for ${BROWSERS.join(", ")}); install one, e.g. apt-get install -y chromium`);
  }
  if (!fs.existsSync(htmlFile)) throw new UserError(`no such file ${htmlFile}`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "report-shot-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
    `--user-data-dir=${profile}`,
    `--screenshot=${path.resolve(pngFile)}`,
    `--window-size=${opts.width ?? 1200},${opts.height ?? 2400}`,
    pathToFileURL(path.resolve(htmlFile)).href,
  ];
  try {
    const r = spawnSync(browser, args, { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0 || !fs.existsSync(pngFile)) {
      throw new UserError(`${browser} could not render ${htmlFile} (exit ${r.status}): ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" | ")}`);
    }
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<void> {
  const sizeAt = argv.indexOf("--size");
  let [width, height] = [1200, 2400];
  if (sizeAt >= 0) {
    const m = /^(\d+),(\d+)$/.exec(argv[sizeAt + 1] ?? "");
    if (!m) throw new UserError("--size needs WIDTH,HEIGHT in pixels, e.g. --size 1200,2400");
    [width, height] = [Number(m[1]), Number(m[2])];
    argv.splice(sizeAt, 2);
  }
  const [target, out] = argv;
  if (target === undefined) throw new UserError("usage: npx tsx src/report/screenshot.ts <runDir | report.html> [out.png] [--size W,H]");
  const html = fs.existsSync(target) && fs.statSync(target).isDirectory() ? path.join(target, "report.html") : target;
  const png = out ?? html.replace(/\.html?$/, "") + ".png";
  screenshot(html, png, { width, height });
  process.stdout.write(`wrote ${png}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await runCli(main);
