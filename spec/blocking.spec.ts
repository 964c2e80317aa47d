import { expect } from 'chai';
import * as sinon from 'sinon';
import { Future } from '../lib/concurrent.js';
import { coroutine } from '../lib/gen.js';
import { IOLoop } from '../lib/ioloop.js';
import { genLog, appLog } from '../lib/log.js';
import { functionWithThrowingName } from './support/hostile.js';
import { captureLog, iterations, resolvedLater } from './support/index.js';

/**
 * `performance.now()` is faked: a callback "blocks" by advancing the clock
 * inside itself, so durations in the warnings are exact and nothing waits.
 */
describe('IOLoop.setBlockingLogThreshold', () => {
  let loop: IOLoop;
  let clock: sinon.SinonFakeTimers;

  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['performance'] });
    loop = new IOLoop();
    loop.makeCurrent();
  });

  afterEach(() => {
    loop.close();
    clock.restore();
  });

  /** Keeps the loop busy for `ms` of (fake) time. */
  function block(ms: number): void {
    clock.tick(ms);
  }

  /** The warnings genLog emitted while `fn` and the next few iterations ran. */
  async function warningsDuring(fn: () => void): Promise<string[]> {
    const records = await captureLog(async () => {
      fn();
      await iterations(3);
    }, genLog);
    return records.map((r) => r.message);
  }

  it('is off by default', async () => {
    const warnings = await warningsDuring(() => loop.addCallback(() => block(500)));
    expect(warnings).to.deep.equal([]);
  });

  it('names a slow callback, where it is defined, and how long it blocked', async () => {
    loop.setBlockingLogThreshold(0.05);
    const warnings = await warningsDuring(() =>
      loop.addCallback(function resizeImages() {
        block(120);
      }),
    );
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /^IOLoop blocked for 0\.120 seconds in callback resizeImages \(file:\/\/\/.*\/blocking\.spec\.js:\d+:\d+\)$/,
    );
  });

  it('still warns, and the loop goes on, when naming the slow callback throws', async () => {
    loop.setBlockingLogThreshold(0.05);
    const ran: string[] = [];
    const warnings = await warningsDuring(() => {
      loop.addCallback(functionWithThrowingName(() => block(120)));
      loop.addCallback(() => ran.push('next'));
    });
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /^IOLoop blocked for 0\.120 seconds in callback <a function that cannot be described> \(file:/,
    );
    expect(ran).to.deep.equal(['next']);
  });

  it('names the coroutine whose step was slow', async () => {
    loop.setBlockingLogThreshold(0.05);
    const crunch = coroutine(function* crunch() {
      yield resolvedLater(1);
      block(80); // this step, after the yield, is the slow one
    });
    const warnings = await warningsDuring(() => void crunch());
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.match(
      /^IOLoop blocked for 0\.080 seconds in coroutine crunch \(file:\/\/\/.*blocking\.spec\.js:\d+:\d+\)$/,
    );
  });

  it('names the callback of a timer', async () => {
    loop.setBlockingLogThreshold(0.05);
    const fired = new Promise<void>((resolve) => {
      loop.callLater(0, function onDeadline() {
        block(60);
        resolve();
      });
    });
    const records = await captureLog(() => fired, genLog);
    expect(records).to.have.length(1);
    expect(records[0].message).to.match(/^IOLoop blocked for 0\.060 seconds in callback onDeadline \(file:/);
  });

  it('warns once per slow callback and never about the fast ones between them', async () => {
    loop.setBlockingLogThreshold(0.05);
    const warnings = await warningsDuring(() => {
      loop.addCallback(function first() {
        block(70);
      });
      loop.addCallback(function quick() {
        block(10);
      });
      loop.addCallback(function second() {
        block(90);
      });
    });
    expect(warnings.map((w) => w.replace(/ \(.*\)$/, ''))).to.deep.equal([
      'IOLoop blocked for 0.070 seconds in callback first',
      'IOLoop blocked for 0.090 seconds in callback second',
    ]);
  });

  it('times each done callback of a Future on its own, naming the slow ones', async () => {
    loop.setBlockingLogThreshold(0.05);
    const future = new Future<void>();
    future.addDoneCallback(function slowListener() {
      block(60);
    });
    future.addDoneCallback(function quickListener() {
      block(10);
    });
    future.addDoneCallback(function slowerListener() {
      block(75);
    });
    const warnings = await warningsDuring(() => future.setResult());
    expect(warnings.map((w) => w.replace(/ \(.*\)$/, ''))).to.deep.equal([
      'IOLoop blocked for 0.060 seconds in callback slowListener',
      'IOLoop blocked for 0.075 seconds in callback slowerListener',
    ]);
  });

  it('stops warning when set to 0 or null', async () => {
    loop.setBlockingLogThreshold(0.01);
    loop.setBlockingLogThreshold(0);
    const afterZero = await warningsDuring(() => loop.addCallback(() => block(100)));
    loop.setBlockingLogThreshold(0.01);
    loop.setBlockingLogThreshold(null);
    const afterNull = await warningsDuring(() => loop.addCallback(() => block(100)));
    expect([afterZero, afterNull]).to.deep.equal([[], []]);
  });

  it('still logs exceptions and runs the rest of the iteration', async () => {
    loop.setBlockingLogThreshold(0.05);
    const ran: string[] = [];
    const errors = await captureLog(async () => {
      loop.addCallback(function broken() {
        throw new Error('boom');
      });
      loop.addCallback(() => ran.push('after'));
      await iterations(2);
    }, appLog);
    expect(errors.map((r) => r.message)).to.deep.equal(['Exception in callback broken']);
    expect(ran).to.deep.equal(['after']);
  });

  it('drops the rest of the iteration when a callback closes the loop', async () => {
    loop.setBlockingLogThreshold(0.05);
    const ran: string[] = [];
    loop.addCallback(() => loop.close());
    loop.addCallback(() => ran.push('dropped'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).to.deep.equal([]);
  });

  it('rejects a negative or non-numeric threshold, naming it', () => {
    expect(() => loop.setBlockingLogThreshold(-1)).to.throw(
      TypeError,
      'expected a positive number of seconds, or 0/null to turn it off, got -1',
    );
    expect(() => loop.setBlockingLogThreshold('1' as never)).to.throw(TypeError, "got '1'");
  });
});
