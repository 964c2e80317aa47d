/**
 * whirlwind/locks: the behaviours of tornado/test/locks_test.py, plus
 * `using` releasers, cancellation and bounded memory for timed-out waiters.
 * Deadlines run on a fake clock (spec/support/clock.ts); orderings are
 * observed through done callbacks and loop iterations.
 */
import { expect } from 'chai';
import { CancelledError, type Future } from '../lib/concurrent.js';
import { BadYieldError, coroutine, multi, sleep, TimeoutError } from '../lib/gen.js';
import { BoundedSemaphore, Condition, Event, Lock, Releaser, Semaphore } from '../lib/locks.js';
import { iterations, useFreshLoop } from './support/index.js';
import { expectRejection, useFakeClock } from './support/deadlines.js';

/** Entries in a primitive's waiter line, timed-out ones not yet dropped included (Tornado's `len(c._waiters)`). */
function heldWaiters(primitive: Condition | Semaphore): number {
  return (primitive as unknown as { waiters: { length: number } }).waiters.length;
}

describe('Condition', () => {
  const loop = useFreshLoop();
  const advance = useFakeClock();
  let history: unknown[];
  beforeEach(() => {
    history = [];
  });

  /** Records `key` when the wait is notified, 'timeout' when it resolves false. */
  function recordDone(wait: Future<boolean>, key: unknown): void {
    wait.addDoneCallback((done) => history.push(done.result() ? key : 'timeout'));
  }

  it('shows its waiters in toString() only while someone waits', () => {
    const condition = new Condition();
    expect(String(condition)).to.equal('<Condition>');
    condition.wait();
    expect(String(condition)).to.equal('<Condition waiters[1]>');
  });

  it('resolves wait() with true when notified later', async () => {
    const condition = new Condition();
    loop().callLater(0.01, () => condition.notify());
    const wait = condition.wait();
    await advance(0.01);
    expect(wait.done()).to.equal(true);
    expect(await wait).to.equal(true);
  });

  it('resolves the waiter synchronously inside notify() but runs its callbacks on a later iteration', async () => {
    const condition = new Condition();
    const wait = condition.wait();
    recordDone(wait, 'woken');
    condition.notify();
    expect(wait.done()).to.equal(true);
    expect(history).to.deep.equal([]);
    await iterations(1);
    expect(history).to.deep.equal(['woken']);
  });

  it('wakes one waiter per notify(1), oldest first', async () => {
    const condition = new Condition();
    recordDone(condition.wait(), 'wait1');
    recordDone(condition.wait(), 'wait2');
    condition.notify(1);
    await iterations(1);
    history.push('notify1');
    condition.notify(1);
    await iterations(1);
    history.push('notify2');
    expect(history).to.deep.equal(['wait1', 'notify1', 'wait2', 'notify2']);
  });

  it('wakes n waiters per notify(n), in the order they waited', async () => {
    const condition = new Condition();
    for (let i = 0; i < 6; i++) recordDone(condition.wait(), i);
    condition.notify(3);
    await iterations(1);
    expect(history).to.deep.equal([0, 1, 2]);
    condition.notify(1);
    await iterations(1);
    expect(history).to.deep.equal([0, 1, 2, 3]);
    condition.notify(2);
    await iterations(1);
    expect(history).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });

  it('wakes every waiter on notifyAll()', async () => {
    const condition = new Condition();
    for (let i = 0; i < 4; i++) recordDone(condition.wait(), i);
    condition.notifyAll();
    await iterations(1);
    history.push('notifyAll');
    expect(history).to.deep.equal([0, 1, 2, 3, 'notifyAll']);
  });

  it('resolves wait() with false when the timeout passes before a notify', async () => {
    const condition = new Condition();
    const wait = condition.wait({ seconds: 0.01 });
    loop().callLater(0.02, () => condition.notify()); // too late
    await advance(0.03);
    expect(await wait).to.equal(false);
  });

  it('resolves wait() with true when notified before its timeout', async () => {
    const condition = new Condition();
    loop().callLater(0.01, () => condition.notify());
    const wait = condition.wait({ seconds: 0.02 });
    await advance(0.03);
    expect(await wait).to.equal(true);
  });

  it('takes a number as an absolute deadline on the loop clock', async () => {
    const condition = new Condition();
    const wait = condition.wait(loop().time() + 0.05);
    await advance(0.04);
    expect(wait.done()).to.equal(false);
    await advance(0.01);
    expect(await wait).to.equal(false);
  });

  it('expires a zero timeout on the next iteration instead of waiting forever', async () => {
    const condition = new Condition();
    const waits = [condition.wait(0), condition.wait({ seconds: 0 })];
    await advance(0);
    expect(waits.map((w) => w.done() && w.result())).to.deep.equal([false, false]);
  });

  it('does not count timed-out waiters against notify(n)', async () => {
    const condition = new Condition();
    recordDone(condition.wait(), 0);
    recordDone(condition.wait({ seconds: 0.01 }), 1);
    recordDone(condition.wait(), 2);
    recordDone(condition.wait(), 3);
    await advance(0.02);
    expect(history).to.deep.equal(['timeout']);
    condition.notify(2);
    await iterations(1);
    expect(history).to.deep.equal(['timeout', 0, 2]);
    condition.notify();
    await iterations(1);
    expect(history).to.deep.equal(['timeout', 0, 2, 3]);
  });

  it('counts only waiters still waiting in toString()', async () => {
    const condition = new Condition();
    condition.wait({ seconds: 0.01 });
    condition.wait();
    await advance(0.01);
    expect([String(condition), heldWaiters(condition)]).to.deep.equal(['<Condition waiters[1]>', 2]);
  });

  it('skips timed-out waiters on notifyAll()', async () => {
    const condition = new Condition();
    recordDone(condition.wait(), 0);
    recordDone(condition.wait({ seconds: 0.01 }), 1);
    recordDone(condition.wait(), 2);
    await advance(0.02);
    expect(history).to.deep.equal(['timeout']);
    condition.notifyAll();
    await iterations(1);
    expect(history).to.deep.equal(['timeout', 0, 2]);
  });

  it('loses no notification when a woken waiter notifies again', async () => {
    const condition = new Condition();
    const waits = [condition.wait(), condition.wait(), condition.wait()];
    waits[1].addDoneCallback(() => condition.notify());
    condition.notify(2);
    await iterations(2);
    expect(waits.map((w) => w.done())).to.deep.equal([true, true, true]);
  });

  it('skips a waiter whose coroutine was cancelled', async () => {
    const condition = new Condition();
    const order: string[] = [];
    const waiter = coroutine(function* (name: string) {
      yield condition.wait();
      order.push(name);
    });
    const first = waiter('first');
    waiter('second');
    first.cancel();
    condition.notify();
    await iterations(2);
    expect(order).to.deep.equal(['second']);
  });

  it('drops timed-out waiters from its line once more than 100 have piled up', async () => {
    const condition = new Condition();
    for (let i = 0; i < 101; i++) condition.wait({ seconds: 0.01 });
    const last = condition.wait();
    expect(heldWaiters(condition)).to.equal(102);
    await advance(0.02);
    expect(heldWaiters(condition)).to.equal(1);
    expect(String(condition)).to.equal('<Condition waiters[1]>');
    expect(last.done()).to.equal(false);
    condition.notify();
    expect(last.done()).to.equal(true);
  });

  it('keeps its line bounded however many waits time out behind a live waiter', async () => {
    const condition = new Condition();
    const live = condition.wait();
    let longest = 0;
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 200; i++) condition.wait({ seconds: 0.001 });
      await advance(0.002);
      longest = Math.max(longest, heldWaiters(condition));
    }
    // 10,000 timed-out waits; at most 100 dead entries are ever left beside the live one.
    expect(longest).to.be.at.most(101);
    expect(live.done()).to.equal(false);
  });

  it('rejects a notify() count that is not a number with a TypeError', () => {
    expect(() => new Condition().notify('all' as never)).to.throw(
      TypeError,
      "Condition.notify: expected a number of waiters, got 'all'",
    );
  });

  it('rejects a timeout that is not a Timeout with a TypeError, and waits for nothing', () => {
    const condition = new Condition();
    expect(() => condition.wait('soon' as never)).to.throw(TypeError, /Condition\.wait: timeout must be .* got 'soon'/);
    expect(String(condition)).to.equal('<Condition>');
  });
});

