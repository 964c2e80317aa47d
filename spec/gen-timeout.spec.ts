/**
 * Time in coroutines: `withTimeout` and `sleep`, on sinon's fake clock (the
 * loop's clock is `performance.now()`, its timers `setTimeout`), so no test
 * waits for real time.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { Future } from '../lib/concurrent.js';
import { coroutine, moment, sleep, TimeoutError, withTimeout } from '../lib/gen.js';
import { appLog } from '../lib/log.js';
import { ExpectLog } from '../lib/testing.js';
import { captureLog, failureOf, resolved, useFreshLoop } from './support/index.js';

/** Installs sinon's fake `setTimeout` and `performance.now` for each test; returns a getter for the clock. */
function useFakeClock(): () => sinon.SinonFakeTimers {
  let clock: sinon.SinonFakeTimers | null = null;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance', 'Date'] });
  });
  afterEach(() => {
    clock?.restore();
    clock = null;
  });
  return () => clock!;
}

/** Lets the loop run a few iterations without moving the fake clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await moment;
}

describe('withTimeout', () => {
  const currentLoop = useFreshLoop();
  const currentClock = useFakeClock();

  describe('outcomes', () => {
    it('fails with TimeoutError when the wrapped Future is still pending at the deadline', async () => {
      const future = withTimeout({ seconds: 0.1 }, new Future());
      await currentClock().tickAsync(99);
      expect(future.done()).to.equal(false);
      await currentClock().tickAsync(1);
      const error = await failureOf(future);
      expect(error).to.be.instanceOf(TimeoutError);
      expect(error).to.have.property('name', 'TimeoutError');
      expect(error).to.have.property(
        'message',
        'Timeout after { seconds: 0.1 }: the deadline 0.1 on IOLoop.time() passed',
      );
    });

    it('resolves with the result when the wrapped Future finishes first', async () => {
      const inner = new Future<string>();
      currentLoop().callLater(0.1, () => inner.setResult('asdf'));
      const future = withTimeout({ seconds: 3600 }, inner);
      await currentClock().tickAsync(100);
      expect(await future).to.equal('asdf');
    });

    it("fails with the wrapped Future's exception when it fails first", async () => {
      const inner = new Future<string>();
      currentLoop().callLater(0.1, () => inner.setException(new RangeError('first')));
      const future = withTimeout({ seconds: 3600 }, inner);
      await currentClock().tickAsync(100);
      expect(await failureOf(future)).to.be.instanceOf(RangeError);
    });

    it('is done at once with the result of an already-done Future', () => {
      expect(withTimeout({ seconds: 3600 }, resolved('asdf')).result()).to.equal('asdf');
    });

    it('wraps a native Promise', async () => {
      expect(await withTimeout({ seconds: 3600 }, (async () => 42)())).to.equal(42);
    });

    it('throws TimeoutError into a coroutine at the yield', async () => {
      const f = coroutine(function* () {
        try {
          yield withTimeout({ seconds: 1 }, new Future());
          return 'no timeout';
        } catch (e) {
          return e instanceof TimeoutError ? 'timed out' : 'other';
        }
      });
      const future = f();
      await currentClock().tickAsync(1000);
      expect(await future).to.equal('timed out');
    });
  });

  describe('the timeout argument', () => {
    it("treats a number as an absolute deadline on the loop's clock", async () => {
      const loop = currentLoop();
      const deadline = loop.time() + 10;
      await currentClock().tickAsync(5000);
      const future = withTimeout(deadline, new Future());
      await currentClock().tickAsync(4999);
      expect(future.done()).to.equal(false);
      await currentClock().tickAsync(1);
      expect(await failureOf(future)).to.be.instanceOf(TimeoutError);
    });

    it('treats { seconds } as a duration from now', async () => {
      await currentClock().tickAsync(5000);
      const future = withTimeout({ seconds: 10 }, new Future());
      await currentClock().tickAsync(9999);
      expect(future.done()).to.equal(false);
      await currentClock().tickAsync(1);
      expect(await failureOf(future)).to.be.instanceOf(TimeoutError);
    });

    it('treats { milliseconds } as a duration from now', async () => {
      const future = withTimeout({ milliseconds: 250 }, new Future());
      await currentClock().tickAsync(249);
      expect(future.done()).to.equal(false);
      await currentClock().tickAsync(1);
      expect(await failureOf(future)).to.be.instanceOf(TimeoutError);
    });

    it('adds seconds and milliseconds together', async () => {
      const future = withTimeout({ seconds: 1, milliseconds: 500 }, new Future());
      await currentClock().tickAsync(1499);
      expect(future.done()).to.equal(false);
      await currentClock().tickAsync(1);
      expect(await failureOf(future)).to.be.instanceOf(TimeoutError);
    });

    for (const [label, timeout] of [
      ['0', 0],
      ['{ seconds: 0 }', { seconds: 0 }],
      ['{}', {}],
      ['a deadline in the past', -1],
    ] as const) {
      it(`expires on the next iteration, never "forever", for ${label}`, async () => {
        const future = withTimeout(timeout, new Future());
        expect(future.done()).to.equal(false);
        await settle();
        expect(await failureOf(future)).to.be.instanceOf(TimeoutError);
      });
    }

    for (const [label, bad] of [
      ['a string', '5'],
      ['null', null],
      ['undefined', undefined],
      ['NaN', NaN],
      ['an array', [1]],
      ['an unknown unit', { minutes: 1 }],
      ['a non-numeric duration', { seconds: '1' }],
      ['an infinite duration', { seconds: Infinity }],
      ['a Date (which would read as a zero duration)', new Date(0)],
    ] as const) {
      it(`rejects ${label} with a TypeError naming it`, () => {
        let error: unknown = null;
        try {
          withTimeout(bad as never, new Future());
        } catch (e) {
          error = e;
        }
        expect(error).to.be.instanceOf(TypeError);
        const shown =
          typeof bad === 'string'
            ? `'${bad}'`
            : bad === undefined
              ? 'undefined'
              : Number.isNaN(bad)
                ? 'NaN'
                : bad === null
                  ? 'null'
                  : '';
        expect((error as Error).message)
          .to.match(/^withTimeout: /)
          .and.contain(shown);
      });
    }
  });

  describe('the wrapped Future after a timeout', () => {
    it('is not cancelled', async () => {
      const inner = new Future<number>();
      const future = withTimeout({ seconds: 1 }, inner);
      await currentClock().tickAsync(1000);
      await failureOf(future);
      expect(inner.cancelled()).to.equal(false);
      expect(inner.done()).to.equal(false);
    });

    it('keeps a wrapped coroutine running to its end', async () => {
      const trace: string[] = [];
      const worker = coroutine(function* () {
        yield sleep(2);
        trace.push('worker finished');
      });
      const running = worker();
      const timedOut = failureOf(withTimeout({ seconds: 1 }, running));
      await currentClock().tickAsync(1000);
      expect(await timedOut).to.be.instanceOf(TimeoutError);
      expect(trace).to.deep.equal([]);
      await currentClock().tickAsync(1000);
      await running;
      expect(trace).to.deep.equal(['worker finished']);
    });

    it('has a later failure logged as "Exception in Future ... after timeout"', async () => {
      const inner = new Future<number>();
      const future = withTimeout({ seconds: 1 }, inner);
      await currentClock().tickAsync(1000);
      await failureOf(future);
      await new ExpectLog(appLog, /Exception in Future .* after timeout/).use(async () => {
        inner.setException(new RangeError('too late'));
        await settle();
      });
    });

    it('logs the late failure with the error attached', async () => {
      const inner = new Future<number>();
      await currentClock().tickAsync(0);
      const future = withTimeout({ seconds: 1 }, inner);
      await currentClock().tickAsync(1000);
      await failureOf(future);
      const records = await captureLog(async () => {
        inner.setException(new RangeError('too late'));
        await settle();
      });
      expect(records).to.have.length(1);
      expect(records[0].error).to.be.instanceOf(RangeError);
    });

    it('does not log a later failure that is an instance of quietExceptions', async () => {
      const inner = new Future<number>();
      const future = withTimeout({ seconds: 1 }, inner, { quietExceptions: RangeError });
      await currentClock().tickAsync(1000);
      await failureOf(future);
      const records = await captureLog(async () => {
        inner.setException(new RangeError('too late, but quiet'));
        await settle();
      });
      expect(records).to.deep.equal([]);
    });

    it('logs nothing for a later success or cancellation', async () => {
      const succeeds = new Future<number>();
      const cancelled = new Future<number>();
      const futures = [withTimeout({ seconds: 1 }, succeeds), withTimeout({ seconds: 1 }, cancelled)];
      await currentClock().tickAsync(1000);
      for (const f of futures) await failureOf(f);
      const records = await captureLog(async () => {
        succeeds.setResult(1);
        cancelled.cancel();
        await settle();
      });
      expect(records).to.deep.equal([]);
    });
  });

  it('sets no timer at all for an already-done Future', () => {
    withTimeout({ seconds: 3600 }, resolved(1));
    expect(currentClock().countTimers()).to.equal(0);
  });

  it('removes its timer at once when the caller cancels the result, without cancelling the wrapped Future', () => {
    const inner = new Future<number>();
    const future = withTimeout({ seconds: 3600 }, inner);
    expect(currentClock().countTimers()).to.equal(1);
    future.cancel();
    expect(currentClock().countTimers()).to.equal(0);
    expect(inner.cancelled()).to.equal(false);
  });

  it('removes its timer once the wrapped Future finishes', async () => {
    const inner = new Future<number>();
    withTimeout({ seconds: 3600 }, inner);
    expect(currentClock().countTimers()).to.equal(1);
    inner.setResult(1);
    await settle();
    expect(currentClock().countTimers()).to.equal(0);
  });
});

describe('sleep', () => {
  useFreshLoop();
  const currentClock = useFakeClock();

  it('resolves with undefined after the given seconds, not before', async () => {
    const future = sleep(0.5);
    await currentClock().tickAsync(499);
    expect(future.done()).to.equal(false);
    await currentClock().tickAsync(1);
    expect(await future).to.equal(undefined);
  });

  it('lets two sleeps run at once', async () => {
    const both = Promise.all([sleep(1), sleep(1)]);
    await currentClock().tickAsync(1000);
    expect(await both).to.deep.equal([undefined, undefined]);
  });

  it('resolves sleep(0) on a later iteration, not at once', async () => {
    const future = sleep(0);
    expect(future.done()).to.equal(false);
    await settle();
    expect(future.done()).to.equal(true);
  });

  it('removes its timer at once when cancelled', () => {
    const future = sleep(3600);
    expect(currentClock().countTimers()).to.equal(1);
    future.cancel();
    expect(currentClock().countTimers()).to.equal(0);
  });

  it('rejects a duration that is not a number with a TypeError naming it', () => {
    expect(() => sleep('1' as never)).to.throw(TypeError, "sleep: expected a duration in seconds (number), got '1'");
  });
});
