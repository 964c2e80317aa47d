/**
 * Writes docs/trace-example.html (and .json): a recorded trace of a small
 * crawler — a parent fetching three "pages" through a Queue with two
 * workers — as a self-contained HTML timeline and Chrome Trace Event JSON.
 * Run: npm run build && node dist/examples/trace-example.js; with --png it also
 * writes docs/trace-example.png, a headless-Chromium screenshot of the whole
 * page (spec/trace-example.spec.ts checks it is the page's full height).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gen, IOLoop } from '../lib/index.js';
import { Queue } from '../lib/queues.js';
import { recordTrace } from '../lib/trace.js';
import { pngSize, screenshotWholePage, TRACE_PICTURE_WIDTH } from './screenshot-page.js';

const fetchPage = gen.coroutine(function* fetchPage(url: string) {
  yield gen.sleep(0.002 * url.length); // a stand-in for the network
  return `<html>${url}</html>`;
});

const worker = gen.coroutine(function* worker(queue: Queue<string>, pages: string[]) {
  for (;;) {
    const url: string = yield queue.get();
    try {
      pages.push(yield fetchPage(url));
    } finally {
      queue.taskDone();
    }
  }
});

const crawl = gen.coroutine(function* crawl(urls: string[]) {
  const queue = new Queue<string>();
  const pages: string[] = [];
  for (const url of urls) queue.putNowait(url);
  worker(queue, pages);
  worker(queue, pages);
  yield queue.join();
  return pages.length;
});

const loop = IOLoop.current();
const { result, trace } = await recordTrace(() => loop.runSync(() => crawl(['/a', '/about', '/contact'])));
const folder = new URL('../../docs/', import.meta.url);
const htmlFile = new URL('trace-example.html', folder);
writeFileSync(htmlFile, trace.toHTML('whirlwind trace: two workers crawling three pages'));
writeFileSync(new URL('trace-example.json', folder), JSON.stringify(trace.toChromeTrace(), null, 1) + '\n');
console.log(
  `crawled ${result} pages; ${trace.events.length} events written to docs/trace-example.html and docs/trace-example.json`,
);
console.log(trace.toText());
if (process.argv.includes('--png')) {
  const shot = await screenshotWholePage(fileURLToPath(htmlFile), TRACE_PICTURE_WIDTH);
  writeFileSync(new URL('trace-example.png', folder), shot.png);
  const { width, height } = pngSize(shot.png);
  console.log(`docs/trace-example.png: ${width}x${height} (the page is ${shot.pageWidth}x${shot.pageHeight})`);
}