describe('Event', () => {
  useFreshLoop();
  const advance = useFakeClock();

  it('says whether it is set or clear in toString()', () => {
    const event = new Event();
    expect(String(event)).to.equal('<Event clear>');
    event.set();
    expect(String(event)).to.equal('<Event set>');
  });

  it('resolves waiters on set() and blocks new waiters again after clear()', () => {
    const event = new Event();
    const before = event.wait();
    event.set();
    const whileSet = event.wait();
    event.clear();
    const afterClear = event.wait();
    expect([before.done(), whileSet.done(), afterClear.done()]).to.deep.equal([true, true, false]);
  });

  it('resolves every waiter synchronously inside set(); they resume on a later iteration', async () => {
    const event = new Event();
    const order: string[] = [];
    const waiter = coroutine(function* (name: string) {
      yield event.wait();
      order.push(name);
    });
    waiter('a');
    waiter('b');
    event.set();
    order.push('after set');
    expect(order).to.deep.equal(['after set']);
    await iterations(1);
    expect(order).to.deep.equal(['after set', 'a', 'b']);
  });

  it('rejects wait() with gen.TimeoutError at the timeout, and works normally afterwards', async () => {
    const event = new Event();
    const timedOut = event.wait({ seconds: 0.01 });
    await advance(0.01);
    const error = await expectRejection(timedOut, TimeoutError);
    expect(error.message).to.equal(
      'Event.wait() timed out after { seconds: 0.01 }: the deadline 0.01 on IOLoop.time() passed',
    );
    const wait = event.wait({ seconds: 1 });
    event.set();
    await wait;
    expect(String(event)).to.equal('<Event set>');
  });

  it('forgets a timed-out waiter at once', async () => {
    const event = new Event();
    const wait = event.wait({ seconds: 0.01 });
    expect(String(event)).to.equal('<Event clear waiters[1]>');
    await advance(0.01);
    expect(String(event)).to.equal('<Event clear>');
    await expectRejection(wait, TimeoutError);
  });

  it('resolves wait() at once while set, even with a zero timeout', () => {
    const event = new Event();
    event.set();
    expect(event.wait(0).done()).to.equal(true);
  });

  it('stays set when set() is called twice', () => {
    const event = new Event();
    event.set();
    event.set();
    expect(event.isSet()).to.equal(true);
  });

  it('resolves a wait() made before clear() when set() comes', () => {
    const event = new Event();
    const first = event.wait();
    event.clear();
    const second = event.wait();
    event.set();
    expect([first.done(), second.done()]).to.deep.equal([true, true]);
  });
});

