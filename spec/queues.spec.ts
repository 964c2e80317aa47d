/**
 * whirlwind/queues: the behaviours of tornado/test/queues_test.py, plus the
 * PriorityQueue `compare` option, cancellation and a bounded waiter line.
 * The 100,000-item pipeline and the property test live in
 * queues-pipeline.spec.ts.
 */
import { expect } from 'chai';
import { CancelledError, Future } from '../lib/concurrent.js';
import { coroutine, moment, multi, TimeoutError } from '../lib/gen.js';
import { LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull } from '../lib/queues.js';
import { iterations, useFreshLoop } from './support/index.js';
import { expectRejection, useFakeClock } from './support/deadlines.js';

/** Entries in a queue's getter or putter line, timed-out ones not yet dropped included (Tornado's `len(q._getters)`). */
function held(queue: Queue<any>, which: 'getters' | 'putters'): number {
  return (queue as unknown as Record<typeof which, { length: number }>)[which].length;
}

describe('Queue', () => {
  const loop = useFreshLoop();
  const advance = useFakeClock();

  describe('basics', () => {
    it('shows maxsize, items, getters, putters and unfinished tasks in toString()', () => {
      const q = new Queue<number | null>(1);
      q.get();
      expect(String(q)).to.equal('<Queue maxsize=1 getters[1]>');
      q.put(null); // goes to the getter: one unfinished task
      q.put(1);
      q.put(2); // full: this putter waits
      expect(String(q)).to.equal('<Queue maxsize=1 queue=[ 1 ] putters[1] tasks=2>');
    });

    it('counts only getters and putters still waiting in toString()', async () => {
      const q = new Queue<number>();
      const timedOut = q.get({ seconds: 0.01 });
      q.get();
      await advance(0.01);
      expect([String(q), held(q, 'getters')]).to.deep.equal(['<Queue maxsize=0 getters[1]>', 2]);
      await expectRejection(timedOut, TimeoutError);
    });

    it('gives items back in the order they were put', () => {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) q.putNowait(i);
      expect([q.getNowait(), q.getNowait(), q.getNowait()]).to.deep.equal([1, 3, 2]);
    });

    it('rejects a maxsize that is not a number with a TypeError, and a negative one with a RangeError', () => {
      expect(() => new Queue(null as never)).to.throw(
        TypeError,
        'Queue: maxsize must be a number (0 for unbounded), got null',
      );
      expect(() => new Queue('3' as never)).to.throw(TypeError, "got '3'");
      expect(() => new Queue(-1)).to.throw(RangeError, 'Queue: maxsize must be >= 0, got -1');
    });

    it('blocks put() while full and lets it in when a get() makes room', async () => {
      const q = new Queue<number>(2);
      expect([q.empty(), q.full(), q.maxsize]).to.deep.equal([true, false, 2]);
      expect(q.put(0).done()).to.equal(true);
      expect(q.put(1).done()).to.equal(true);
      expect([q.empty(), q.full()]).to.deep.equal([false, true]);
      const put2 = q.put(2);
      expect(put2.done()).to.equal(false);
      expect(await q.get()).to.equal(0);
      expect(put2.done()).to.equal(true);
      expect([q.empty(), q.full(), q.qsize()]).to.deep.equal([false, true, 2]);
    });

    it('is unbounded with maxsize 0', () => {
      const q = new Queue<number>();
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      expect([q.qsize(), q.full()]).to.deep.equal([1000, false]);
    });

    it('honours a float maxsize as Python does: 1.3 admits two items', async () => {
      const q = new Queue<number>(1.3);
      expect([q.empty(), q.full()]).to.deep.equal([true, false]);
      q.putNowait(0);
      q.putNowait(1);
      expect([q.empty(), q.full()]).to.deep.equal([false, true]);
      expect(() => q.putNowait(2)).to.throw(QueueFull);
      expect(q.getNowait()).to.equal(0);
      expect([q.empty(), q.full()]).to.deep.equal([false, false]);
      await q.put(2);
      const put = q.put(3);
      expect(put.done()).to.equal(false);
      expect(await q.get()).to.equal(1);
      await put;
      expect(q.full()).to.equal(true);
    });
  });

  describe('get', () => {
    it('resolves at once with a queued item', async () => {
      const q = new Queue<number>();
      q.putNowait(0);
      const get = q.get();
      expect(get.done()).to.equal(true);
      expect(await get).to.equal(0);
    });

    it('takes an item without waiting through getNowait()', () => {
      const q = new Queue<number>();
      q.putNowait(0);
      expect(q.getNowait()).to.equal(0);
    });

    it('raises QueueEmpty from getNowait() on an empty queue', () => {
      expect(() => new Queue().getNowait()).to.throw(QueueEmpty, 'Queue is empty: nothing to get');
    });

    it('admits a waiting putter when it takes an item', async () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      const put = q.put(1);
      expect(await q.get()).to.equal(0);
      expect(put.done()).to.equal(true);
      expect(await put).to.equal(undefined);
      expect(q.getNowait()).to.equal(1);
    });

    it('waits for items put later', async () => {
      const q = new Queue<number>();
      q.put(0);
      loop().callLater(0.01, () => q.putNowait(1));
      loop().callLater(0.02, () => q.putNowait(2));
      expect(await q.get({ seconds: 1 })).to.equal(0);
      const second = q.get({ seconds: 1 });
      await advance(0.01);
      expect(await second).to.equal(1);
    });

    it('rejects with gen.TimeoutError at its timeout and leaves later getters waiting', async () => {
      const q = new Queue<number>();
      const timed = q.get({ seconds: 0.01 });
      const patient = q.get();
      await advance(0.01);
      const error = await expectRejection(timed, TimeoutError);
      expect(error.message).to.equal(
        'Queue.get() timed out after { seconds: 0.01 }: the deadline 0.01 on IOLoop.time() passed',
      );
      q.putNowait(0);
      expect(await patient).to.equal(0);
    });

    it('times out on the next iteration with a zero timeout, absolute or relative', async () => {
      const q = new Queue<number>();
      const gets = [q.get({ seconds: 0 }), q.get(0)];
      await advance(0);
      await expectRejection(gets[0], TimeoutError);
      await expectRejection(gets[1], TimeoutError);
    });

    it('expires a zero timeout on exactly the next iteration, not synchronously', async () => {
      const q = new Queue<number>();
      const get = q.get({ seconds: 0 });
      expect(get.done()).to.equal(false);
      await iterations(1);
      expect(get.exception()).to.be.instanceOf(TimeoutError);
    });

    it('returns an item put before its timeout', async () => {
      const q = new Queue<number>();
      const get = q.get({ seconds: 0.01 });
      q.put(0);
      await advance(0.02);
      expect(await get).to.equal(0);
    });

    it('never takes an item after it timed out', async () => {
      const q = new Queue<string>();
      const timed = q.get({ seconds: 0.01 });
      await advance(0.01);
      q.putNowait('kept');
      await expectRejection(timed, TimeoutError);
      expect([q.qsize(), q.getNowait()]).to.deep.equal([1, 'kept']);
    });

    it('clears timed-out putters from the head of the line', async () => {
      const q = new Queue<number>(1);
      const putters = Array.from({ length: 10 }, (_, i) => q.put(i, { seconds: 0.01 })); // the first fits
      const put = q.put(10);
      expect(held(q, 'putters')).to.equal(10);
      await advance(0.02);
      expect(held(q, 'putters')).to.equal(10);
      expect(put.done()).to.equal(false);
      q.put(11);
      expect(await q.get()).to.equal(0);
      expect(held(q, 'putters')).to.equal(1);
      for (const putter of putters.slice(1)) expect(() => putter.result()).to.throw(TimeoutError);
    });

    it('clears timed-out getters from the head of the line', async () => {
      const q = new Queue<number>();
      const getters = Array.from({ length: 10 }, () => q.get({ seconds: 0.01 }));
      const get = q.get();
      expect(held(q, 'getters')).to.equal(11);
      await advance(0.02);
      expect(held(q, 'getters')).to.equal(11);
      expect(get.done()).to.equal(false);
      q.get();
      expect(held(q, 'getters')).to.equal(2);
      for (const getter of getters) expect(() => getter.result()).to.throw(TimeoutError);
    });

    it('hands out items to `for await` loops', async () => {
      const q = new Queue<number>();
      for (let i = 0; i < 5; i++) q.put(i);
      const results: number[] = [];
      for await (const item of q) {
        results.push(item);
        if (item === 4) break;
      }
      expect(results).to.deep.equal([0, 1, 2, 3, 4]);
    });

    it('leaves the item in the queue when the coroutine waiting in get() is cancelled first', async () => {
      const q = new Queue<string>();
      const got: string[] = [];
      const consumer = coroutine(function* () {
        got.push(yield* q.get());
      });
      const cancelled = consumer();
      cancelled.cancel();
      q.putNowait('item');
      await expectRejection(cancelled, CancelledError);
      expect([got, q.qsize()]).to.deep.equal([[], 1]);
    });
  });

  describe('put', () => {
    it('adds the item at once when there is room', () => {
      const q = new Queue<number>();
      expect(q.put(0).done()).to.equal(true);
      expect(q.getNowait()).to.equal(0);
    });

    it('raises QueueFull from putNowait() on a full queue, naming the item', () => {
      const q = new Queue<number>(1);
      q.put(0);
      expect(() => q.putNowait(1)).to.throw(QueueFull, 'Queue is full (maxsize 1): cannot put 1');
    });

    it('hands the item to the oldest waiting getter', async () => {
      const q = new Queue<number>();
      const get0 = q.get();
      const get1 = q.get();
      await q.put(0);
      expect(await get0).to.equal(0);
      await q.put(1);
      expect(await get1).to.equal(1);
    });

    it('resolves a waiting getter synchronously; the getter resumes on a later iteration', async () => {
      const q = new Queue<string>();
      const order: string[] = [];
      const consumer = coroutine(function* () {
        order.push(`got ${yield* q.get()}`);
      });
      const get = consumer();
      q.putNowait('a');
      order.push('put returned');
      expect([q.qsize(), get.done()]).to.deep.equal([0, false]);
      await iterations(1);
      expect(order).to.deep.equal(['put returned', 'got a']);
    });

    it('unblocks getters through putNowait() too, resuming them one iteration later', async () => {
      const q = new Queue<number>();
      const get0 = q.get();
      const get1 = q.get();
      q.putNowait(0);
      await moment;
      expect(await get0).to.equal(0);
      q.putNowait(1);
      await moment;
      expect(await get1).to.equal(1);
    });

    it('waits for room made by later gets', async () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      loop().callLater(0.01, () => q.get());
      loop().callLater(0.02, () => q.get());
      const puts = [q.put(0), q.put(1)];
      expect(puts.some((p) => p.done())).to.equal(false);
      await advance(0.02);
      await multi(puts);
    });

    it('never adds the item of a put that timed out', async () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      const timed = q.put(1, { seconds: 0.01 });
      const patient = q.put(2);
      await advance(0.01);
      const error = await expectRejection(timed, TimeoutError);
      expect(error.message).to.equal(
        'Queue.put() timed out after { seconds: 0.01 }: the deadline 0.01 on IOLoop.time() passed',
      );
      expect(q.getNowait()).to.equal(0);
      expect(await q.get()).to.equal(2);
      await patient;
    });

    it('succeeds when room is made before its timeout', async () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      const put = q.put(1, { seconds: 0.01 });
      q.get();
      await advance(0.02);
      await put;
      expect(q.getNowait()).to.equal(1);
    });

    it('clears timed-out putters from the head of the line', async () => {
      const q = new Queue<number>(1);
      const putters = Array.from({ length: 10 }, (_, i) => q.put(i, { seconds: 0.01 }));
      const put = q.put(10);
      expect(held(q, 'putters')).to.equal(10);
      await advance(0.02);
      expect(held(q, 'putters')).to.equal(10);
      expect(put.done()).to.equal(false);
      q.put(11);
      expect(held(q, 'putters')).to.equal(2);
      for (const putter of putters.slice(1)) expect(() => putter.result()).to.throw(TimeoutError);
    });

    it('clears timed-out getters from the head of the line', async () => {
      const q = new Queue<number>();
      const getters = Array.from({ length: 10 }, () => q.get({ seconds: 0.01 }));
      const get = q.get();
      q.get();
      expect(held(q, 'getters')).to.equal(12);
      await advance(0.02);
      expect(held(q, 'getters')).to.equal(12);
      expect(get.done()).to.equal(false);
      q.put(0);
      expect(held(q, 'getters')).to.equal(1);
      expect(await get).to.equal(0);
      for (const getter of getters) expect(() => getter.result()).to.throw(TimeoutError);
    });

    it('drops the item when the coroutine waiting in put() is cancelled', async () => {
      const q = new Queue<string>(1);
      q.putNowait('first');
      const producer = coroutine(function* () {
        yield q.put('dropped');
      });
      const cancelled = producer();
      cancelled.cancel();
      expect(q.getNowait()).to.equal('first');
      expect(q.empty()).to.equal(true);
      await expectRejection(cancelled, CancelledError);
    });

    it('keeps its line bounded however many puts time out behind a live putter', async () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      const live = q.put(1);
      let longest = 0;
      for (let round = 0; round < 20; round++) {
        const timedOut = Array.from({ length: 200 }, () => q.put(2, { seconds: 0.001 }));
        await advance(0.002);
        longest = Math.max(longest, held(q, 'putters'));
        for (const put of timedOut) expect(put.exception()).to.be.instanceOf(TimeoutError);
      }
      expect(longest).to.be.at.most(101);
      expect(live.done()).to.equal(false);
      expect([q.getNowait(), q.getNowait()]).to.deep.equal([0, 1]);
    });

    it('rejects a bad timeout with a TypeError before adding anything', () => {
      const q = new Queue<number>(1);
      q.putNowait(0);
      expect(() => q.put(1, { minutes: 1 } as never)).to.throw(TypeError, /Queue\.put: timeout must be/);
      expect(String(q)).to.equal('<Queue maxsize=1 queue=[ 0 ] tasks=1>');
    });
  });
});

