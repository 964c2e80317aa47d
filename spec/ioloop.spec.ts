import { expect } from 'chai';
import { AsyncLocalStorage } from 'node:async_hooks';
import { spawn } from 'node:child_process';
import sinon from 'sinon';
import { CancelledError, Future } from '../lib/concurrent.js';
import { BadYieldError, coroutine, moment, sleep, TimeoutError } from '../lib/gen.js';
import { IOLoop, TimeoutHandle } from '../lib/ioloop.js';
import { captureLog, iterations, rejected, rejectionOf, resolved, thrownBy, useFreshLoop } from './support/index.js';

/**
 * Fakes the clocks the loop reads (performance.now for time(), setTimeout for
 * its one Node timer). The loop's own iteration hop (queueMicrotask and the
 * setImmediate captured at load) stays real, so `clock.tickAsync` drives it.
 */
function useFakeClock(): () => sinon.SinonFakeTimers {
  let clock: sinon.SinonFakeTimers | null = null;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'], now: 1_000_000 });
  });
  afterEach(() => {
    clock?.restore();
    clock = null;
  });
  return () => clock!;
}

describe('IOLoop', () => {
  describe('current loop', () => {
    let saved: IOLoop | null = null;
    const made: IOLoop[] = [];
    const fresh = () => {
      const loop = new IOLoop();
      made.push(loop);
      return loop;
    };
    beforeEach(() => {
      saved = IOLoop.current();
      IOLoop.clearCurrent();
    });
    afterEach(() => {
      for (const loop of made.splice(0)) loop.close();
      if (saved !== null && !saved.isClosed()) saved.makeCurrent();
    });

    it('creates a loop on first use and returns the same one until cleared', () => {
      const first = IOLoop.current();
      made.push(first);
      expect(IOLoop.current()).to.equal(first);
      IOLoop.clearCurrent();
      const second = IOLoop.current();
      made.push(second);
      expect(second).to.not.equal(first);
    });

    it('returns the loop made current by makeCurrent()', () => {
      const loop = fresh();
      loop.makeCurrent();
      expect(IOLoop.current()).to.equal(loop);
    });

    it('clears through an instance only when that instance is current', () => {
      const current = fresh();
      const other = fresh();
      current.makeCurrent();
      other.clearCurrent();
      expect(IOLoop.current()).to.equal(current);
      current.clearCurrent();
      expect(IOLoop.current()).to.not.equal(current);
      made.push(IOLoop.current());
    });

    it('stops being current when closed, and cannot be made current again', () => {
      const loop = fresh();
      loop.makeCurrent();
      loop.close();
      expect(loop.isClosed()).to.equal(true);
      const next = IOLoop.current();
      made.push(next);
      expect(next).to.not.equal(loop);
      expect(thrownBy(() => loop.makeCurrent()).message).to.equal('makeCurrent() called on a closed IOLoop');
    });

    it('schedules future callbacks on the current loop', async () => {
      const loop = fresh();
      loop.makeCurrent();
      const future = new Future<void>();
      let ranOn: IOLoop | null = null;
      future.addDoneCallback(() => (ranOn = IOLoop.current()));
      future.setResult();
      const before = loop.iteration;
      await iterations(1);
      expect(ranOn).to.equal(loop);
      expect(loop.iteration).to.be.greaterThan(before);
    });
  });

  describe('close', () => {
    const loop = useFreshLoop();

    it('drops pending callbacks and timers', async () => {
      const calls: string[] = [];
      const closing = loop();
      closing.addCallback(() => calls.push('callback'));
      closing.callLater(0, () => calls.push('timer'));
      closing.close();
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).to.deep.equal([]);
    });

    it('drops the rest of the iteration when closed from a callback', async () => {
      const calls: string[] = [];
      const closing = loop();
      closing.addCallback(() => {
        calls.push('first');
        closing.close();
      });
      closing.addCallback(() => calls.push('second'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).to.deep.equal(['first']);
    });

    it('leaves the loop that was current before current when another loop closes itself from a callback', async () => {
      const other = new IOLoop();
      other.addCallback(() => other.close());
      await new Promise((resolve) => setImmediate(resolve));
      expect(other.isClosed()).to.equal(true);
      expect(IOLoop.current()).to.equal(loop());
    });

    it("leaves the loop that was current before current when runSync's function closes its own loop", async () => {
      const other = new IOLoop();
      const outcome = rejectionOf(other.runSync(() => other.close()));
      expect((await outcome).message).to.equal('IOLoop closed before the runSync() work completed');
      expect(IOLoop.current()).to.equal(loop());
    });

    it('refuses new work once closed, naming the call', () => {
      const closed = loop();
      closed.close();
      expect(thrownBy(() => closed.addCallback(() => {})).message).to.equal('addCallback() called on a closed IOLoop');
      expect(thrownBy(() => closed.callLater(1, () => {})).message).to.equal('callLater() called on a closed IOLoop');
      expect(thrownBy(() => closed.runSync(() => undefined)).message).to.equal('runSync() called on a closed IOLoop');
    });

    it('is idempotent', () => {
      loop().close();
      loop().close();
      expect(loop().isClosed()).to.equal(true);
    });
  });

  describe('time', () => {
    useFreshLoop();
    const clock = useFakeClock();

    it('reads monotonic seconds as a float', () => {
      const loop = IOLoop.current();
      const start = loop.time();
      clock().tick(1500);
      expect(loop.time() - start).to.equal(1.5);
      clock().tick(1);
      expect(loop.time() - start).to.be.closeTo(1.501, 1e-9);
    });

    it('never goes backwards', () => {
      clock().restore();
      const loop = IOLoop.current();
      let previous = loop.time();
      for (let i = 0; i < 1000; i++) {
        const now = loop.time();
        expect(now).to.be.at.least(previous);
        previous = now;
      }
    });
  });

  describe('addCallback and spawnCallback', () => {
    const loop = useFreshLoop();

    it('runs callbacks with their arguments on the next iteration, in the order added', async () => {
      const calls: string[] = [];
      loop().addCallback((a: string, b: string) => calls.push(a + b), 'x', 'y');
      loop().spawnCallback((a: string) => calls.push(a), 'z');
      loop().addCallback(() => calls.push('last'));
      expect(calls).to.deep.equal([]);
      await iterations(1);
      expect(calls).to.deep.equal(['xy', 'z', 'last']);
    });

    it('runs a callback added during an iteration in the next one', async () => {
      const ranAt: Record<string, number> = {};
      loop().addCallback(() => {
        ranAt.outer = loop().iteration;
        loop().addCallback(() => (ranAt.inner = loop().iteration));
      });
      loop().addCallback(() => (ranAt.sibling = loop().iteration));
      await iterations(2);
      expect(ranAt.sibling).to.equal(ranAt.outer);
      expect(ranAt.inner).to.equal(ranAt.outer + 1);
    });

    it('keeps one FIFO order across addCallback, done callbacks and moment', async () => {
      const order: string[] = [];
      const future = new Future<void>();
      future.addDoneCallback(() => order.push('done callback'));
      loop().addCallback(() => order.push('callback 1'));
      coroutine(function* () {
        yield moment;
        order.push('after moment');
      })();
      future.setResult();
      loop().addCallback(() => order.push('callback 2'));
      await iterations(1);
      expect(order).to.deep.equal(['callback 1', 'after moment', 'done callback', 'callback 2']);
    });

    it('rejects a callback that is not a function with a TypeError naming it', () => {
      const error = thrownBy(() => loop().addCallback('soon' as never));
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.equal("addCallback: expected a function, got 'soon'");
      expect(thrownBy(() => loop().spawnCallback(null as never)).message).to.equal(
        'spawnCallback: expected a function, got null',
      );
    });

    it('logs "Exception in callback" for a throwing callback and runs the next one', async () => {
      const calls: string[] = [];
      const records = await captureLog(async () => {
        loop().addCallback(function brokenCallback() {
          throw new Error('boom');
        });
        loop().addCallback(() => calls.push('still running'));
        await iterations(1);
      });
      expect(calls).to.deep.equal(['still running']);
      expect(records.map((r) => r.message)).to.deep.equal(['Exception in callback brokenCallback']);
      expect((records[0].error as Error).message).to.equal('boom');
    });

    it('logs the failure of a coroutine it spawned', async () => {
      const failing = coroutine(function* failingCoroutine() {
        yield moment;
        throw new Error('coroutine failed');
      });
      const records = await captureLog(async () => {
        loop().spawnCallback(failing);
        await iterations(3);
      });
      expect(records.map((r) => r.message)).to.deep.equal(['Exception in callback failingCoroutine']);
      expect((records[0].error as Error).message).to.equal('coroutine failed');
    });

    it('logs the rejection of a Promise a callback returned', async () => {
      const records = await captureLog(async () => {
        loop().addCallback(async function asyncCallback() {
          await null;
          throw new Error('async failed');
        });
        await iterations(3);
      });
      expect(records.map((r) => r.message)).to.deep.equal(['Exception in callback asyncCallback']);
    });

    it('ignores plain return values, empty containers and cancelled futures', async () => {
      const cancelled = new Future<void>();
      cancelled.cancel();
      const records = await captureLog(async () => {
        loop().addCallback(() => 42);
        loop().addCallback(() => ({}));
        loop().addCallback(() => []);
        loop().addCallback(() => new Date(0));
        loop().addCallback(() => cancelled);
        await iterations(3);
      });
      expect(records).to.deep.equal([]);
      expect(String(loop())).to.match(/ ready=0 timers=0>$/);
    });

    it("lets go of a callback's arguments once it has run (the reused ready queue keeps no entry)", async () => {
      let weak: WeakRef<object> | null = null;
      (() => {
        const argument = { payload: new Array(1000).fill(1) };
        weak = new WeakRef(argument);
        loop().addCallback((_: object) => undefined, argument);
      })();
      await iterations(2);
      for (let i = 0; i < 3; i++) {
        globalThis.gc!();
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(weak!.deref()).to.equal(undefined);
    });
  });

  describe('AsyncLocalStorage context of callbacks', () => {
    const loop = useFreshLoop();
    const storage = new AsyncLocalStorage<string>();

    it("does not show one callback's context to a callback added outside any context", async () => {
      const seen: Array<string | undefined> = [];
      storage.run('A', () => loop().addCallback(() => seen.push(storage.getStore())));
      loop().addCallback(() => seen.push(storage.getStore()));
      await iterations(1);
      expect(seen).to.deep.equal(['A', undefined]);
    });

    it("does not leak another callback's context into a spawned coroutine's steps", async () => {
      const seen: Array<string | undefined> = [];
      const f = coroutine(function* () {
        seen.push(storage.getStore());
        yield moment;
        seen.push(storage.getStore());
      });
      storage.run('A', () => loop().addCallback(() => undefined));
      loop().spawnCallback(() => f());
      await iterations(3);
      expect(seen).to.deep.equal([undefined, undefined]);
    });

    it('runs a callback and a timer in the context they were scheduled in', async () => {
      const seen: Array<string | undefined> = [];
      loop().addCallback(() => undefined);
      storage.run('B', () => loop().spawnCallback(() => seen.push(`spawn:${storage.getStore()}`)));
      storage.run('C', () => loop().callLater(0, () => seen.push(`timer:${storage.getStore()}`)));
      await sleep(0.001);
      expect(seen).to.deep.equal(['spawn:B', 'timer:C']);
    });

    it("runs runSync's function in the caller's context", async () => {
      loop().addCallback(() => undefined);
      const seen = await storage.run('D', () => loop().runSync(() => resolved(storage.getStore())));
      expect(seen).to.equal('D');
    });
  });

  describe('timers', () => {
    const loop = useFreshLoop();
    const clock = useFakeClock();

    it('runs callLater after the delay, with its arguments, once the deadline has passed', async () => {
      const calls: [string, number][] = [];
      const start = loop().time();
      loop().callLater(2, (label: string) => calls.push([label, loop().time() - start]), 'fired');
      await clock().tickAsync(1999);
      expect(calls).to.deep.equal([]);
      await clock().tickAsync(1);
      expect(calls).to.deep.equal([['fired', 2]]);
    });

    it('runs callAt at an absolute time on the loop clock', async () => {
      const fired: number[] = [];
      const when = loop().time() + 0.25;
      loop().callAt(when, () => fired.push(loop().time()));
      await clock().tickAsync(300);
      expect(fired).to.have.length(1);
      expect(fired[0]).to.be.at.least(when);
    });

    it('reads a number given to addTimeout as an absolute deadline', async () => {
      const calls: string[] = [];
      loop().addTimeout(loop().time() + 1, () => calls.push('deadline'));
      await clock().tickAsync(999);
      expect(calls).to.deep.equal([]);
      await clock().tickAsync(1);
      expect(calls).to.deep.equal(['deadline']);
    });

    it('reads { seconds, milliseconds } given to addTimeout as relative', async () => {
      const calls: string[] = [];
      loop().addTimeout({ seconds: 1, milliseconds: 500 }, () => calls.push('both'));
      loop().addTimeout({ milliseconds: 250 }, () => calls.push('milliseconds'));
      loop().addTimeout({}, () => calls.push('now'));
      await clock().tickAsync(0);
      expect(calls).to.deep.equal(['now']);
      await clock().tickAsync(250);
      expect(calls).to.deep.equal(['now', 'milliseconds']);
      await clock().tickAsync(1250);
      expect(calls).to.deep.equal(['now', 'milliseconds', 'both']);
    });

    it('rejects any other timeout given to addTimeout with a TypeError naming it', () => {
      for (const [bad, shown] of [
        ['5', "'5'"],
        [null, 'null'],
        [[1], '[ 1 ]'],
        [{ minutes: 1 }, '{ minutes: 1 }'],
        [{ seconds: '1' }, "{ seconds: '1' }"],
        [Number.NaN, 'NaN'],
      ] as const) {
        const error = thrownBy(() => loop().addTimeout(bad as never, () => {}));
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.contain(shown);
      }
    });

    it('rejects a non-numeric delay or time with a TypeError naming it', () => {
      expect(thrownBy(() => loop().callLater('1' as never, () => {})).message).to.equal(
        "callLater: expected a duration in seconds (number), got '1'",
      );
      expect(thrownBy(() => loop().callAt(undefined as never, () => {})).message).to.equal(
        'callAt: expected an absolute time in seconds (number), got undefined',
      );
    });

    it('runs timers in deadline order, and equal deadlines in the order they were added', async () => {
      const order: string[] = [];
      const when = loop().time() + 1;
      loop().callAt(when, () => order.push('b1'));
      loop().callAt(when - 0.5, () => order.push('a'));
      loop().callAt(when, () => order.push('b2'));
      loop().callAt(when, () => order.push('b3'));
      loop().callAt(when + 0.5, () => order.push('c'));
      await clock().tickAsync(2000);
      expect(order).to.deep.equal(['a', 'b1', 'b2', 'b3', 'c']);
    });

    it('runs every timer kind with its arguments', async () => {
      const results: number[] = [];
      const push = (n: number) => results.push(n);
      loop().addTimeout(loop().time(), push, 1);
      loop().addTimeout({ seconds: 0 }, push, 2);
      loop().callAt(loop().time(), push, 3);
      loop().callLater(0, push, 4);
      await clock().tickAsync(0);
      expect(results).to.deep.equal([1, 2, 3, 4]);
    });

    it('runs a timer whose deadline has passed on the next iteration', async () => {
      const calls: string[] = [];
      loop().callAt(0, () => calls.push('overdue'));
      await iterations(2);
      expect(calls).to.deep.equal(['overdue']);
    });

    it('does not run a removed timer', async () => {
      const calls: string[] = [];
      const handle = loop().callLater(1, () => calls.push('removed'));
      loop().callLater(1, () => calls.push('kept'));
      loop().removeTimeout(handle);
      await clock().tickAsync(2000);
      expect(calls).to.deep.equal(['kept']);
      expect(handle.cancelled).to.equal(true);
    });

    it('lets a timer remove another that is due in the same iteration', async () => {
      const calls: string[] = [];
      const now = loop().time();
      loop().addTimeout(now + 0.01, () => {
        calls.push('t1');
        loop().removeTimeout(second);
      });
      const second = loop().addTimeout(now + 0.02, () => calls.push('t2'));
      loop().addTimeout(now + 0.03, () => calls.push('t3'));
      clock().tick(30); // all three come due before the loop gets to run
      await iterations(1);
      expect(calls).to.deep.equal(['t1', 't3']);
    });

    it('removes a timer made on another loop from that loop, which then arms no Node timer for it', () => {
      const other = new IOLoop();
      try {
        const handle = other.callLater(3, () => undefined);
        loop().removeTimeout(handle);
        expect(handle.cancelled).to.equal(true);
        expect(String(other)).to.contain('timers=0');
        expect(String(loop())).to.contain('timers=0');
        expect(clock().countTimers()).to.equal(0);
      } finally {
        other.close();
      }
    });

    it('treats removing a timer that already ran, or twice, as a no-op', async () => {
      const handle = loop().callLater(0, () => {});
      await clock().tickAsync(0);
      expect(handle.cancelled).to.equal(true);
      loop().removeTimeout(handle);
      const other = loop().callLater(1, () => {});
      loop().removeTimeout(other);
      loop().removeTimeout(other);
      expect(String(loop())).to.contain('timers=0');
    });

    it('rejects removing something that is not a TimeoutHandle', () => {
      const error = thrownBy(() => loop().removeTimeout(42 as never));
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.equal('removeTimeout: expected a TimeoutHandle, got 42');
    });

    it('returns a TimeoutHandle from every timer method', () => {
      const handles = [
        loop().addTimeout(loop().time(), () => {}),
        loop().callAt(loop().time(), () => {}),
        loop().callLater(0, () => {}),
      ];
      for (const handle of handles) {
        expect(handle).to.be.instanceOf(TimeoutHandle);
        loop().removeTimeout(handle);
      }
    });

    it('still runs the remaining timer after thousands were added and removed', async () => {
      const calls: string[] = [];
      for (let i = 0; i < 2000; i++) loop().removeTimeout(loop().callLater(3600, () => calls.push('removed')));
      loop().callLater(1, () => calls.push('kept'));
      expect(String(loop())).to.contain('timers=1');
      await clock().tickAsync(3_600_000);
      expect(calls).to.deep.equal(['kept']);
    });

    it('logs a throwing timer callback and still runs later timers', async () => {
      const calls: string[] = [];
      const records = await captureLog(async () => {
        loop().callLater(1, function brokenTimer() {
          throw new Error('timer failed');
        });
        loop().callLater(2, () => calls.push('later'));
        await clock().tickAsync(2000);
      });
      expect(records.map((r) => r.message)).to.deep.equal(['Exception in callback brokenTimer']);
      expect(calls).to.deep.equal(['later']);
    });

    it('keeps one Node timer for the earliest deadline', async () => {
      const setTimeoutSpy = sinon.spy(globalThis, 'setTimeout');
      try {
        loop().callLater(10, () => {});
        loop().callLater(20, () => {});
        loop().callLater(30, () => {});
        expect(setTimeoutSpy.callCount).to.equal(1);
        expect(clock().countTimers()).to.equal(1);
        loop().callLater(5, () => {});
        expect(clock().countTimers()).to.equal(1);
        expect(setTimeoutSpy.lastCall.args[1]).to.equal(5000);
      } finally {
        setTimeoutSpy.restore();
      }
    });

    it('releases the Node timer once the last timer is removed', () => {
      const handle = loop().callLater(10, () => {});
      expect(clock().countTimers()).to.equal(1);
      loop().removeTimeout(handle);
      expect(clock().countTimers()).to.equal(0);
    });

    it('waits for a deadline beyond Node timer range without waking every millisecond', async () => {
      const calls: string[] = [];
      const thirtyDays = 30 * 24 * 3600;
      const setTimeoutSpy = sinon.spy(globalThis, 'setTimeout');
      try {
        loop().callLater(thirtyDays, () => calls.push('a month later'));
        await clock().tickAsync(1000);
        expect(setTimeoutSpy.callCount).to.equal(1);
        await clock().tickAsync(thirtyDays * 1000);
        expect(calls).to.deep.equal(['a month later']);
      } finally {
        setTimeoutSpy.restore();
      }
    });
  });

  describe('addFuture', () => {
    const loop = useFreshLoop();

    it('runs the callback on the loop with the future once it is done', async () => {
      const future = new Future<number>();
      const seen: Future<number>[] = [];
      loop().addFuture(future, (f) => seen.push(f));
      future.setResult(7);
      await iterations(3);
      expect(seen).to.deep.equal([future]);
    });

    it('never runs the callback synchronously, even for a done future', async () => {
      const seen: number[] = [];
      loop().addFuture(resolved(1), (f) => seen.push(f.result()));
      expect(seen).to.deep.equal([]);
      await iterations(1);
      expect(seen).to.deep.equal([1]);
    });

    it('accepts a Promise and hands the callback a Future', async () => {
      const seen: unknown[] = [];
      loop().addFuture(Promise.resolve('from a promise'), (f) => seen.push(f.result()));
      await iterations(3);
      expect(seen).to.deep.equal(['from a promise']);
    });

    it('rejects something that is neither a Future nor a thenable with a TypeError naming it, and never calls back', async () => {
      const calls: unknown[] = [];
      for (const bad of [undefined, 5, [resolved(1)]]) {
        const error = thrownBy(() => loop().addFuture(bad as never, (f) => calls.push(f)));
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.match(/^addFuture: expected a Future or thenable, got /);
      }
      await iterations(2);
      expect(calls).to.deep.equal([]);
    });

    it('logs an exception raised by the callback', async () => {
      const records = await captureLog(async () => {
        loop().addFuture(rejected(new Error('failed')), function readsResult(f) {
          f.result();
        });
        await iterations(2);
      });
      expect(records.map((r) => r.message)).to.deep.equal(['Exception in callback readsResult']);
    });
  });

  describe('runSync', () => {
    let loop: IOLoop;
    beforeEach(() => {
      loop = new IOLoop();
    });
    afterEach(() => loop.close());

    it("resolves with a coroutine's result", async () => {
      const answer = coroutine(function* () {
        yield moment;
        return 42;
      });
      expect(await loop.runSync(answer)).to.equal(42);
    });

    it("rejects with a coroutine's exception", async () => {
      const error = new RangeError('division by zero');
      const failing = coroutine(function* () {
        yield moment;
        throw error;
      });
      expect(await rejectionOf(loop.runSync(failing))).to.equal(error);
    });

    it('rejects with what a synchronous function throws', async () => {
      const error = new Error('thrown at once');
      expect(
        await rejectionOf(
          loop.runSync(() => {
            throw error;
          }),
        ),
      ).to.equal(error);
    });

    it("resolves with an async function's value, also when it awaits a coroutine", async () => {
      const inner = coroutine(function* () {
        yield moment;
        return 'inner';
      });
      expect(await loop.runSync(async () => `${await inner()} and outer`)).to.equal('inner and outer');
    });

    it('resolves to undefined when the function returns nothing', async () => {
      expect(await loop.runSync(() => {})).to.equal(undefined);
    });

    it('rejects a plain value that is not yieldable with BadYieldError', async () => {
      const error = await rejectionOf(loop.runSync(() => 42));
      expect(error).to.be.instanceOf(BadYieldError);
      expect(error.message).to.contain('42');
    });

    it('runs the function with this loop current, and restores the previous one after', async () => {
      const outer = new IOLoop();
      outer.makeCurrent();
      try {
        let inside: IOLoop | null = null;
        await loop.runSync(() => {
          inside = IOLoop.current();
        });
        expect(inside).to.equal(loop);
        expect(IOLoop.current()).to.equal(outer);
      } finally {
        outer.close();
      }
    });

    it('keeps a running runSync current and restores the original loop when overlapping runSyncs end in either order', async () => {
      const outer = new IOLoop();
      const other = new IOLoop();
      outer.makeCurrent();
      try {
        for (const firstToEnd of ['first', 'second']) {
          const release = { first: new Future<void>(), second: new Future<void>() };
          const first = loop.runSync(() => release.first);
          const second = other.runSync(() => release.second);
          const ending = firstToEnd === 'first' ? [release.first, release.second] : [release.second, release.first];
          ending[0].setResult();
          await (firstToEnd === 'first' ? first : second);
          const stillRunning = firstToEnd === 'first' ? other : loop;
          expect(IOLoop.current(), `${firstToEnd} ended, the other still runs`).to.equal(stillRunning);
          ending[1].setResult();
          await Promise.all([first, second]);
          expect(IOLoop.current(), `${firstToEnd} ended first`).to.equal(outer);
        }
      } finally {
        outer.close();
        other.close();
      }
    });

    it('rejects when the loop is closed before the work completes, rather than wait forever', async () => {
      const outcome = rejectionOf(loop.runSync(() => new Future<void>()));
      await new Promise((resolve) => setImmediate(resolve));
      loop.close();
      const error = await outcome;
      expect(error.message).to.equal('IOLoop closed before the runSync() work completed');
      expect(IOLoop.current()).to.not.equal(loop);
    });

    it('rejects a function or timeout of the wrong type with a TypeError naming it', () => {
      expect(thrownBy(() => loop.runSync(42 as never)).message).to.equal('runSync: expected a function, got 42');
      expect(thrownBy(() => loop.runSync(() => undefined, { timeout: '1' as never })).message).to.equal(
        "runSync: expected a duration in seconds (number), got '1'",
      );
    });

    it('rejects with CancelledError when the work is cancelled', async () => {
      const work = new Future<number>();
      const outcome = loop.runSync(() => work);
      loop.addCallback(() => work.cancel('called off'));
      const error = await rejectionOf(outcome);
      expect(error).to.be.instanceOf(CancelledError);
      expect(error.message).to.equal('called off');
    });

    describe('with a timeout', () => {
      const clock = useFakeClock();

      it('cancels the work and rejects with TimeoutError naming the timeout', async () => {
        const steps: string[] = [];
        const slow = coroutine(function* () {
          try {
            yield sleep(1);
            steps.push('woke up');
          } catch (error) {
            steps.push((error as Error).name);
            throw error;
          } finally {
            steps.push('finally');
          }
        });
        const outcome = rejectionOf(loop.runSync(slow, { timeout: 0.01 }));
        await clock().tickAsync(20);
        const error = await outcome;
        expect(error).to.be.instanceOf(TimeoutError);
        expect(error.message).to.equal('Operation timed out after 0.01 seconds');
        expect(steps).to.deep.equal(['CancelledError', 'finally']);
      });

      it('gives up on work that cannot be cancelled, still with TimeoutError', async () => {
        const never = new Promise<void>(() => {});
        const outcome = rejectionOf(loop.runSync(() => never, { timeout: 1 }));
        await clock().tickAsync(1000);
        expect(await outcome).to.be.instanceOf(TimeoutError);
      });

      it('settles with the result when the work finished just before the timeout, in the same iteration', async () => {
        const work = new Future<string>();
        loop.callLater(0.01, () => work.setResult('in time'));
        const outcome = loop.runSync(() => work, { timeout: 0.02 });
        // The loop is busy past both deadlines: both timers come due in one iteration, the work's first.
        loop.addCallback(() => clock().tick(30));
        await clock().tickAsync(40);
        expect(await outcome).to.equal('in time');
      });

      it('settles with the result when the work beats the timeout', async () => {
        const quick = coroutine(function* () {
          yield sleep(0.5);
          return 'in time';
        });
        const outcome = loop.runSync(quick, { timeout: 1 });
        await clock().tickAsync(500);
        expect(await outcome).to.equal('in time');
        expect(String(loop)).to.contain('timers=0');
      });
    });
  });

  describe('runInExecutor', () => {
    const loop = useFreshLoop();

    it('submits the function and its arguments to the executor and returns its outcome as a Future', async () => {
      const submitted: unknown[][] = [];
      const executor = {
        submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
          submitted.push(args);
          return Promise.resolve(fn(...args)) as Promise<Awaited<R>>;
        },
      };
      const future = loop().runInExecutor(executor, (a: number, b: number) => a + b, 2, 3);
      expect(future).to.be.instanceOf(Future);
      expect(await future).to.equal(5);
      expect(submitted).to.deep.equal([[2, 3]]);
    });

    it('hands back a Future the executor returns as it is', () => {
      const fromExecutor = resolved(1);
      const executor = { submit: () => fromExecutor };
      expect(loop().runInExecutor(executor, () => 1)).to.equal(fromExecutor);
    });

    it('rejects something without submit() with a TypeError naming it', () => {
      const error = thrownBy(() => loop().runInExecutor({} as never, () => 1));
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.equal(
        "runInExecutor: expected an executor with submit() or null (the loop's default executor), got {}",
      );
    });
  });

  describe('fairness towards Node', () => {
    useFreshLoop();

    it("lets Node's timers and immediates run while a coroutine spins on moment", async () => {
      const fired: string[] = [];
      setTimeout(() => fired.push('setTimeout'), 0);
      setImmediate(() => fired.push('setImmediate'));
      const spin = coroutine(function* () {
        let spins = 0;
        while (fired.length < 2) {
          if (++spins > 1_000_000) throw new Error('Node never got a turn');
          yield moment;
        }
        return spins;
      });
      await spin();
      expect(fired).to.have.members(['setTimeout', 'setImmediate']);
    });

    it("lets Node's timers run while an async function spins on await moment", async () => {
      let nodeTimerFired = false;
      setTimeout(() => (nodeTimerFired = true), 0);
      let spins = 0;
      while (!nodeTimerFired) {
        if (++spins > 1_000_000) throw new Error('Node never got a turn');
        await moment;
      }
      expect(nodeTimerFired).to.equal(true);
    });

    it("lets Node's timers run while callbacks keep re-adding themselves", async () => {
      let nodeTimerFired = false;
      setTimeout(() => (nodeTimerFired = true), 0);
      let rounds = 0;
      await new Promise<void>((resolve, reject) => {
        const again = () => {
          if (nodeTimerFired) resolve();
          else if (++rounds > 1_000_000) reject(new Error('Node never got a turn'));
          else IOLoop.current().addCallback(again);
        };
        again();
      });
      expect(nodeTimerFired).to.equal(true);
    });
  });

  describe('the Node process', () => {
    const indexUrl = new URL('../lib/index.js', import.meta.url).href;

    /** Runs `body` (an ES module importing whirlwind as `w`) in a child node; resolves with how it ended. */
    function runChild(body: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
      const source = `import * as w from ${JSON.stringify(indexUrl)};\n${body}`;
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', source], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let stdout = '';
        child.stdout.on('data', (chunk) => (stdout += chunk));
        // Generous: the point is "exits on its own", not how fast.
        const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          clearTimeout(killer);
          resolve({ code, signal, stdout });
        });
      });
    }

    it('is not kept alive by futures and coroutines that never finish', async function () {
      this.timeout(30_000);
      const ended = await runChild(`
        const never = new w.Future();
        const waiter = w.gen.coroutine(function* () { yield moment(); yield never; });
        function moment() { return w.gen.moment; }
        waiter();
        w.IOLoop.current().addCallback(() => console.log('callbacks ran'));
        never.addDoneCallback(() => console.log('never printed'));
      `);
      expect(ended).to.deep.equal({ code: 0, signal: null, stdout: 'callbacks ran\n' });
    });

    it('is not kept alive by the timer of a withTimeout whose future finished', async function () {
      this.timeout(30_000);
      const ended = await runChild(`
        const quick = new w.Future();
        w.IOLoop.current().addCallback(() => quick.setResult('quick'));
        console.log(await w.gen.withTimeout({ seconds: 60 }, quick));
        const removed = w.IOLoop.current().callLater(60, () => console.log('never printed'));
        w.IOLoop.current().removeTimeout(removed);
      `);
      expect(ended).to.deep.equal({ code: 0, signal: null, stdout: 'quick\n' });
    });
  });
});