describe('Semaphore', () => {
  const loop = useFreshLoop();
  const advance = useFakeClock();

  it('rejects a negative initial value with a RangeError and a non-number with a TypeError', () => {
    expect(() => new Semaphore(-1)).to.throw(RangeError, 'Semaphore: initial value must be >= 0, got -1');
    expect(() => new Semaphore('2' as never)).to.throw(TypeError, "Semaphore: initial value must be a number, got '2'");
  });

  it('shows its value and waiters in toString()', () => {
    const semaphore = new Semaphore();
    expect(String(semaphore)).to.equal('<Semaphore [unlocked,value:1]>');
    semaphore.acquire();
    expect(String(semaphore)).to.equal('<Semaphore [locked]>');
    semaphore.acquire();
    expect(String(semaphore)).to.equal('<Semaphore [locked,waiters:1]>');
  });

  it('grants acquire() at once while the count is positive and hands each release() to the oldest waiter', () => {
    const semaphore = new Semaphore();
    expect(semaphore.acquire().done()).to.equal(true);
    const second = semaphore.acquire();
    const third = semaphore.acquire();
    expect(second.done()).to.equal(false);
    semaphore.release();
    expect([second.done(), third.done()]).to.deep.equal([true, false]);
    semaphore.release();
    expect(third.done()).to.equal(true);
    semaphore.release();
    expect(semaphore.acquire().done()).to.equal(true);
    expect(String(semaphore)).to.equal('<Semaphore [locked]>');
  });

  it('resolves acquire() to a Releaser', async () => {
    const releaser = await new Semaphore().acquire();
    expect(releaser).to.be.instanceOf(Releaser);
  });

  it('rejects acquire() with gen.TimeoutError at the timeout, taking nothing', async () => {
    const semaphore = new Semaphore(2);
    semaphore.acquire();
    semaphore.acquire();
    const acquire = semaphore.acquire({ seconds: 0.01 });
    loop().callLater(0.02, () => semaphore.release()); // too late for `acquire`
    await advance(0.03);
    const error = await expectRejection(acquire, TimeoutError);
    expect(error.message).to.equal(
      'Semaphore.acquire() timed out after { seconds: 0.01 }: the deadline 0.01 on IOLoop.time() passed',
    );
    expect(String(semaphore)).to.equal('<Semaphore [unlocked,value:1]>');
    semaphore.acquire();
    const next = semaphore.acquire();
    expect(next.done()).to.equal(false);
    semaphore.release();
    expect(next.done()).to.equal(true);
  });

  it('grants acquire() when released before its timeout', async () => {
    const semaphore = new Semaphore(1);
    semaphore.acquire();
    loop().callLater(0.01, () => semaphore.release());
    const acquire = semaphore.acquire({ seconds: 0.02 });
    await advance(0.03);
    expect(await acquire).to.be.instanceOf(Releaser);
  });

  it('raises the count on release() without acquire()', () => {
    const semaphore = new Semaphore();
    semaphore.release();
    semaphore.release();
    const granted = [1, 2, 3, 4].map(() => semaphore.acquire().done());
    expect(granted).to.deep.equal([true, true, true, false]);
  });

  it('drops timed-out waiters from its line once more than 100 have piled up', async () => {
    const semaphore = new Semaphore(0);
    const timedOut = Array.from({ length: 101 }, () => semaphore.acquire({ seconds: 0.01 }));
    const last = semaphore.acquire();
    expect(heldWaiters(semaphore)).to.equal(102);
    await advance(0.02);
    expect(heldWaiters(semaphore)).to.equal(1);
    expect(last.done()).to.equal(false);
    semaphore.release();
    expect(last.done()).to.equal(true);
    for (const future of timedOut) expect(() => future.result()).to.throw(TimeoutError);
  });

  it('passes a slot on to the next waiter when a waiting coroutine is cancelled', async () => {
    const semaphore = new Semaphore(0);
    const order: string[] = [];
    const worker = coroutine(function* (name: string) {
      yield semaphore.acquire();
      order.push(name);
    });
    const cancelled = worker('cancelled');
    worker('next');
    cancelled.cancel();
    semaphore.release();
    await iterations(2);
    expect(order).to.deep.equal(['next']);
    expect(cancelled.cancelled()).to.equal(true);
  });

  describe('releasers', () => {
    it('release the semaphore at the end of a `using` block in a coroutine', async () => {
      const semaphore = new Semaphore();
      let insideBlock = '';
      const body = coroutine(function* () {
        using _ = yield semaphore.acquire();
        insideBlock = String(semaphore);
      });
      await body();
      expect(insideBlock).to.equal('<Semaphore [locked]>');
      expect(String(semaphore)).to.equal('<Semaphore [unlocked,value:1]>');
    });

    it('release the semaphore at the end of a `using` block in an async function', async () => {
      const semaphore = new Semaphore();
      const body = async () => {
        using _ = await semaphore.acquire();
        expect(String(semaphore)).to.equal('<Semaphore [locked]>');
      };
      await body();
      expect(semaphore.acquire().done()).to.equal(true);
    });

    it('release the semaphore when the `using` block throws', async () => {
      const semaphore = new Semaphore();
      const body = coroutine(function* () {
        using _ = yield semaphore.acquire();
        throw new RangeError('inside the block');
      });
      await expectRejection(body(), RangeError);
      expect(semaphore.acquire().done()).to.equal(true);
    });

    it('come from an acquire() with a timeout that did not expire, too', async () => {
      const semaphore = new Semaphore();
      const body = coroutine(function* () {
        using _ = yield semaphore.acquire({ seconds: 0.01 });
      });
      await body();
      expect(semaphore.acquire().done()).to.equal(true);
    });

    it('are never made when acquire() times out, so the count is unchanged', async () => {
      const semaphore = new Semaphore(0);
      const body = coroutine(function* () {
        using _ = yield semaphore.acquire({ seconds: 0.01 });
      });
      const result = body();
      await advance(0.01);
      await expectRejection(result, TimeoutError);
      expect(semaphore.acquire().done()).to.equal(false);
    });

    it('hand the semaphore over in turn to contending coroutines', async () => {
      const semaphore = new Semaphore();
      const history: string[] = [];
      const worker = coroutine(function* (index: number) {
        using _ = yield semaphore.acquire();
        history.push(`acquired ${index}`);
        yield sleep(0.01);
        history.push(`release ${index}`);
      });
      const both = multi([worker(0), worker(1)]);
      await advance(0.01);
      await advance(0.01);
      await both;
      expect(history).to.deep.equal(['acquired 0', 'release 0', 'acquired 1', 'release 1']);
    });

    it('say what they release in toString(), until released', async () => {
      const semaphore = new Semaphore(2);
      const releaser = await semaphore.acquire();
      expect(String(releaser)).to.equal('<Releaser of <Semaphore [unlocked,value:1]>>');
      releaser.release();
      expect(String(releaser)).to.equal('<Releaser released>');
    });

    it('release only once, so an early release() inside a `using` block is safe', async () => {
      const semaphore = new Semaphore(2);
      const body = coroutine(function* () {
        using releaser = yield semaphore.acquire();
        (releaser as Releaser).release();
        (releaser as Releaser).release();
      });
      await body();
      expect(String(semaphore)).to.equal('<Semaphore [unlocked,value:2]>');
    });
  });

  it('is a BadYieldError when yielded itself instead of acquire()', async () => {
    const body = coroutine(function* () {
      yield new Semaphore();
    });
    const error = await expectRejection(body(), BadYieldError);
    expect(error.message).to.contain('<Semaphore [unlocked,value:1]>');
  });

  it('is not a thenable, so `await semaphore` cannot be mistaken for acquiring it', () => {
    expect('then' in new Semaphore()).to.equal(false);
    expect('then' in new Lock()).to.equal(false);
  });
});

