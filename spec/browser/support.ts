/**
 * Headless Chromium from the OS packages (never a downloaded browser),
 * driven by playwright-core, and a static server on 127.0.0.1 for the
 * built pages.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

/** The repository (this file runs from dist/spec/browser/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The launch flags the developers' guide gives (plus --headless and a fresh profile, which playwright adds). */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The runner's memory specs call gc(), as they do under node --expose-gc.
  '--js-flags=--expose-gc',
];

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium with a fresh user-data directory; fails with what to install if it is missing. */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `No Chromium at ${chromiumPath}: install the OS package (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'whirlwind-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_FLAGS,
    offline: false,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `directory` on 127.0.0.1 (any free port) with the playground's own server script. */
export async function serve(directory: string): Promise<StaticServer> {
  const script = pathToFileURL(join(repoRoot, 'tools/playground/serve.mjs')).href;
  const { serveDirectory } = (await import(script)) as {
    serveDirectory(root: string, port: number): Promise<{ server: Server; url: string }>;
  };
  const { server, url } = await serveDirectory(directory, 0);
  return { url, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
