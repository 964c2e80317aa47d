/**
 * The runner playground (docs/playground/, built by `npm run build`) in
 * headless Chromium, loaded over the local server as a user would: every
 * example runs to its output on both sides, Step moves one loop iteration,
 * lanes show states and the values sent in, errors name the coroutine and
 * line, runaway code is stopped, and the interface switches to Chinese.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchChromium, repoRoot, serve, type Chromium, type StaticServer } from './support.js';

type Side = 'coroutine' | 'native';

interface LaneView {
  id: string;
  name: string;
  state: string;
  sent: string;
}

const pageDirectory = join(repoRoot, 'docs/playground');

/** What each example prints, coroutine side and async/await side (times stripped). */
const OUTPUT: Record<string, Record<Side, string[]>> = {
  seed: {
    coroutine: [
      '1 blocking: <html>example.com/one</html>',
      '2 async:    <html>example.com/two</html>',
      '3 gen:      <html>example.com/three</html>',
      '4 manual:   <html>example.com/four</html>',
    ],
    native: [
      '1 blocking: <html>example.com/one</html>',
      '2 async:    <html>example.com/two</html>',
      '3 async:    <html>example.com/three</html>',
      '4 async:    <html>example.com/four</html>',
    ],
  },
  'fast-path': {
    coroutine: ['total 6 at iteration 1', 'after moment, iteration 2'],
    // Since an await of a done Future no longer waits for a loop iteration (docs/performance.md, the ordering rule).
    native: ['total 6 at iteration 1', 'after moment, iteration 2'],
  },
  queue: {
    coroutine: [
      'put 0',
      'put 1',
      'doing work on 0',
      'put 2',
      'doing work on 1',
      'put 3',
      'doing work on 2',
      'doing work on 3',
      'done',
    ],
    native: [
      'put 0',
      'doing work on 0',
      'put 1',
      'put 2',
      'put 3',
      'doing work on 1',
      'doing work on 2',
      'doing work on 3',
      'done',
    ],
  },
  lock: {
    coroutine: [
      'A holds the lock, turn 1',
      'B holds the lock, turn 1',
      'A holds the lock, turn 2',
      'B holds the lock, turn 2',
      'both done',
    ],
    native: [
      'A holds the lock, turn 1',
      'B holds the lock, turn 1',
      'A holds the lock, turn 2',
      'B holds the lock, turn 2',
      'both done',
    ],
  },
  cancel: {
    coroutine: [
      'cancel() -> true',
      'slow: got CancelledError at its yield',
      'main: task ended with CancelledError',
      'cancelled(): true',
    ],
    native: ['slow: got AbortError at its await', 'main: task ended with AbortError'],
  },
  multi: {
    coroutine: [
      'fetched http://example.com/a',
      'fetched http://example.com/c?delay=150',
      'multi failed: HTTP 599: connection refused (failing.example)',
    ],
    native: [
      'Promise.all failed: HTTP 599: connection refused (failing.example)',
      'fetched http://example.com/a',
      'fetched http://example.com/c?delay=150',
    ],
  },
  error: {
    coroutine: ['Unhandled promise rejection: TypeError: response.json is not a function'],
    native: ['Unhandled promise rejection: TypeError: response.json is not a function'],
  },
  spin: {
    coroutine: ['spinning without a yield...'],
    native: ['spinning without an await...'],
  },
};