for (const QueueClass of [Queue, PriorityQueue, LifoQueue]) {
  describe(`${QueueClass.name} join and taskDone`, () => {
    const loop = useFreshLoop();
    const advance = useFakeClock();

    it('raises RangeError("taskDone() called too many times") with no unfinished task', () => {
      expect(() => new QueueClass().taskDone()).to.throw(RangeError, 'taskDone() called too many times');
    });

    it('resolves join() once two workers have marked every item done', async () => {
      const q = new QueueClass<number>();
      for (let i = 0; i < 100; i++) q.putNowait(i);
      let accumulator = 0;
      const worker = coroutine(function* (pauseEvery: number) {
        for (let n = 0; ; n++) {
          accumulator += yield* q.get();
          q.taskDone();
          if (n % pauseEvery === 0) yield moment;
        }
      });
      worker(2);
      worker(3);
      await q.join();
      expect(accumulator).to.equal(4950);
      loop().close(); // the workers wait forever on an empty queue
    });

    it('is unblocked by taskDone(), not by get()', async () => {
      const q = new QueueClass<number>();
      q.putNowait(0);
      const join = q.join();
      expect(join.done()).to.equal(false);
      await q.get();
      expect(join.done()).to.equal(false);
      await moment;
      expect(join.done()).to.equal(false);
      q.taskDone();
      expect(join.done()).to.equal(true);
    });

    it('resolves join() at once on a queue with no unfinished tasks', async () => {
      const q = new QueueClass();
      await q.join();
      await q.join();
    });

    it('rejects join() with gen.TimeoutError at its timeout', async () => {
      const q = new QueueClass<number>();
      q.put(0);
      const join = q.join({ seconds: 0.01 });
      await advance(0.01);
      const error = await expectRejection(join, TimeoutError);
      expect(error.message).to.equal(
        `${QueueClass.name}.join() timed out after { seconds: 0.01 }: the deadline 0.01 on IOLoop.time() passed`,
      );
    });
  });
}

