/**
 * `multi` / `multiFuture`, and yielding arrays and plain objects (which is
 * `multi`): results in input order, every child waited for, the first
 * failure in input order raised and the others logged unless quiet.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { CancelledError, Future } from '../lib/concurrent.js';
import { BadYieldError, coroutine, moment, multi, multiFuture, Return } from '../lib/gen.js';
import { appLog } from '../lib/log.js';
import { ExpectLog, genTest } from '../lib/testing.js';
import { captureLog, failureOf, iterations, resolved, resolvedLater, useFreshLoop } from './support/index.js';

/** Resolves with `value` after `n` moments (Tornado's `delay` helper). */
const delay = coroutine(function* <T>(n: number, value: T) {
  for (let i = 0; i < n; i++) yield moment;
  throw new Return(value);
});

/** Fails with `error` after one moment (Tornado's `async_exception`). */
const failSoon = coroutine(function* (error: Error, moments: number = 1) {
  for (let i = 0; i < moments; i++) yield moment;
  throw error;
});

/** A browser's window, as far as unhandled rejections go (the specs compile without the DOM types). */
interface RejectionEvents {
  addEventListener(type: 'unhandledrejection', listener: (event: { reason: unknown }) => void): void;
  removeEventListener(type: 'unhandledrejection', listener: (event: { reason: unknown }) => void): void;
}

/** The unhandled rejections reported while `fn` ran (Node's process event, or the browser's window event). */
async function unhandledRejectionsDuring(fn: () => unknown): Promise<unknown[]> {
  const escaped: unknown[] = [];
  const node = (globalThis as { process?: NodeJS.Process }).process;
  const browser = globalThis as unknown as RejectionEvents;
  const onNode = (reason: unknown) => escaped.push(reason);
  const onBrowser = (event: { reason: unknown }) => escaped.push(event.reason);
  if (node !== undefined) node.on('unhandledRejection', onNode);
  else browser.addEventListener('unhandledrejection', onBrowser);
  try {
    await fn();
    // Rejections are reported after the microtask queue drains: give it a macrotask.
    await new Promise((resolve) => setTimeout(resolve, 0));
  } finally {
    if (node !== undefined) node.off('unhandledRejection', onNode);
    else browser.removeEventListener('unhandledrejection', onBrowser);
  }
  return escaped;
}

