#!/usr/bin/env node
// Saves docs/playground.png: the playground mid-run (the producer/consumer
// queue, stepped to a point where coroutines wait, the ready queue and a
// timer hold work, and the async/await side shows its own timeline).
// Needs the built page (npm run build) and the OS package's Chromium.
import { chromium } from 'playwright-core';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveDirectory } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const { server, url } = await serveDirectory(join(root, 'docs/playground'), 0);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`${url}index.html?example=queue&lang=en`);
  for (let i = 0; i < 8; i++) {
    await page.click('#step');
    await page.waitForFunction("document.querySelector('#status').dataset.phase !== 'running'");
  }
  await page.screenshot({ path: join(root, 'docs/playground.png'), fullPage: true });
  console.log('wrote docs/playground.png');
} finally {
  await browser.close();
  server.close();
}
