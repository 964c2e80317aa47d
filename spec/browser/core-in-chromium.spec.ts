/**
 * The portable core in a real browser: a representative part of the suite
 * (runner contract, multi, timeouts, locks, queues, trace), compiled as for
 * Node and bundled as a browser bundler would bundle the package, so that
 * `#platform` resolves to the portable module, run by mocha in headless
 * Chromium. Each spec file must pass whole, but for the suites named in
 * NODE_ONLY_SUITES (left out, and counted here).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { launchChromium, repoRoot, serve, type Chromium, type StaticServer } from './support.js';

interface SuiteResult {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  error?: string;
}

interface SuiteBuilder {
  BROWSER_SPECS: Record<string, string>;
  NODE_ONLY_SUITES: { title: string; why: string }[];
  buildBrowserSuite(out: string): Promise<void>;
}

const builder = (await import(
  pathToFileURL(join(repoRoot, 'tools/playground/build-browser-suite.mjs')).href
)) as SuiteBuilder;

/** How many tests each file has under Node (mocha's own count would need Node to load them): a floor that catches a file that silently shrank. */
const AT_LEAST: Record<string, number> = {
  'gen-runner': 80,
  'gen-multi': 15,
  'gen-timeout': 15,
  locks: 50,
  queues: 50,
  trace: 10,
};

describe('the portable core in Chromium', function () {
  this.timeout(120_000);
  let chromium: Chromium;
  let server: StaticServer;
  let out: string;

  before(async () => {
    out = mkdtempSync(join(tmpdir(), 'whirlwind-browser-suite-'));
    await builder.buildBrowserSuite(out);
    server = await serve(out);
    chromium = await launchChromium();
  });

  after(async () => {
    await chromium?.close();
    await server?.close();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  async function runSpec(name: string): Promise<SuiteResult[]> {
    const page: Page = await chromium.context.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    try {
      await page.goto(`${server.url}index.html?spec=${name}`);
      await page.waitForFunction('window.suiteResults && window.suiteResults.done', null, { timeout: 100_000 });
      const results = (await page.evaluate('window.suiteResults.tests')) as SuiteResult[];
      expect(pageErrors, 'errors outside any test').to.deep.equal([]);
      return results;
    } finally {
      await page.close();
    }
  }

  for (const [name, what] of Object.entries(builder.BROWSER_SPECS)) {
    it(`passes ${name}.spec (${what}) with the portable platform module`, async () => {
      const results = await runSpec(name);
      const failed = results.filter((r) => r.state === 'failed').map((r) => `${r.title}\n${r.error}`);
      expect(failed).to.deep.equal([]);
      expect(results.filter((r) => r.state === 'pending')).to.deep.equal([]);
      expect(results.length).to.be.at.least(AT_LEAST[name]);
    });
  }

  it('leaves out only the Node-only suites, and runs nothing of them', async () => {
    const results = await runSpec('gen-runner');
    const titles = builder.NODE_ONLY_SUITES.map((s) => s.title);
    expect(results.filter((r) => titles.some((t) => r.title.includes(t)))).to.deep.equal([]);
    expect(results.some((r) => r.title.includes('coroutine'))).to.equal(true);
  });
});