describe('the runner playground in Chromium', function () {
  this.timeout(60_000);
  let chromium: Chromium;
  let server: StaticServer;
  let page: Page;
  let pageErrors: string[];

  before(async () => {
    if (!existsSync(join(pageDirectory, 'worker.js'))) throw new Error('docs/playground/ is not built: npm run build');
    server = await serve(pageDirectory);
    chromium = await launchChromium();
  });

  after(async () => {
    await chromium?.close();
    await server?.close();
  });

  beforeEach(async () => {
    page = await chromium.context.newPage();
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
  });

  afterEach(async () => {
    await page.close();
  });

  async function open(query: string): Promise<void> {
    await page.goto(`${server.url}index.html?interval=5&${query}`);
  }

  async function runToEnd(): Promise<void> {
    await page.click('#run');
    await page.waitForSelector('#status[data-phase=finished]', { timeout: 30_000 });
  }

  async function step(): Promise<void> {
    await page.click('#step');
    await page.waitForFunction("document.querySelector('#status').dataset.phase !== 'running'");
  }

  function output(side: Side): Promise<string[]> {
    return page.evaluate(
      `[...document.querySelectorAll('#side-${side} pre.output span')].map((s) => s.textContent.replace(/^\\[\\s*\\d+ ms\\] /, '').trimEnd())`,
    ) as Promise<string[]>;
  }

  function lanes(side: Side): Promise<LaneView[]> {
    return page.evaluate(`[...document.querySelectorAll('#side-${side} tr.lane')].map((row) => ({
      id: row.dataset.lane,
      name: row.querySelector('.name').textContent,
      state: row.dataset.state,
      sent: row.querySelector('.sent')?.textContent ?? '',
    }))`) as Promise<LaneView[]>;
  }

  function text(selector: string): Promise<string> {
    return page.evaluate(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`) as Promise<string>;
  }

  it('loads over the local server with every example in the menu and no errors', async () => {
    await open('');
    const options = await page.evaluate("[...document.querySelectorAll('#example option')].map((o) => o.value)");
    expect(options).to.deep.equal(Object.keys(OUTPUT));
    expect(await text('#status')).to.contain('Press Run');
    expect(pageErrors).to.deep.equal([]);
  });

  for (const [example, expected] of Object.entries(OUTPUT)) {
    it(`runs the ${example} example to its final output on both sides`, async () => {
      await open(`example=${example}`);
      await runToEnd();
      expect(await output('coroutine')).to.deep.equal(expected.coroutine);
      expect(await output('native')).to.deep.equal(expected.native);
      expect(pageErrors).to.deep.equal([]);
    });
  }

  it('ends the seed example with every lane done and the value each was last sent', async () => {
    await open('example=seed');
    await runToEnd();
    expect(await lanes('coroutine')).to.deep.equal([
      { id: '1', name: '#1 main', state: 'done', sent: "last sent in: '<html>example.com/four</html>'" },
      {
        id: '2',
        name: '#2 asynchronousFetch',
        state: 'done',
        sent: 'last sent in: <HTTPResponse 200 http://example.com/two>',
      },
      {
        id: '3',
        name: '#3 asyncFetchGen',
        state: 'done',
        sent: 'last sent in: <HTTPResponse 200 http://example.com/three>',
      },
    ]);
  });

  it('steps one loop iteration at a time, showing lanes, the ready queue and the timers', async () => {
    await open('example=seed');
    await step();
    // After the script: runSync's start of main waits in the ready queue, no coroutine has run yet.
    expect(await text('#side-coroutine .clock')).to.match(/^iteration 0 · time 0\.0 ms · step 0 \//);
    expect(await lanes('coroutine')).to.deep.equal([]);
    expect(await page.evaluate("document.querySelectorAll('#side-coroutine ul.ready li').length")).to.equal(1);
    await step();
    // main ran: the blocking fetch held everything for 120 ms, then both coroutines wait on the network.
    expect(await text('#side-coroutine .clock')).to.match(/^iteration 1 · time 120\.0 ms/);
    expect(await lanes('coroutine')).to.deep.equal([
      { id: '1', name: '#1 main', state: 'waiting', sent: '' },
      { id: '2', name: '#2 asynchronousFetch', state: 'waiting', sent: '' },
    ]);
    expect(await text('#side-coroutine ul.timers')).to.equal('in 120.0 ms: reply from http://example.com/two');
    expect(await output('coroutine')).to.deep.equal(['1 blocking: <html>example.com/one</html>']);
    await step();
    // The reply came: its Future is done, the await's callback is queued for the next iteration.
    expect(await text('#side-coroutine .clock')).to.match(/^iteration 2 · time 240\.0 ms/);
    expect((await lanes('coroutine'))[1].state).to.equal('ready');
    expect(await page.evaluate("document.querySelectorAll('#side-coroutine ul.ready li').length")).to.equal(1);
    expect(await text('#side-coroutine ul.timers')).to.equal('(empty)');
  });

  it('shows a done Future consumed at once by a coroutine, and await suspending on it all the same', async () => {
    await open('example=fast-path');
    await runToEnd();
    const marks = (side: Side) =>
      page.evaluate(`[...document.querySelectorAll('#side-${side} tr.lane td')].map((td) => td.textContent).join('')`);
    expect(await marks('coroutine')).to.contain('✓✓✓');
    expect(await marks('native')).to.contain('↻');
    expect(await marks('native')).not.to.contain('✓');
  });

  it('names the coroutine, the line and the yield of an error', async () => {
    await open('example=error');
    await runToEnd();
    const errors = await text('#side-coroutine .errors');
    expect(errors).to.contain('TypeError: response.json is not a function — in coroutine #2 parse (line 6)');
    expect(errors).to.contain('in coroutine #1 main (line 6); thrown in at the yield on line 10');
  });

  it('stops the while (true) {} example at its step budget, and the page stays responsive', async () => {
    await open('example=spin');
    await runToEnd();
    expect(await text('#side-coroutine .stopped')).to.equal(
      'Stopped: coroutine #1 spin looped 200,000 times at line 5 without giving up control',
    );
    expect(await text('#side-native .stopped')).to.contain('coroutine #1 spin looped 200,000 times at line 3');
    expect((await lanes('coroutine'))[0].state).to.equal('failed');
    await page.selectOption('#example', 'lock');
    await runToEnd();
    expect(await output('coroutine')).to.include('both done');
  });

  it('stops a while (true) {} typed at the top level', async () => {
    await open('example=lock');
    await page.evaluate(`window.playground.setCode('coroutine', 'let n = 0;\\nwhile (true) { n++; }')`);
    await runToEnd();
    expect(await text('#side-coroutine .stopped')).to.contain('the top-level script looped 200,000 times at line 2');
  });

  it('stops a coroutine that yields forever at the iteration budget', async () => {
    await open('example=lock&iterations=100');
    const forever =
      "import { gen } from 'whirlwind';\nconst forever = gen.coroutine(function* forever() { while (true) yield gen.moment; });\nforever();";
    await page.evaluate(`window.playground.setCode('coroutine', ${JSON.stringify(forever)})`);
    await runToEnd();
    expect(await text('#side-coroutine .stopped')).to.contain('the program ran 100 loop iterations without finishing');
  });

  it('terminates a Worker stuck where no budget reaches (a regular expression backtracking)', async () => {
    await open('example=lock&deadline=1500');
    await page.evaluate(`window.playground.setCode('coroutine', "/^(a+)+$/.test('a'.repeat(40) + 'b');")`);
    await page.click('#run');
    await page.waitForSelector('#status[data-phase=finished]', { timeout: 20_000 });
    expect(await text('#status')).to.equal('The Worker did not answer within 1.5 s and was terminated.');
  });

  it('reports a syntax error with its line instead of running', async () => {
    await open('example=lock');
    await page.evaluate(`window.playground.setCode('native', 'const ok = 1;\\nconst = 2;')`);
    await page.click('#run');
    await page.waitForSelector('#status[data-phase=finished]');
    expect(await text('#status')).to.equal('Syntax error at line 2');
  });

  it('switches the interface to Chinese and back', async () => {
    await open('example=lock');
    await page.click('#lang');
    expect(await page.evaluate('document.documentElement.lang')).to.equal('zh-CN');
    expect(await text('#run')).to.equal('运行');
    expect(await text('#step')).to.equal('单步');
    expect(await text('#lang')).to.equal('English');
    expect(await text('#side-coroutine h2')).to.equal('协程（gen.coroutine）');
    expect(await text('#example option:checked')).to.equal('锁');
    await runToEnd();
    expect(await text('#status')).to.equal('运行结束。');
    expect(await text('#side-coroutine .lane .state')).to.equal('已结束');
    await page.click('#lang');
    expect(await text('#run')).to.equal('Run');
    expect(await text('#side-coroutine .lane .state')).to.equal('done');
  });
});