describe('PriorityQueue', () => {
  useFreshLoop();

  it('hands out the lowest [priority, data] tuple first, admitting waiting putters in order', async () => {
    const q = new PriorityQueue<[number, string]>(2);
    q.putNowait([1, 'a']);
    q.putNowait([0, 'b']);
    expect(q.full()).to.equal(true);
    q.put([3, 'c']);
    q.put([2, 'd']);
    expect(q.getNowait()).to.deep.equal([0, 'b']);
    expect(await q.get()).to.deep.equal([1, 'a']);
    expect(q.getNowait()).to.deep.equal([2, 'd']);
    expect(await q.get()).to.deep.equal([3, 'c']);
    expect(q.empty()).to.equal(true);
  });

  it('orders numbers, strings and tuples compared element by element', () => {
    const numbers = new PriorityQueue<number>();
    for (const n of [5, -1, 3.5, 10, 0]) numbers.putNowait(n);
    expect(Array.from({ length: 5 }, () => numbers.getNowait())).to.deep.equal([-1, 0, 3.5, 5, 10]);
    const tuples = new PriorityQueue<[number, string]>();
    for (const t of [
      [1, 'b'],
      [1, 'a'],
      [0, 'z'],
    ] as [number, string][])
      tuples.putNowait(t);
    expect(Array.from({ length: 3 }, () => tuples.getNowait())).to.deep.equal([
      [0, 'z'],
      [1, 'a'],
      [1, 'b'],
    ]);
  });

  it('hands out items that compare equal in the order they were put', () => {
    const q = new PriorityQueue<{ priority: number; name: string }>(0, { compare: (a, b) => a.priority - b.priority });
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    names.forEach((name, i) => {
      q.putNowait({ priority: i % 2, name });
    });
    const out = names.map(() => q.getNowait().name);
    expect(out).to.deep.equal(['a', 'c', 'e', 'g', 'b', 'd', 'f', 'h']);
  });

  it('sorts like Array.prototype.sort for many random numbers', () => {
    const q = new PriorityQueue<number>();
    const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1009);
    for (const v of values) q.putNowait(v);
    const out = values.map(() => q.getNowait());
    expect(out).to.deep.equal([...values].sort((a, b) => a - b));
  });

  it('raises a TypeError naming items it cannot order without a compare option', () => {
    const q = new PriorityQueue<object>();
    q.putNowait({ id: 1 });
    expect(() => q.putNowait({ id: 2 })).to.throw(TypeError, /PriorityQueue cannot order \{ id: 2 \} and \{ id: 1 \}/);
  });

  it('is left exactly as before when its compare function throws on a put', () => {
    const q = new PriorityQueue<[number, unknown]>();
    for (const n of [1, 3, 5, 7, 9, 11, 13]) q.putNowait([n, n]);
    expect(() => q.putNowait([1, { incomparable: true }])).to.throw(TypeError, /cannot order/);
    expect(String(q)).to.equal(
      '<PriorityQueue maxsize=0 queue=[ [ 1, 1 ], [ 3, 3 ], [ 5, 5 ], [ 7, 7 ], [ 9, 9 ], ... 2 more items ] tasks=7>',
    );
    expect(Array.from({ length: 7 }, () => q.getNowait()[0])).to.deep.equal([1, 3, 5, 7, 9, 11, 13]);
  });

  it('keeps every item, in order, when its compare function throws on a get', () => {
    for (let failAt = 0; failAt < 6; failAt++) {
      let comparesLeft = Infinity;
      const q = new PriorityQueue<number>(0, {
        compare: (a, b) => {
          if (comparesLeft-- <= 0) throw new TypeError('cannot compare now');
          return a - b;
        },
      });
      for (const n of [9, 3, 14, 1, 7, 12, 5, 15, 2, 11, 8, 4, 13, 6, 10]) q.putNowait(n);
      comparesLeft = failAt;
      expect(() => q.getNowait(), `failing at compare ${failAt}`).to.throw(TypeError, 'cannot compare now');
      comparesLeft = Infinity;
      expect(Array.from({ length: q.qsize() }, () => q.getNowait())).to.deep.equal(
        Array.from({ length: 15 }, (_, i) => i + 1),
      );
    }
  });

  it('fails a waiting put whose item it cannot order, instead of dropping it unsettled, and admits the next putter', async () => {
    const q = new PriorityQueue<[number, unknown]>(1);
    q.putNowait([1, 'a']);
    const bad = q.put([1, { incomparable: true }]);
    const good = q.put([2, 'c']);
    expect(q.getNowait()).to.deep.equal([1, 'a']);
    const error = await bad.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.match(/cannot order/);
    await good;
    expect(q.getNowait()).to.deep.equal([2, 'c']);
    expect(String(q)).to.equal('<PriorityQueue maxsize=1 tasks=2>');
  });

  it('rejects a compare option that is not a function', () => {
    expect(() => new PriorityQueue(0, { compare: 'asc' as never })).to.throw(
      TypeError,
      "compare must be a function, got 'asc'",
    );
  });

  it('still has a toString() when it holds items its compare cannot order', () => {
    const q = new PriorityQueue<[number, object]>();
    for (const name of ['a', 'b', 'c']) q.putNowait([name === 'a' ? 0 : 1, { name }]);
    expect(String(q)).to.equal(
      '<PriorityQueue maxsize=0 queue=[ [ 0, [Object] ], [ 1, [Object] ], [ 1, [Object] ] ] tasks=3>',
    );
  });

  it('lists its items lowest first in toString()', () => {
    const q = new PriorityQueue<number>();
    for (const n of [3, 1, 2]) q.putNowait(n);
    expect(String(q)).to.equal('<PriorityQueue maxsize=0 queue=[ 1, 2, 3 ] tasks=3>');
  });
});