describe('multi', () => {
  const currentLoop = useFreshLoop();

  describe('results', () => {
    it('resolves an array with the results in input order, not completion order', async () => {
      expect(await multi([delay(3, 'v1'), delay(1, 'v2')])).to.deep.equal(['v1', 'v2']);
    });

    it('resolves a plain object with the results under the same keys', async () => {
      expect(await multi({ foo: delay(3, 'v1'), bar: delay(1, 'v2') })).to.deep.equal({ foo: 'v1', bar: 'v2' });
    });

    it('keeps the key order of the input object', async () => {
      const result = await multi({ z: delay(1, 1), a: delay(2, 2), m: resolved(3) });
      expect(Object.keys(result)).to.deep.equal(['z', 'a', 'm']);
    });

    it('is the same function under the name multiFuture', async () => {
      expect(await multiFuture([delay(2, 'a'), resolved('b')])).to.deep.equal(['a', 'b']);
    });

    it('accepts Futures, Promises, coroutines and moment side by side', async () => {
      const result = await multi([resolved(1), Promise.resolve(2), delay(2, 3), moment]);
      expect(result).to.deep.equal([1, 2, 3, undefined]);
    });

    it('resolves a list of moments with undefined for each', async () => {
      expect(await multi([moment, moment])).to.deep.equal([undefined, undefined]);
    });

    it('treats the holes of a sparse array as undefined (moments) instead of crashing', async () => {
      expect(await multi(new Array(2))).to.deep.equal([undefined, undefined]);
    });

    it('accepts the same Future twice and reports its result in both places', async () => {
      const shared = delay(2, 2);
      expect(await multi([delay(1, 1), shared, delay(3, 3), shared])).to.deep.equal([1, 2, 3, 2]);
    });

    it('converts nested arrays and objects', async () => {
      const result = await multi([[resolved(1), delay(1, 2)], { three: delay(2, 3) }]);
      expect(result).to.deep.equal([[1, 2], { three: 3 }]);
    });

    it('waits for 2,000 moments in two loop iterations (one for the moments, one for their callbacks)', async () => {
      const loop = currentLoop();
      const future = multi(Array.from({ length: 2000 }, () => moment));
      const doneAfter: boolean[] = [];
      await new Promise<void>((resolve) => {
        loop.addCallback(() => {
          doneAfter.push(future.done());
          loop.addCallback(() => {
            doneAfter.push(future.done());
            resolve();
          });
        });
      });
      expect(doneAfter).to.deep.equal([false, true]);
      expect(future.result()).to.have.length(2000);
    });
  });

  describe('done children', () => {
    it('resolves an empty array at once, with an array', () => {
      const future = multi([]);
      expect(future.done()).to.equal(true);
      expect(future.result()).to.deep.equal([]);
    });

    it('resolves an empty object at once, with an object', () => {
      const future = multi({});
      expect(future.done()).to.equal(true);
      expect(future.result()).to.deep.equal({});
    });

    it('resolves at once when every child is already done', () => {
      const future = multi([resolved(1), resolved(2)]);
      expect(future.result()).to.deep.equal([1, 2]);
    });

    it('fails at once when every child is done and one failed', () => {
      const failed = new Future<number>();
      failed.setException(new RangeError('done and failed'));
      const future = multi([resolved(1), failed]);
      expect(future.exception()).to.be.instanceOf(RangeError);
    });
  });

  describe('yielded from a coroutine', () => {
    it(
      'treats a yielded array as multi',
      genTest(function* () {
        const results: number[] = yield [delay(2, 2), delay(1, 3)];
        expect(results).to.deep.equal([2, 3]);
      }),
    );

    it(
      'treats a yielded plain object as multi',
      genTest(function* () {
        const results: Record<string, number> = yield { foo: delay(1, 2), bar: delay(2, 3) };
        expect(results).to.deep.equal({ foo: 2, bar: 3 });
      }),
    );

    it(
      'returns an array for `yield []` and an object for `yield {}`',
      genTest(function* () {
        const list: unknown = yield [];
        const dict: unknown = yield {};
        expect(list).to.deep.equal([]);
        expect(dict).to.deep.equal({});
      }),
    );
  });

  describe('failures', () => {
    it('raises the first failure in input order, even when a later child failed first', async () => {
      await new ExpectLog(appLog, /Multiple exceptions in yield list/).use(async () => {
        const error = await failureOf(
          multi([failSoon(new RangeError('error 1'), 3), failSoon(new RangeError('error 2'), 1)]),
        );
        expect(error).to.be.instanceOf(RangeError).with.property('message', 'error 1');
      });
    });

    it('logs the other failures as "Multiple exceptions in yield list", with the error', async () => {
      const records = await captureLog(() =>
        failureOf(multi([failSoon(new RangeError('error 1')), failSoon(new RangeError('error 2'))])),
      );
      expect(records.map((r) => r.message)).to.deep.equal(['Multiple exceptions in yield list']);
      expect(records[0].error).to.be.instanceOf(RangeError).with.property('message', 'error 2');
    });

    it('logs nothing when only one child failed', async () => {
      const records = await captureLog(async () => {
        const error = await failureOf(multi([failSoon(new RangeError('error 1')), delay(1, 2)]));
        expect(error).to.be.instanceOf(RangeError);
      });
      expect(records).to.deep.equal([]);
    });

    it('does not log the other failures when they are instances of quietExceptions', async () => {
      const records = await captureLog(async () => {
        const error = await failureOf(
          multi([failSoon(new RangeError('error 1')), failSoon(new RangeError('error 2'))], {
            quietExceptions: RangeError,
          }),
        );
        expect(error).to.have.property('message', 'error 1');
      });
      expect(records).to.deep.equal([]);
    });

    it('accepts a list of quiet classes and still logs a failure of another class', async () => {
      const records = await captureLog(() =>
        failureOf(
          multi(
            [failSoon(new RangeError('first')), failSoon(new TypeError('quiet')), failSoon(new SyntaxError('loud'))],
            { quietExceptions: [TypeError, URIError] },
          ),
        ),
      );
      expect(records.map((r) => (r.error as Error).message)).to.deep.equal(['loud']);
    });

    it('waits for every child before failing', async () => {
      const slow = new Future<number>();
      const future = multi([failSoon(new RangeError('fast failure')), slow]);
      await iterations(5);
      expect(future.done()).to.equal(false);
      slow.setResult(1);
      expect(await failureOf(future)).to.be.instanceOf(RangeError);
    });

    it('does not cancel the other children when one fails', async () => {
      const slow = resolvedLater('still wanted', 4);
      await failureOf(multi([failSoon(new RangeError('fast failure')), slow]));
      expect(slow.cancelled()).to.equal(false);
      expect(slow.result()).to.equal('still wanted');
    });

    it('fails with CancelledError when a child was cancelled', async () => {
      const child = new Future<number>();
      const future = multi([resolved(1), child]);
      child.cancel();
      expect(await failureOf(future)).to.be.instanceOf(CancelledError);
    });

    it(
      'throws the failure into a coroutine that yields the list',
      genTest(function* () {
        let caught: unknown = null;
        try {
          yield [failSoon(new RangeError('in a list')), delay(1, 1)];
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(RangeError).with.property('message', 'in a list');
      }),
    );

    it('logs every failure when the multi Future itself was cancelled before the children finished', async () => {
      const records = await captureLog(async () => {
        const future = multi([failSoon(new RangeError('a'), 2), failSoon(new RangeError('b'), 2)]);
        future.cancel();
        await iterations(5);
      });
      expect(records.map((r) => [r.message, (r.error as Error).message])).to.deep.equal([
        ['Multiple exceptions in yield list', 'a'],
        ['Multiple exceptions in yield list', 'b'],
      ]);
    });
  });

  describe('a yielded list or dict of native promises (followed as one promise, no Future per child)', () => {
    /** A promise and its resolvers, to settle it from the test. */
    function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
      let resolve!: (value: T) => void;
      let reject!: (error: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    }

    it('resumes with the results in input order, not settling order', async () => {
      const [a, b] = [deferred<string>(), deferred<string>()];
      const waiter = coroutine(function* () {
        return yield [a.promise, b.promise];
      })();
      b.resolve('second');
      a.resolve('first');
      expect(await waiter).to.deep.equal(['first', 'second']);
    });

    it('resumes with a dict of the results under the same keys, in the same key order', async () => {
      const waiter = coroutine(function* () {
        return yield { z: Promise.resolve(1), a: Promise.resolve(2) };
      })();
      const result = await waiter;
      expect(result).to.deep.equal({ z: 1, a: 2 });
      expect(Object.keys(result)).to.deep.equal(['z', 'a']);
    });

    it('throws in the first failure in input order, even when a later promise rejected first', async () => {
      const [a, b] = [deferred<never>(), deferred<never>()];
      const waiter = coroutine(function* () {
        yield [a.promise, b.promise];
      })();
      const records = await captureLog(async () => {
        b.reject(new RangeError('later in the list, rejected first'));
        await iterations(2);
        a.reject(new RangeError('first in the list'));
        expect(await failureOf(waiter)).to.have.property('message', 'first in the list');
      });
      expect(records.map((r) => [r.message, (r.error as Error).message])).to.deep.equal([
        ['Multiple exceptions in yield list', 'later in the list, rejected first'],
      ]);
    });

    it('waits for every promise before throwing a failure in', async () => {
      const slow = deferred<number>();
      let resumed = false;
      const waiter = coroutine(function* () {
        try {
          yield [Promise.reject(new RangeError('fast failure')), slow.promise];
        } finally {
          resumed = true;
        }
      })();
      await iterations(5);
      expect(resumed).to.equal(false);
      slow.resolve(1);
      expect(await failureOf(waiter)).to.be.instanceOf(RangeError);
    });

    it('lets no rejection escape as unhandled', async () => {
      const escaped = await unhandledRejectionsDuring(() =>
        captureLog(() =>
          failureOf(
            coroutine(function* () {
              yield [Promise.reject(new RangeError('a')), Promise.reject(new RangeError('b'))];
            })(),
          ),
        ),
      );
      expect(escaped).to.deep.equal([]);
    });

    it('logs every failure when the coroutine was cancelled while it waited', async () => {
      const [a, b] = [deferred<never>(), deferred<never>()];
      const waiter = coroutine(function* () {
        yield [a.promise, b.promise];
      })();
      const records = await captureLog(async () => {
        waiter.cancel();
        expect(await failureOf(waiter)).to.be.instanceOf(CancelledError);
        a.reject(new RangeError('a'));
        b.reject(new RangeError('b'));
        await iterations(3);
      });
      expect(records.map((r) => [r.message, (r.error as Error).message])).to.deep.equal([
        ['Multiple exceptions in yield list', 'a'],
        ['Multiple exceptions in yield list', 'b'],
      ]);
    });

    it("reads a promise child's own then getter once, as await does, and follows what it returns", async () => {
      const child = Promise.resolve('not this');
      let reads = 0;
      Object.defineProperty(child, 'then', {
        get() {
          reads++;
          return (onFulfilled: (value: string) => void) => onFulfilled('from its own then');
        },
      });
      const waiter = coroutine(function* () {
        return yield [Promise.resolve(1), child];
      })();
      expect(await waiter).to.deep.equal([1, 'from its own then']);
      expect(reads).to.equal(1);
    });

    it('resumes without a loop iteration, as an await of Promise.all does', async () => {
      const loop = currentLoop();
      const waiter = coroutine(function* () {
        const before = loop.iteration;
        yield [Promise.resolve().then(() => 1), Promise.resolve(2)];
        return loop.iteration - before;
      })();
      expect(await waiter).to.equal(0);
    });

    /** The microtasks of a ticker, and where `waiter` resumed among them (it pushes 'resumed'). */
    async function resumedAmongTicks(waiter: (list: Promise<number>[], trace: string[]) => unknown): Promise<string[]> {
      const trace: string[] = [];
      waiter([Promise.resolve(1), Promise.resolve(2)], trace);
      let tick: Promise<unknown> = Promise.resolve();
      for (let i = 0; i < 6; i++) tick = tick.then(() => trace.push(`tick ${i}`));
      await tick;
      return trace;
    }

    it('resumes one microtask after an await of Promise.all (where await of Promise.all(list).then() resumes)', async () => {
      const viaYield = await resumedAmongTicks(
        coroutine(function* (list: Promise<number>[], trace: string[]) {
          yield list;
          trace.push('resumed');
        }),
      );
      const viaAwaitThen = await resumedAmongTicks(async (list, trace) => {
        await Promise.all(list).then();
        trace.push('resumed');
      });
      const viaAwait = await resumedAmongTicks(async (list, trace) => {
        await Promise.all(list);
        trace.push('resumed');
      });
      expect(viaYield).to.deep.equal(viaAwaitThen);
      expect(viaYield.indexOf('resumed')).to.equal(viaAwait.indexOf('resumed') + 1);
    });

    it('keeps multi() of promises a Future: done an iteration after the last child settles, its callbacks one later', async () => {
      const loop = currentLoop();
      const child = deferred<number>();
      const future = multi([child.promise]);
      const iterationAtSettle: number[] = [];
      child.promise.then(() => iterationAtSettle.push(loop.iteration));
      future.addDoneCallback(() => iterationAtSettle.push(loop.iteration));
      child.resolve(1);
      await future;
      expect(iterationAtSettle[1] - iterationAtSettle[0]).to.equal(2);
    });
  });

  describe('bad input', () => {
    it('fails with BadYieldError naming a child that is not yieldable', () => {
      expect(() => multi([resolved(1), 42])).to.throw(BadYieldError, 'yielded unknown object 42');
    });

    it('rejects something that is neither an array nor an object with a TypeError naming it', () => {
      expect(() => multi('ab' as never)).to.throw(TypeError, "got 'ab'");
    });

    it('rejects a Map (not a plain object) with a TypeError instead of resolving to {}', () => {
      expect(() => multi(new Map([['a', resolved(1)]]) as never)).to.throw(TypeError, /Map/);
    });

    it('rejects quietExceptions that are not classes with a TypeError naming them', () => {
      expect(() => multi([], { quietExceptions: 'RangeError' as never })).to.throw(TypeError, "'RangeError'");
    });
  });

  describe('properties', () => {
    /** A child: settles after `delay` moments, with its index or a failure naming it. */
    const childArbitrary = fc.record({ delay: fc.integer({ min: 0, max: 4 }), fails: fc.boolean() });

    it('resolves in input order, or fails with the first failure in input order and logs the rest', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(childArbitrary, { maxLength: 8 }), async (children) => {
          const futures = children.map(({ delay: moments, fails }, i) =>
            fails ? failSoon(new RangeError(`child ${i}`), moments) : delay(moments, i),
          );
          let outcome: unknown;
          const records = await captureLog(async () => {
            outcome = await Promise.resolve(multi(futures) as PromiseLike<unknown[]>).then(
              (values) => ({ values }),
              (error: Error) => ({ error: error.message }),
            );
          });
          const failing = children.flatMap((c, i) => (c.fails ? [i] : []));
          if (failing.length === 0) {
            expect(outcome).to.deep.equal({ values: children.map((_, i) => i) });
          } else {
            expect(outcome).to.deep.equal({ error: `child ${failing[0]}` });
          }
          expect(records.map((r) => (r.error as Error).message)).to.have.members(
            failing.slice(1).map((i) => `child ${i}`),
          );
        }),
        { numRuns: 100 },
      );
    });
  });
});