describe('BoundedSemaphore', () => {
  useFreshLoop();

  it('raises RangeError("Semaphore released too many times") above its initial value', () => {
    const semaphore = new BoundedSemaphore();
    expect(() => semaphore.release()).to.throw(RangeError, 'Semaphore released too many times');
    semaphore.acquire();
    const waiting = semaphore.acquire();
    expect(waiting.done()).to.equal(false);
    semaphore.release();
    expect(waiting.done()).to.equal(true);
    semaphore.release();
    expect(() => semaphore.release()).to.throw(RangeError, 'Semaphore released too many times');
  });

  it('names itself in toString()', () => {
    expect(String(new BoundedSemaphore(2))).to.equal('<BoundedSemaphore [unlocked,value:2]>');
  });
});

describe('Lock', () => {
  useFreshLoop();
  const advance = useFakeClock();

  it('shows whether it is locked, and its waiters, in toString()', () => {
    const lock = new Lock();
    expect(String(lock)).to.equal('<Lock [unlocked]>');
    lock.acquire();
    expect(String(lock)).to.equal('<Lock [locked]>');
    lock.acquire();
    expect(String(lock)).to.equal('<Lock [locked,waiters:1]>');
  });

  it('is acquired at once when free and handed to a waiter on release()', () => {
    const lock = new Lock();
    expect(lock.acquire().done()).to.equal(true);
    const waiting = lock.acquire();
    expect(waiting.done()).to.equal(false);
    lock.release();
    expect(waiting.done()).to.equal(true);
  });

  it('is granted to coroutines in the order they asked (FIFO)', async () => {
    const lock = new Lock();
    lock.acquire();
    const history: number[] = [];
    const worker = coroutine(function* (index: number) {
      using _ = yield lock.acquire();
      history.push(index);
    });
    const workers = [0, 1, 2, 3, 4].map((i) => worker(i));
    expect(workers.some((w) => w.done())).to.equal(false);
    lock.release();
    await multi(workers);
    expect(history).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('is granted to async functions in the order they asked (FIFO)', async () => {
    const lock = new Lock();
    lock.acquire();
    const history: number[] = [];
    const worker = async (index: number) => {
      using _ = await lock.acquire();
      history.push(index);
    };
    const workers = [0, 1, 2, 3, 4].map((i) => worker(i));
    lock.release();
    await Promise.all(workers);
    expect(history).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('rejects acquire() with gen.TimeoutError at the timeout and stays locked', async () => {
    const lock = new Lock();
    lock.acquire();
    const acquire = lock.acquire({ seconds: 0.01 });
    await advance(0.01);
    const error = await expectRejection(acquire, TimeoutError);
    expect(error.message).to.equal(
      'Lock.acquire() timed out after { seconds: 0.01 }: the deadline 0.01 on IOLoop.time() passed',
    );
    expect(lock.acquire().done()).to.equal(false);
  });

  it('grants a free lock even with a zero timeout, and times a held one out on the next iteration', async () => {
    const lock = new Lock();
    expect(lock.acquire(0).done()).to.equal(true);
    const acquire = lock.acquire(0);
    expect(acquire.done()).to.equal(false);
    await iterations(1);
    expect(acquire.exception()).to.be.instanceOf(TimeoutError);
  });

  it('raises Error("release unlocked lock") when released while unlocked', () => {
    const lock = new Lock();
    expect(() => lock.release()).to.throw(Error, 'release unlocked lock');
    lock.acquire();
    lock.release();
    expect(() => lock.release()).to.throw(Error, 'release unlocked lock');
  });

  it('reports its own error when a releaser releases a lock already released by hand', async () => {
    const lock = new Lock();
    const releaser = await lock.acquire();
    lock.release();
    expect(() => releaser.release()).to.throw(Error, 'release unlocked lock');
  });

  it('is a BadYieldError when yielded itself instead of acquire()', async () => {
    const body = coroutine(function* () {
      yield new Lock();
    });
    const error = await expectRejection(body(), BadYieldError);
    expect(error.message).to.match(/^yielded unknown object <Lock \[unlocked\]> in coroutine/);
  });

  it('passes to the next waiter when the coroutine waiting for it is cancelled', async () => {
    const lock = new Lock();
    const holder = await lock.acquire();
    const order: string[] = [];
    const worker = coroutine(function* (name: string) {
      using _ = yield lock.acquire();
      order.push(name);
    });
    const cancelled = worker('cancelled');
    const next = worker('next');
    cancelled.cancel();
    holder.release();
    await next;
    expect(order).to.deep.equal(['next']);
    expect(String(lock)).to.equal('<Lock [unlocked]>');
    await expectRejection(cancelled, CancelledError);
  });
});
