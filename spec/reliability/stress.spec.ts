/**
 * Stress and leak tests: a runtime that schedules other people's code must
 * not grow with the work it has finished, must wake a crowd of waiters
 * without losing or reordering any, must not keep the process alive for a
 * coroutine that can never finish, and must report a dropped failure once.
 *
 * Sizes: `npm test` runs 1,000,000 coroutines / timers / futures and
 * 100,000 concurrent waiters (each leak test takes 0.2–2 s on a laptop);
 * `npm run stress` multiplies them (STRESS_SIZE, STRESS_WAITERS).
 *
 * Heap checks compare `heapUsed` after `global.gc()` (mocha runs with
 * --expose-gc) against a baseline taken after one warm-up batch, so the
 * loop's queues and V8's code are already at their working size; a leak of
 * even 8 bytes per item would show as megabytes.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Future } from '../../lib/concurrent.js';
import { IOLoop } from '../../lib/ioloop.js';
import { coroutine, moment, multi } from '../../lib/gen.js';
import { Condition } from '../../lib/locks.js';
import { appLog, type LogRecord } from '../../lib/log.js';

const SIZE = Number(process.env.STRESS_SIZE ?? 1_000_000);
const WAITERS = Number(process.env.STRESS_WAITERS ?? 100_000);
const BATCH = 10_000;

const gc = (globalThis as { gc?: () => void }).gc;

function heapAfterGc(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `batch` (which handles BATCH items) once to warm up, takes the
 * baseline, runs it until `total` items are done, and returns the heap growth
 * as a fraction of the baseline.
 */
async function heapGrowth(
  batch: (first: number) => unknown,
  total = SIZE,
): Promise<{ growth: number; before: number; after: number }> {
  await batch(0);
  const before = heapAfterGc();
  for (let first = 0; first < total; first += BATCH) await batch(first);
  const after = heapAfterGc();
  return { growth: (after - before) / before, before, after };
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}

