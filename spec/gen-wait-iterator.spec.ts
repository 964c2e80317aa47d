/**
 * `WaitIterator`: futures handed out in completion order, with
 * `currentIndex`/`currentFuture`, by `next()` or `for await`.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { Future } from '../lib/concurrent.js';
import { IOLoop } from '../lib/ioloop.js';
import { coroutine, sleep, WaitIterator, withTimeout } from '../lib/gen.js';
import { genTest } from '../lib/testing.js';
import { resolved, resolvedLater, useFreshLoop } from './support/index.js';

/**
 * Finishes four futures over nine loop iterations (Tornado's
 * `finish_coroutines`): #2 at iteration 3, #0 fails at 5, #1 then #3 at 8.
 */
function finishOverIterations(futures: Future<number>[], iteration = 0): void {
  if (iteration === 3) futures[2].setResult(24);
  else if (iteration === 5) futures[0].setException(new RangeError('zero'));
  else if (iteration === 8) {
    futures[1].setResult(42);
    futures[3].setResult(84);
  }
  if (iteration < 8) IOLoop.current().addCallback(finishOverIterations, futures, iteration + 1);
}

function pendingFutures(n: number): Future<number>[] {
  return Array.from({ length: n }, () => new Future<number>());
}

describe('WaitIterator', () => {
  useFreshLoop();

  it('is done at once when given nothing, with no current index or future', () => {
    const waiter = new WaitIterator();
    expect(waiter.done()).to.equal(true);
    expect(waiter.currentIndex).to.equal(null);
    expect(waiter.currentFuture).to.equal(null);
  });

  it('is done at once when given an empty object', () => {
    expect(new WaitIterator({}).done()).to.equal(true);
  });

  it(
    'hands out already-done futures in argument order, with their index and identity',
    genTest(function* () {
      const futures = [resolved(24), resolved(42), resolved(84)];
      const waiter = new WaitIterator(...futures);
      const seen: unknown[] = [];
      while (!waiter.done()) {
        const result: number = yield waiter.next();
        seen.push([result, waiter.currentIndex, waiter.currentFuture === futures[waiter.currentIndex as number]]);
      }
      expect(seen).to.deep.equal([
        [24, 0, true],
        [42, 1, true],
        [84, 2, true],
      ]);
      expect(waiter.currentIndex).to.equal(null);
      expect(waiter.currentFuture).to.equal(null);
    }),
  );

  it(
    'reports the key as currentIndex when given an object of futures',
    genTest(function* () {
      const f1 = resolved(24);
      const f2 = resolved(42);
      const waiter = new WaitIterator({ f1, f2 });
      const seen: unknown[] = [];
      while (!waiter.done()) {
        const result: number = yield waiter.next();
        seen.push([waiter.currentIndex, result, waiter.currentFuture === (waiter.currentIndex === 'f1' ? f1 : f2)]);
      }
      expect(seen).to.deep.equal([
        ['f1', 24, true],
        ['f2', 42, true],
      ]);
    }),
  );

  it(
    'hands out futures in completion order, failures included',
    genTest(function* () {
      const futures = pendingFutures(4);
      finishOverIterations(futures);
      const waiter = new WaitIterator(...futures);
      const seen: unknown[] = [];
      while (!waiter.done()) {
        try {
          const result: number = yield waiter.next();
          seen.push([waiter.currentIndex, result]);
        } catch (e) {
          seen.push([waiter.currentIndex, (e as Error).message, waiter.currentFuture === futures[0]]);
        }
      }
      expect(seen).to.deep.equal([
        [2, 24],
        [0, 'zero', true],
        [1, 42],
        [3, 84],
      ]);
    }),
  );

  it('works with for await, and a second loop goes on where a failure stopped the first', async () => {
    const futures = pendingFutures(4);
    finishOverIterations(futures);
    const waiter = new WaitIterator(...futures);
    const seen: unknown[] = [];
    try {
      for await (const result of waiter) seen.push([waiter.currentIndex, result]);
    } catch (e) {
      seen.push(['failed', (e as Error).message]);
    }
    for await (const result of waiter) seen.push([waiter.currentIndex, result]);
    expect(seen).to.deep.equal([
      [2, 24],
      ['failed', 'zero'],
      [1, 42],
      [3, 84],
    ]);
  });

  it('accepts native Promises', async () => {
    const waiter = new WaitIterator(Promise.resolve('a'), new Promise<string>((resolve) => setImmediate(resolve, 'b')));
    const seen: unknown[] = [];
    for await (const result of waiter) seen.push(result);
    expect(seen).to.deep.equal(['a', 'b']);
  });

  it('gives each position its own index when the same future is passed twice', async () => {
    const shared = new Future<string>();
    const waiter = new WaitIterator(shared, resolved('other'), shared);
    shared.setResult('shared');
    const seen: unknown[] = [];
    for await (const result of waiter) seen.push([waiter.currentIndex, result]);
    expect(seen).to.deep.equal([
      [1, 'other'],
      [0, 'shared'],
      [2, 'shared'],
    ]);
  });

  it('works when only the Future from next() is kept, under withTimeout', async () => {
    expect(await withTimeout({ seconds: 1 }, new WaitIterator(sleep(0)).next())).to.equal(undefined);
  });

  it('keeps working after a coroutine waiting on next() was cancelled', async () => {
    const futures = pendingFutures(2);
    const waiter = new WaitIterator(...futures);
    const waiting = coroutine(function* () {
      yield waiter.next();
    })();
    waiting.cancel();
    futures[1].setResult(2);
    futures[0].setResult(1);
    const seen: unknown[] = [];
    for await (const result of waiter) seen.push([waiter.currentIndex, result]);
    expect(seen).to.deep.equal([
      [1, 2],
      [0, 1],
    ]);
  });

  it('refuses a second next() while the previous one is pending', () => {
    const waiter = new WaitIterator(new Future());
    waiter.next();
    expect(() => waiter.next()).to.throw(Error, /called again before the previous next\(\) future finished/);
  });

  it('refuses next() once every future was handed out, instead of returning one that never settles', async () => {
    const waiter = new WaitIterator(resolved(1));
    await waiter.next();
    expect(() => waiter.next()).to.throw(Error, /after every future was handed out/);
  });

  it('rejects an array argument with a TypeError that says to spread it', () => {
    expect(() => new WaitIterator([new Future()] as never)).to.throw(TypeError, /separate arguments/);
  });

  it('rejects an argument that is not yieldable', () => {
    expect(() => new WaitIterator(42 as never)).to.throw(/yielded unknown object 42/);
  });

  it('hands out futures in the order they finish, ties in argument order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 8 }), async (delays) => {
        const waiter = new WaitIterator(...delays.map((iterationsLater, i) => resolvedLater(i, iterationsLater)));
        const order: unknown[] = [];
        for await (const result of waiter) order.push([waiter.currentIndex, result]);
        const expected = delays
          .map((d, i) => ({ d, i }))
          .sort((a, b) => a.d - b.d || a.i - b.i)
          .map(({ i }) => [i, i]);
        expect(order).to.deep.equal(expected);
      }),
      { numRuns: 100 },
    );
  });
});
