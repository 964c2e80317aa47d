/**
 * A screenshot of a whole HTML page, as tall as its content, taken with
 * headless Chromium from the OS packages (`apt-get install -y chromium`;
 * never a downloaded browser) through playwright-core. Used to make
 * docs/trace-example.png (examples/trace-example.ts --png) and by the spec
 * that checks that picture is the page's full height.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';

/** The width docs/trace-example.png is rendered at, in CSS pixels. */
export const TRACE_PICTURE_WIDTH = 1120;

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The launch flags of the developers' guide (playwright adds --headless and the fresh profile). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A running headless Chromium: its browser context, and how to end it (and delete its profile). */
export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** What `launchChromium` may add to the guide's flags and playwright's defaults. */
export interface LaunchOptions {
  extraFlags?: string[];
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
}

/**
 * Starts the OS package's Chromium with a fresh user-data directory; fails with what to install if it is
 * missing. Shared by the trace picture and the browser tests.
 */
export async function launchChromium(options: LaunchOptions = {}): Promise<Chromium> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}: install the OS package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'whirlwind-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(options.extraFlags ?? [])],
    ...(options.viewport === undefined ? {} : { viewport: options.viewport }),
    ...(options.deviceScaleFactor === undefined ? {} : { deviceScaleFactor: options.deviceScaleFactor }),
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a screenshot came out as, and the page it was taken of. */
export interface PageScreenshot {
  png: Buffer;
  /** The page's full size in CSS pixels (scroll size of the document), at device scale factor 1. */
  pageWidth: number;
  pageHeight: number;
}

/** Renders the HTML file at `htmlPath` `width` pixels wide and shoots all of it, however tall. */
export async function screenshotWholePage(htmlPath: string, width: number): Promise<PageScreenshot> {
  const chromiumSession = await launchChromium({
    viewport: { width, height: 200 }, // deliberately short: the shot must not stop at the viewport
    deviceScaleFactor: 1,
  });
  const { context } = chromiumSession;
  try {
    const page = await context.newPage();
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });
    // A string: this project compiles without the DOM's types.
    const size = (await page.evaluate(
      '({ width: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight })',
    )) as { width: number; height: number };
    const png = await page.screenshot({ fullPage: true, type: 'png' });
    return { png, pageWidth: size.width, pageHeight: size.height };
  } finally {
    await chromiumSession.close();
  }
}

/** Width and height from a PNG's header (its IHDR chunk). */
export function pngSize(png: Buffer): { width: number; height: number } {
  const signature = '89504e470d0a1a0a';
  if (png.subarray(0, 8).toString('hex') !== signature || png.subarray(12, 16).toString('latin1') !== 'IHDR') {
    throw new Error('not a PNG file');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
