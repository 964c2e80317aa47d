/**
 * Headless Chromium from the OS packages (never a downloaded browser),
 * driven by playwright-core, and a static server on 127.0.0.1 for the
 * built pages.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Chromium, launchChromium as launchSharedChromium } from '../../examples/screenshot-page.js';

/** The repository (this file runs from dist/spec/browser/). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export { chromiumPath } from '../../examples/screenshot-page.js';
export type { Chromium } from '../../examples/screenshot-page.js';

/** Chromium for the browser tests: the runner's memory specs call gc(), as they do under node --expose-gc. */
export function launchChromium(): Promise<Chromium> {
  return launchSharedChromium({ extraFlags: ['--js-flags=--expose-gc'] });
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
