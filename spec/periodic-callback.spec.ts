import { expect } from 'chai';
import sinon from 'sinon';
import type { Future } from '../lib/concurrent.js';
import { coroutine, sleep } from '../lib/gen.js';
import { IOLoop, PeriodicCallback } from '../lib/ioloop.js';
import { captureLog, rejected, useFreshLoop } from './support/index.js';

/**
 * Drives `updateNext` as if each call took `durations[i]` seconds (negative:
 * the clock went backwards during the call), starting at t=1000; returns the
 * deadlines it picked, as Tornado's TestPeriodicCallbackMath does.
 */
function simulateCalls(pc: PeriodicCallback, durations: number[]): number[] {
  const calls: number[] = [];
  let now = 1000;
  pc.nextTimeout = now;
  for (const duration of durations) {
    pc.updateNext(now);
    calls.push(pc.nextTimeout);
    now = pc.nextTimeout + duration;
  }
  return calls;
}

const noop = () => {};

describe('PeriodicCallback', () => {
  describe('schedule arithmetic', () => {
    it('calls once per period when calls are instant', () => {
      const pc = new PeriodicCallback(noop, 10_000);
      expect(simulateCalls(pc, [0, 0, 0, 0, 0])).to.deep.equal([1010, 1020, 1030, 1040, 1050]);
    });

    it('skips whole periods after a call overruns, then gets back on schedule', () => {
      const pc = new PeriodicCallback(noop, 10_000);
      const durations = [9, 9, 10, 11, 20, 20, 35, 35, 0, 0, 0];
      expect(simulateCalls(pc, durations)).to.deep.equal([
        1010,
        1020,
        1030, // on schedule
        1050,
        1070, // one period late each
        1100,
        1130, // two periods
        1170,
        1210, // three periods
        1220,
        1230, // back on schedule
      ]);
    });

    it('still moves forward one period when the clock goes backwards', () => {
      const pc = new PeriodicCallback(noop, 10_000);
      expect(simulateCalls(pc, [-2, -1, -3, -2, 0])).to.deep.equal([1010, 1020, 1030, 1040, 1050]);
      expect(simulateCalls(pc, [-100, 0, 0])).to.deep.equal([1010, 1020, 1030]);
    });

    it('varies each period by up to half the jitter either way', () => {
      const randoms = [0.5, 1, 0, 0.75];
      const random = sinon.stub(Math, 'random').callsFake(() => randoms.shift()!);
      try {
        const pc = new PeriodicCallback(noop, 10_000, 0.5);
        expect(simulateCalls(pc, [0, 0, 0, 0])).to.deep.equal([1010, 1022.5, 1030, 1041.25]);
      } finally {
        random.restore();
      }
    });
  });

  describe('constructor', () => {
    it('keeps the callback, its period in milliseconds and the jitter', () => {
      const pc = new PeriodicCallback(noop, 250, 0.1);
      expect(pc.callback).to.equal(noop);
      expect(pc.callbackTime).to.equal(250);
      expect(pc.jitter).to.equal(0.1);
    });

    it('rejects a callback that is not a function with a TypeError naming it', () => {
      expect(() => new PeriodicCallback('tick' as never, 10)).to.throw(
        TypeError,
        "PeriodicCallback: expected a function, got 'tick'",
      );
    });

    it('rejects a period that is not a number with a TypeError naming it', () => {
      expect(() => new PeriodicCallback(noop, '10' as never)).to.throw(
        TypeError,
        "PeriodicCallback: expected callbackTime in milliseconds (number), got '10'",
      );
    });

    it('rejects a period that is not positive and finite with a RangeError naming it', () => {
      for (const bad of [0, -5, Number.NaN, Infinity]) {
        expect(() => new PeriodicCallback(noop, bad)).to.throw(RangeError, `got ${bad}`);
      }
    });

    it('rejects a jitter above 1 (whose periods could come out negative) with a RangeError naming it', () => {
      expect(() => new PeriodicCallback(noop, 10, 3)).to.throw(
        RangeError,
        'PeriodicCallback: jitter must be a fraction of the period between 0 and 1, got 3',
      );
      expect(new PeriodicCallback(noop, 10, 1).jitter).to.equal(1);
    });

    it('rejects a negative or non-numeric jitter', () => {
      expect(() => new PeriodicCallback(noop, 10, -0.1)).to.throw(RangeError, 'got -0.1');
      expect(() => new PeriodicCallback(noop, 10, 'a lot' as never)).to.throw(TypeError, "got 'a lot'");
    });
  });

  describe('on the loop', () => {
    const loop = useFreshLoop();
    let clock: sinon.SinonFakeTimers;
    beforeEach(() => {
      clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'], now: 0 });
    });
    afterEach(() => clock.restore());

    /** Milliseconds on the loop clock since `start`, rounded against float noise. */
    const msSince = (start: number) => Math.round((loop().time() - start) * 1000);

    it('calls the callback once per period, the first one period after start()', async () => {
      const start = loop().time();
      const calls: number[] = [];
      const pc = new PeriodicCallback(() => calls.push(msSince(start)), 10);
      pc.start();
      await clock.tickAsync(9);
      expect(calls).to.deep.equal([]);
      await clock.tickAsync(21);
      expect(calls).to.deep.equal([10, 20, 30]);
      pc.stop();
    });

    it('reports whether it is running', () => {
      const pc = new PeriodicCallback(noop, 10);
      expect(pc.isRunning()).to.equal(false);
      pc.start();
      expect(pc.isRunning()).to.equal(true);
      pc.stop();
      expect(pc.isRunning()).to.equal(false);
    });

    it('stops calling after stop(), also when stopped from inside the callback', async () => {
      let calls = 0;
      const pc = new PeriodicCallback(() => {
        if (++calls === 2) pc.stop();
      }, 10);
      pc.start();
      await clock.tickAsync(100);
      expect(calls).to.equal(2);
      expect(String(loop())).to.contain('timers=0');
    });

    it('schedules only once when start() is called twice', async () => {
      let calls = 0;
      const pc = new PeriodicCallback(() => calls++, 10);
      pc.start();
      pc.start();
      await clock.tickAsync(30);
      expect(calls).to.equal(3);
      pc.stop();
    });

    it('skips the periods a slow synchronous call overran', async () => {
      const start = loop().time();
      const calls: number[] = [];
      const pc = new PeriodicCallback(() => {
        calls.push(msSince(start));
        clock.tick(25); // the call itself takes 25 ms of a 10 ms period
        if (calls.length === 3) pc.stop();
      }, 10);
      pc.start();
      await clock.tickAsync(100);
      expect(calls).to.deep.equal([10, 40, 70]);
    });

    it('waits for a coroutine callback to finish before scheduling the next call', async () => {
      const start = loop().time();
      const starts: number[] = [];
      let running = 0;
      let overlapped = false;
      const callback = coroutine(function* () {
        starts.push(msSince(start));
        overlapped ||= running > 0;
        running++;
        yield sleep(0.025);
        running--;
      });
      const pc = new PeriodicCallback(callback, 10);
      pc.start();
      await clock.tickAsync(100);
      pc.stop();
      expect(starts).to.deep.equal([10, 40, 70, 100]);
      expect(overlapped).to.equal(false);
    });

    it('waits for an async function callback to finish before scheduling the next call', async () => {
      const start = loop().time();
      const finished: number[] = [];
      const pc = new PeriodicCallback(async () => {
        await sleep(0.025);
        finished.push(msSince(start));
      }, 10);
      pc.start();
      await clock.tickAsync(100);
      pc.stop();
      expect(finished).to.deep.equal([35, 65, 95]);
    });

    it('keeps a single schedule when restarted while an async call is still running', async () => {
      const start = loop().time();
      const starts: number[] = [];
      let firstCall = true;
      const pc = new PeriodicCallback(() => {
        starts.push(msSince(start));
        if (!firstCall) return undefined;
        firstCall = false;
        pc.stop();
        pc.start();
        return sleep(0.005);
      }, 10);
      pc.start();
      await clock.tickAsync(50);
      pc.stop();
      expect(starts).to.deep.equal([10, 20, 30, 40, 50]);
    });

    it('logs an exception from the callback and keeps calling', async () => {
      let calls = 0;
      const records = await captureLog(async () => {
        const pc = new PeriodicCallback(function flakyTick() {
          calls++;
          throw new Error('tick failed');
        }, 10);
        pc.start();
        await clock.tickAsync(20);
        pc.stop();
      });
      expect(calls).to.equal(2);
      expect(records.map((r) => r.message)).to.deep.equal([
        'Exception in callback flakyTick',
        'Exception in callback flakyTick',
      ]);
    });

    it('logs the failure of a Future the callback returned', async () => {
      const records = await captureLog(async () => {
        const pc = new PeriodicCallback(function failingTick(): Future<never> {
          return rejected(new Error('async tick failed'));
        }, 10);
        pc.start();
        await clock.tickAsync(10);
        pc.stop();
      });
      expect(records.map((r) => r.message)).to.deep.equal(['Exception in callback failingTick']);
      expect((records[0].error as Error).message).to.equal('async tick failed');
    });

    it('runs on the loop that was current at start()', async () => {
      const seen: IOLoop[] = [];
      const pc = new PeriodicCallback(() => seen.push(IOLoop.current()), 10);
      pc.start();
      await clock.tickAsync(10);
      pc.stop();
      expect(seen).to.deep.equal([loop()]);
    });

    it('stops quietly when its loop is closed', async () => {
      let calls = 0;
      const pc = new PeriodicCallback(() => calls++, 10);
      pc.start();
      await clock.tickAsync(10);
      loop().close();
      await clock.tickAsync(50);
      pc.stop();
      expect(calls).to.equal(1);
    });
  });
});
