/**
 * whirlwind/queues at scale and under random interleavings:
 * - a 3-stage pipeline over bounded queues moves 100,000 items with nothing
 *   lost, duplicated or reordered;
 * - fast-check drives random sequences of put/get (blocking, with and without
 *   timeouts, and their Nowait forms), taskDone and clock advances, and checks
 *   that every item whose put succeeded is got exactly once, in queue order,
 *   and that join() is done exactly when every item was marked done.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import type { Future } from '../lib/concurrent.js';
import { coroutine, multi } from '../lib/gen.js';
import { IOLoop } from '../lib/ioloop.js';
import { Queue, QueueEmpty, QueueFull } from '../lib/queues.js';
import { iterations, useFreshLoop } from './support/index.js';

describe('a 3-stage pipeline over bounded queues', () => {
  useFreshLoop();

  it('moves 100,000 items with nothing lost, duplicated or reordered', async function () {
    this.timeout(60_000);
    const total = 100_000;
    const parsed = new Queue<number>(8);
    const enriched = new Queue<{ n: number; square: number }>(8);
    const done = new Queue<string>(8);

    const produce = coroutine(function* () {
      for (let n = 0; n < total; n++) yield parsed.put(n);
    });
    const enrich = coroutine(function* () {
      for (let i = 0; i < total; i++) {
        const n = yield* parsed.get();
        yield enriched.put({ n, square: n * n });
        parsed.taskDone();
      }
    });
    const format = coroutine(function* () {
      for (let i = 0; i < total; i++) {
        const { n, square } = yield* enriched.get();
        yield done.put(`${n}:${square}`);
        enriched.taskDone();
      }
    });
    const collect = coroutine(function* () {
      const seen: string[] = [];
      for (let i = 0; i < total; i++) {
        seen.push(yield* done.get());
        done.taskDone();
      }
      return seen;
    });

    const [, , , seen] = await multi([produce(), enrich(), format(), collect()]);
    await multi([parsed.join(), enriched.join(), done.join()]);
    expect(seen.length).to.equal(total);
    let misplaced = -1;
    for (let n = 0; n < total && misplaced < 0; n++) if (seen[n] !== `${n}:${n * n}`) misplaced = n;
    expect(misplaced, `first misplaced item at index ${misplaced}: ${seen[misplaced]}`).to.equal(-1);
    expect([parsed.qsize(), enriched.qsize(), done.qsize()]).to.deep.equal([0, 0, 0]);
  });
});

type Timeoutish = undefined | { seconds: number };
type Operation =
  | { kind: 'put'; timeout: Timeoutish }
  | { kind: 'putNowait' }
  | { kind: 'get'; timeout: Timeoutish }
  | { kind: 'getNowait' }
  | { kind: 'cancelGet' }
  | { kind: 'taskDone' }
  | { kind: 'advance'; milliseconds: number }
  | { kind: 'iteration' };

const timeoutArbitrary: fc.Arbitrary<Timeoutish> = fc.oneof(
  fc.constant(undefined),
  fc.constant({ seconds: 0 }),
  fc.integer({ min: 1, max: 5 }).map((ms) => ({ seconds: ms / 1000 })),
);

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  { weight: 4, arbitrary: timeoutArbitrary.map((timeout) => ({ kind: 'put' as const, timeout })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'putNowait' as const }) },
  { weight: 4, arbitrary: timeoutArbitrary.map((timeout) => ({ kind: 'get' as const, timeout })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'getNowait' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancelGet' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'taskDone' as const }) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 4 }).map((milliseconds) => ({ kind: 'advance' as const, milliseconds })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'iteration' as const }) },
);

/**
 * Runs `operations` on a fresh queue and loop with a fake clock. Items are
 * 0, 1, 2... in the order put() or putNowait() was called; a getter's item is
 * recorded the moment its Future becomes done (they are resolved
 * synchronously, so after each operation at most one new getter is done).
 */