describe('LifoQueue', () => {
  useFreshLoop();

  it('hands out the newest item first, admitting waiting putters', async () => {
    const q = new LifoQueue<number>(2);
    q.putNowait(1);
    q.putNowait(0);
    expect(q.full()).to.equal(true);
    q.put(3);
    q.put(2);
    expect(q.getNowait()).to.equal(3);
    expect(await q.get()).to.equal(2);
    expect(q.getNowait()).to.equal(0);
    expect(await q.get()).to.equal(1);
    expect(q.empty()).to.equal(true);
  });
});

describe('a producer and a consumer', () => {
  useFreshLoop();

  it('move every item through a bounded queue, and join() waits for the last taskDone()', async () => {
    const q = new Queue<number>(3);
    const history: number[] = [];
    // No yield between get() and taskDone(): get() must wait for a later
    // iteration, or taskDone() would let join() through before the producer resumed.
    const consumer = coroutine(function* () {
      for (;;) {
        history.push(yield* q.get());
        q.taskDone();
      }
    });
    const producer = coroutine(function* () {
      for (let item = 0; item < 10; item++) yield q.put(item);
    });
    consumer();
    await producer();
    await q.join();
    expect(history).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('Future results of queue operations', () => {
  useFreshLoop();

  it('are whirlwind Futures, so coroutines consume done ones without a loop iteration', () => {
    const q = new Queue<number>();
    const put = q.put(1);
    const get = q.get();
    expect([put instanceof Future, get instanceof Future]).to.deep.equal([true, true]);
    expect(get.result()).to.equal(1);
  });
});