describe('stress and leaks', function () {
  // Sized work, not waiting: generous so a loaded CI machine does not flake.
  this.timeout(Math.max(120_000, (SIZE / 1_000_000) * 60_000));

  let loop: IOLoop;
  before(function () {
    if (gc === undefined) throw new Error('the leak tests need --expose-gc (see .mocharc.json)');
  });
  beforeEach(() => {
    loop = new IOLoop();
    loop.makeCurrent();
  });
  afterEach(() => loop.close());

  describe(`${SIZE.toLocaleString('en')} items created and finished`, () => {
    it('leaves the heap within 10% of its start after coroutines that each wait one iteration', async () => {
      const step = coroutine(function* (i: number) {
        yield moment;
        return i;
      });
      let finished = 0;
      const { growth, before, after } = await heapGrowth(async (first) => {
        const futures: Future<number>[] = [];
        for (let i = 0; i < BATCH; i++) futures.push(step(first + i));
        const results: number[] = await multi(futures);
        finished += results.length;
      });
      expect(finished).to.equal(SIZE + BATCH);
      expect(growth, `heap ${mb(before)} -> ${mb(after)}`).to.be.below(0.1);
    });

    it('leaves the heap within 10% of its start after coroutines that finish synchronously', async () => {
      const done = new Future<number>();
      done.setResult(1);
      const consume = coroutine(function* (f: Future<number>) {
        const value: number = yield f;
        return value + 1;
      });
      let sum = 0;
      const { growth, before, after } = await heapGrowth(() => {
        for (let i = 0; i < BATCH; i++) sum += consume(done).result();
      });
      expect(sum).to.equal(2 * (SIZE + BATCH));
      expect(growth, `heap ${mb(before)} -> ${mb(after)}`).to.be.below(0.1);
    });

    it('leaves the heap within 10% of its start, and no timer behind, after timers added and removed', async () => {
      let ran = 0;
      const { growth, before, after } = await heapGrowth(() => {
        const handles = [];
        for (let i = 0; i < BATCH; i++) handles.push(loop.callLater(3600 + i, () => ran++));
        for (const handle of handles) loop.removeTimeout(handle);
      });
      expect(ran).to.equal(0);
      expect(loop.toString()).to.match(/ timers=0/);
      expect(growth, `heap ${mb(before)} -> ${mb(after)}`).to.be.below(0.1);
    });

    it('leaves the heap within 10% of its start after timers that fire', async () => {
      // Firing costs a loop iteration per batch, so a tenth of the size.
      const fired = SIZE / 10;
      let ran = 0;
      const { growth, before, after } = await heapGrowth(async () => {
        const batchDone = new Future<void>();
        for (let i = 0; i < BATCH; i++) loop.callLater(0, () => ++ran % BATCH === 0 && batchDone.setResult());
        await batchDone;
      }, fired);
      expect(ran).to.equal(fired + BATCH);
      expect(loop.toString()).to.match(/ timers=0/);
      expect(growth, `heap ${mb(before)} -> ${mb(after)}`).to.be.below(0.1);
    });

    it('leaves the heap within 10% of its start after futures with done callbacks', async () => {
      let called = 0;
      const { growth, before, after } = await heapGrowth(async () => {
        for (let i = 0; i < BATCH; i++) {
          const future = new Future<number>();
          future.addDoneCallback(() => called++);
          future.setResult(i);
        }
        await macrotask();
      });
      expect(called).to.equal(SIZE + BATCH);
      expect(growth, `heap ${mb(before)} -> ${mb(after)}`).to.be.below(0.1);
    });

    it('leaves the heap within 10% of its start after failed futures that were observed', async () => {
      const records: LogRecord[] = [];
      const restore = appLog.replaceHandlers([(record) => records.push(record)]);
      try {
        // One error for all: what is under test is the registry entry of each future, not errors' stacks.
        const error = new Error('observed');
        const { growth, before, after } = await heapGrowth(async () => {
          for (let i = 0; i < BATCH; i++) {
            const future = new Future<number>();
            future.setException(error);
            future.exception();
          }
          await macrotask();
        });
        expect(growth, `heap ${mb(before)} -> ${mb(after)}`).to.be.below(0.1);
        expect(records).to.deep.equal([]);
      } finally {
        restore();
      }
    });
  });

  describe(`${WAITERS.toLocaleString('en')} suspended coroutines woken in one go`, () => {
    it('resumes every coroutine waiting on one Future, in the order they started waiting', async () => {
      const shared = new Future<string>();
      const order: number[] = [];
      const waiter = coroutine(function* (i: number) {
        const value: string = yield shared;
        order.push(i);
        return value;
      });
      const futures: Future<string>[] = [];
      for (let i = 0; i < WAITERS; i++) futures.push(waiter(i));
      expect(futures.every((f) => !f.done())).to.equal(true);
      shared.setResult('go');
      const results: string[] = await multi(futures);
      expect(results.length).to.equal(WAITERS);
      expect(results.every((r) => r === 'go')).to.equal(true);
      expect(order.every((value, index) => value === index)).to.equal(true);
    });

    it('resumes every coroutine waiting on a Condition after notifyAll, first come first served', async () => {
      const condition = new Condition();
      const order: number[] = [];
      const waiter = coroutine(function* (i: number) {
        yield condition.wait();
        order.push(i);
      });
      const futures: Future<void>[] = [];
      for (let i = 0; i < WAITERS; i++) futures.push(waiter(i));
      condition.notifyAll();
      await multi(futures);
      expect(order.length).to.equal(WAITERS);
      expect(order.every((value, index) => value === index)).to.equal(true);
    });

    it('delivers CancelledError to every coroutine when each of their futures is cancelled at once', async () => {
      // A tenth of the crowd: each cancellation makes CancelledErrors, whose stacks dominate the cost.
      const count = WAITERS / 10;
      let cleanedUp = 0;
      const waiter = coroutine(function* () {
        try {
          yield new Future<void>();
        } finally {
          cleanedUp++;
        }
      });
      const futures: Future<void>[] = [];
      for (let i = 0; i < count; i++) futures.push(waiter());
      for (const future of futures) future.cancel();
      while (cleanedUp < count) await macrotask();
      expect(futures.every((f) => f.cancelled())).to.equal(true);
      expect(cleanedUp).to.equal(count);
    });
  });

  describe('a coroutine that never finishes', () => {
    const entry = fileURLToPath(new URL('../../lib/index.js', import.meta.url));

    function runChild(source: string): ReturnType<typeof spawnSync> {
      return spawnSync(process.execPath, ['--input-type=module', '-e', source], { timeout: 20_000, encoding: 'utf8' });
    }

    it('does not keep the process alive once nothing else is scheduled', () => {
      const child = runChild(`
        import { gen, Future } from ${JSON.stringify(entry)};
        const stuck = gen.coroutine(function* () { yield new Future(); });
        const f = stuck();
        process.on('exit', () => console.log('exit', f.done()));
      `);
      expect(child.error, 'the child process hung').to.equal(undefined);
      expect(child.status).to.equal(0);
      expect(child.stdout).to.equal('exit false\n');
    });

    it('does not keep the process alive after its sleep was cancelled and nothing else waits', () => {
      const child = runChild(`
        import { gen, Future } from ${JSON.stringify(entry)};
        const stuck = gen.coroutine(function* () {
          try { yield gen.sleep(3600); } finally { console.log('cleaned up'); }
          yield new Future();
        });
        const f = stuck();
        setTimeout(() => f.cancel(), 10);
        process.on('exit', () => console.log('exit', f.done()));
      `);
      expect(child.error, 'the child process hung').to.equal(undefined);
      expect(child.status).to.equal(0);
      expect(child.stdout).to.equal('cleaned up\nexit true\n');
    });
  });

  describe('a failed Future nobody observed', () => {
    /**
     * Runs `make`, then collects garbage until `expected` reports came (and
     * a few rounds more, to catch a second report), or 50 rounds passed.
     */
    async function collectNeverRetrieved(make: () => void, expected: number): Promise<LogRecord[]> {
      const records: LogRecord[] = [];
      const restore = appLog.replaceHandlers([(record) => records.push(record)]);
      try {
        make();
        // FinalizationRegistry callbacks run on later tasks after a collection.
        let extraRounds = 3;
        for (let round = 0; round < 50 && extraRounds > 0; round++) {
          heapAfterGc();
          await macrotask();
          if (records.length >= expected) extraRounds--;
        }
      } finally {
        restore();
      }
      return records.filter((r) => r.message === 'Future exception was never retrieved');
    }

    it('is reported exactly once per dropped future, with its own exception', async () => {
      const dropped = 1000;
      const records = await collectNeverRetrieved(() => {
        for (let i = 0; i < dropped; i++) new Future().setException(new Error(`dropped ${i}`));
      }, dropped);
      const messages = records.map((r) => (r.error as Error).message).sort();
      const expected = [...Array(dropped).keys()].map((i) => `dropped ${i}`).sort();
      expect(messages).to.deep.equal(expected);
    });

    it('is reported for a failed coroutine nobody waited for, once', async () => {
      const failing = coroutine(function* (i: number) {
        yield moment;
        throw new Error(`coroutine ${i}`);
      });
      const started: Future<void>[] = [];
      for (let i = 0; i < 100; i++) started.push(failing(i));
      while (!started.every((f) => f.done())) await macrotask();
      started.length = 0;
      const records = await collectNeverRetrieved(() => {}, 100);
      expect(records.map((r) => (r.error as Error).message).sort()).to.deep.equal(
        [...Array(100).keys()].map((i) => `coroutine ${i}`).sort(),
      );
    });

    it('is never reported once observed, by any of the ways of observing', async () => {
      const consumer = coroutine(function* (f: Future<unknown>) {
        try {
          yield f;
        } catch {
          // observed
        }
      });
      const records = await collectNeverRetrieved(() => {
        for (let i = 0; i < 200; i++) {
          const viaResult = new Future();
          viaResult.setException(new Error('result'));
          expect(() => viaResult.result()).to.throw('result');
          const viaException = new Future();
          viaException.setException(new Error('exception'));
          viaException.exception();
          const viaCallback = new Future();
          viaCallback.addDoneCallback(() => {});
          viaCallback.setException(new Error('callback'));
          const viaAwait = new Future();
          viaAwait.setException(new Error('await'));
          viaAwait.then(undefined, () => {});
          const viaCoroutine = new Future();
          viaCoroutine.setException(new Error('coroutine'));
          consumer(viaCoroutine);
          const viaMulti = new Future();
          viaMulti.setException(new Error('multi'));
          multi([viaMulti]).exception();
        }
      }, 0);
      expect(records).to.deep.equal([]);
    });
  });
});