async function runScenario(maxsize: number, operations: Operation[]): Promise<void> {
  const loop = new IOLoop();
  loop.makeCurrent();
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  try {
    const q = new Queue<number>(maxsize);
    let nextItem = 0;
    const puts: { item: number; future: Future<void> | null }[] = []; // null: putNowait succeeded
    const pendingGets: Future<number>[] = [];
    const got: number[] = [];
    let taskDones = 0;

    const entered = () =>
      puts.filter(
        (p) => p.future === null || (p.future.done() && !p.future.cancelled() && p.future.exception() === null),
      ).length;
    const collectResolvedGets = () => {
      for (let i = 0; i < pendingGets.length; ) {
        const get = pendingGets[i];
        if (!get.done()) {
          i++;
          continue;
        }
        pendingGets.splice(i, 1);
        if (!get.cancelled() && get.exception() === null) got.push(get.result());
      }
    };

    for (const operation of operations) {
      switch (operation.kind) {
        case 'put':
          puts.push({ item: nextItem, future: q.put(nextItem, operation.timeout) });
          nextItem++;
          break;
        case 'putNowait':
          try {
            q.putNowait(nextItem);
            puts.push({ item: nextItem, future: null });
          } catch (error) {
            expect(error).to.be.instanceOf(QueueFull);
          }
          nextItem++;
          break;
        case 'get':
          pendingGets.push(q.get(operation.timeout));
          break;
        case 'getNowait':
          try {
            got.push(q.getNowait());
          } catch (error) {
            expect(error).to.be.instanceOf(QueueEmpty);
          }
          break;
        case 'cancelGet': {
          const waiting = pendingGets.find((get) => !get.done());
          waiting?.cancel();
          break;
        }
        case 'taskDone':
          if (taskDones < entered()) {
            q.taskDone();
            taskDones++;
          } else {
            expect(() => q.taskDone()).to.throw(RangeError);
          }
          break;
        case 'advance':
          await clock.tickAsync(operation.milliseconds);
          break;
        case 'iteration':
          await iterations(1);
          break;
      }
      collectResolvedGets();
      expect(q.join().done(), 'join() is done exactly when no task is unfinished').to.equal(entered() === taskDones);
      expect(q.qsize()).to.be.at.most(maxsize === 0 ? Infinity : maxsize);
    }

    // Let every timeout fire, then drain: blocked putters without a timeout get in now.
    await clock.tickAsync(10);
    collectResolvedGets();
    for (;;) {
      try {
        got.push(q.getNowait());
      } catch {
        break;
      }
    }
    for (const get of pendingGets) get.cancel();

    const succeeded = puts.filter((p) => p.future === null || p.future.exception() === null).map((p) => p.item);
    expect(got, 'every item put is got exactly once, in queue order').to.deep.equal(succeeded);
    for (const put of puts)
      expect(put.future === null || put.future.done(), 'no put is left hanging after the drain').to.equal(true);
  } finally {
    clock.restore();
    loop.close();
  }
}

describe('random interleavings of put, get, timeouts and taskDone on a Queue', () => {
  it('get every successfully put item exactly once, in order, and keep join() in step with taskDone()', async function () {
    this.timeout(30_000);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 3 }), fc.array(operationArbitrary, { maxLength: 60 }), runScenario),
      { numRuns: 1000 },
    );
  });

  it('checks what it claims: a scenario where a timed-out put would have been lost is covered', async () => {
    // A put that times out while the queue is full, then room is made: the
    // item must not appear, and the next put's item comes out instead.
    await runScenario(1, [
      { kind: 'put', timeout: undefined },
      { kind: 'put', timeout: { seconds: 0.001 } },
      { kind: 'put', timeout: undefined },
      { kind: 'advance', milliseconds: 2 },
      { kind: 'get', timeout: undefined },
      { kind: 'get', timeout: undefined },
    ]);
  });
});
