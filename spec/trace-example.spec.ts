/**
 * docs/trace-example.png is a screenshot of docs/trace-example.html (made by
 * `node dist/examples/trace-example.js --png`). It once stopped at the
 * viewport, cutting the page off; these specs render the page in headless
 * Chromium (OS package) and check that pictures are the page's full size.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pngSize, screenshotWholePage, TRACE_PICTURE_WIDTH } from '../examples/screenshot-page.js';
import { coroutine, sleep } from '../lib/gen.js';
import { recordTrace } from '../lib/trace.js';
import { useFreshLoop } from './support/index.js';

const docs = new URL('../../docs/', import.meta.url);

describe('the trace picture', function () {
  // Starting Chromium takes seconds on a loaded machine.
  this.timeout(120_000);
  useFreshLoop();

  it('in docs/ is the checked-in page at its full width and height', async () => {
    const picture = pngSize(readFileSync(new URL('trace-example.png', docs)));
    const page = await screenshotWholePage(fileURLToPath(new URL('trace-example.html', docs)), TRACE_PICTURE_WIDTH);
    expect(picture).to.deep.equal({ width: page.pageWidth, height: page.pageHeight });
    expect(picture.width).to.equal(TRACE_PICTURE_WIDTH);
  });

  it('of a trace page taller than the window is as tall as the page', async () => {
    const step = coroutine(function* step(n: number) {
      yield sleep(0);
      return n;
    });
    const { trace } = await recordTrace(() => Promise.all(Array.from({ length: 12 }, (_, i) => step(i))));
    const folder = mkdtempSync(join(tmpdir(), 'whirlwind-trace-page-'));
    try {
      const html = join(folder, 'trace.html');
      writeFileSync(html, trace.toHTML('twelve steps'));
      const shot = await screenshotWholePage(html, TRACE_PICTURE_WIDTH);
      expect(shot.pageHeight).to.be.above(200); // the window screenshotWholePage opens is 200 pixels tall
      expect(pngSize(shot.png)).to.deep.equal({ width: shot.pageWidth, height: shot.pageHeight });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
