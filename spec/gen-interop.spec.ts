/**
 * Mixing coroutines with native async code: Futures are awaitable, Promises
 * (and other thenables) are yieldable, `moment` is awaitable, and the
 * AsyncLocalStorage context crosses the boundary both ways.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { expect } from 'chai';
import Bluebird from 'bluebird';
import co from 'co';
import { CancelledError, Future } from '../lib/concurrent.js';
import { coroutine, moment, multi, Return, sleep, withTimeout } from '../lib/gen.js';
import { genTest } from '../lib/testing.js';
import { iterations, resolvedLater, useFreshLoop } from './support/index.js';

const addOneLater = coroutine(function* (x: number) {
  yield moment;
  throw new Return(x + 1);
});

describe('coroutines and native async code', () => {
  const currentLoop = useFreshLoop();

  describe('awaiting a coroutine', () => {
    it("lets an async function await a coroutine's Future", async () => {
      const native = async () => (await addOneLater(41)) as number;
      expect(await native()).to.equal(42);
    });

    it("rejects the await with the coroutine's exception", async () => {
      const failing = coroutine(function* () {
        yield moment;
        throw new RangeError('from the coroutine');
      });
      let caught: unknown = null;
      try {
        await failing();
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(RangeError);
    });

    it('rejects the await of a cancelled Future with CancelledError', async () => {
      const future = new Future<number>();
      future.cancel();
      let caught: unknown = null;
      try {
        await future;
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(CancelledError);
    });

    it('lets co (the npm package) yield a whirlwind Future', async () => {
      const result = await co(function* () {
        return (yield addOneLater(1)) as number;
      });
      expect(result).to.equal(2);
    });
  });

  describe('yielding native promises', () => {
    it(
      'lets a coroutine yield an async function that awaits a coroutine',
      genTest(function* () {
        const native = async () => (await addOneLater(41)) as number;
        const result: number = yield native();
        expect(result).to.equal(42);
      }),
    );

    it(
      'throws the rejection of a yielded async function into the generator',
      genTest(function* () {
        const native = async () => {
          await moment;
          throw new RangeError('from native code');
        };
        let caught: unknown = null;
        try {
          yield native();
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(RangeError).with.property('message', 'from native code');
      }),
    );

    it('gives up control at a yield of an already-resolved Promise (its state cannot be read synchronously)', async () => {
      const trace: string[] = [];
      const f = coroutine(function* () {
        trace.push('before');
        yield Promise.resolve(1);
        trace.push('after');
      });
      const future = f();
      trace.push('call returned');
      await future;
      expect(trace).to.deep.equal(['before', 'call returned', 'after']);
    });

    it(
      'yields any thenable, such as a Bluebird promise',
      genTest(function* () {
        const result: string = yield Bluebird.delay(1).then(() => 'bluebird');
        expect(result).to.equal('bluebird');
      }),
    );

    it(
      'yields a hand-written thenable',
      genTest(function* () {
        const thenable = { then: (resolve: (v: string) => void) => setImmediate(resolve, 'thenable') };
        const result: string = yield thenable;
        expect(result).to.equal('thenable');
      }),
    );

    describe('a yielded thenable follows the Promise resolution procedure, as await does', () => {
      /** What `yield thenable` gives a coroutine, next to what `await thenable` gives an async function. */
      async function yieldedAndAwaited(make: () => object): Promise<{ yielded: unknown; awaited: unknown }> {
        const viaYield = coroutine(function* () {
          try {
            return { value: yield make() };
          } catch (error) {
            return { error };
          }
        });
        const viaAwait = async () => {
          try {
            return { value: await (make() as PromiseLike<unknown>) };
          } catch (error) {
            return { error };
          }
        };
        return { yielded: await viaYield(), awaited: await viaAwait() };
      }

      it('adopts a Promise a thenable resolves with', async () => {
        const outcome = await yieldedAndAwaited(() => ({
          then: (resolve: (v: unknown) => void) => resolve(Promise.resolve('inner')),
        }));
        expect(outcome.yielded).to.deep.equal({ value: 'inner' });
        expect(outcome.awaited).to.deep.equal(outcome.yielded);
      });

      it('adopts nested thenables, however deep', async () => {
        const nest = (depth: number): object => ({
          then: (resolve: (v: unknown) => void) => resolve(depth === 0 ? 'bottom' : nest(depth - 1)),
        });
        const outcome = await yieldedAndAwaited(() => nest(5));
        expect(outcome.yielded).to.deep.equal({ value: 'bottom' });
        expect(outcome.awaited).to.deep.equal(outcome.yielded);
      });

      it('fails with what a nested thenable rejects with', async () => {
        const boom = new Error('nested rejection');
        const outcome = await yieldedAndAwaited(() => ({
          then: (resolve: (v: unknown) => void) =>
            resolve({ then: (_: unknown, reject: (e: unknown) => void) => reject(boom) }),
        }));
        expect(outcome.yielded).to.deep.equal({ error: boom });
        expect(outcome.awaited).to.deep.equal(outcome.yielded);
      });

      it('ignores a throw after resolve', async () => {
        const outcome = await yieldedAndAwaited(() => ({
          then(resolve: (v: unknown) => void) {
            resolve('R');
            throw new Error('thrown after resolve');
          },
        }));
        expect(outcome.yielded).to.deep.equal({ value: 'R' });
        expect(outcome.awaited).to.deep.equal(outcome.yielded);
      });

      it('keeps the first of several resolve and reject calls', async () => {
        const outcome = await yieldedAndAwaited(() => ({
          then(resolve: (v: unknown) => void, reject: (e: unknown) => void) {
            resolve('first');
            reject(new Error('second'));
            resolve('third');
          },
        }));
        expect(outcome.yielded).to.deep.equal({ value: 'first' });
        expect(outcome.awaited).to.deep.equal(outcome.yielded);
      });

      it('fails with what then throws before settling', async () => {
        const boom = new Error('then threw');
        const outcome = await yieldedAndAwaited(() => ({
          then() {
            throw boom;
          },
        }));
        expect(outcome.yielded).to.deep.equal({ error: boom });
        expect(outcome.awaited).to.deep.equal(outcome.yielded);
      });

      it('fails with what a then getter throws', async () => {
        const boom = new Error('then getter threw');
        const outcome = await yieldedAndAwaited(() => ({
          get then() {
            throw boom;
          },
        }));
        expect(outcome.yielded).to.deep.equal({ error: boom });
        expect(outcome.awaited).to.deep.equal(outcome.yielded);
      });

      it('reads then once, at the yield and at each thenable it adopts', async () => {
        let reads = 0;
        const counted = (value: unknown) => ({
          get then() {
            reads++;
            return (resolve: (v: unknown) => void) => resolve(value);
          },
        });
        const once = coroutine(function* () {
          return yield counted(counted('value'));
        });
        expect(await once()).to.equal('value');
        expect(reads).to.equal(2);
      });
    });

    it(
      'runs multi over coroutines and async functions together',
      genTest(function* () {
        const native = async () => {
          await addOneLater(0);
          return 42;
        };
        const results: number[] = yield [native(), addOneLater(42)];
        expect(results).to.deep.equal([42, 43]);
      }),
    );

    it(
      'runs multi over an object of coroutines and async functions',
      genTest(function* () {
        const results: unknown = yield multi({ native: (async () => 'n')(), coroutine: addOneLater(1) });
        expect(results).to.deep.equal({ native: 'n', coroutine: 2 });
      }),
    );

    it(
      "applies withTimeout to an async function's Promise",
      genTest(function* () {
        const result: number = yield withTimeout({ seconds: 3600 }, (async () => 42)());
        expect(result).to.equal(42);
      }),
    );
  });

  describe('await moment', () => {
    it('resumes native code on a later loop iteration', async () => {
      const loop = currentLoop();
      const before = loop.iteration;
      await moment;
      expect(loop.iteration).to.be.greaterThan(before);
    });

    it('lets callbacks queued before it run first', async () => {
      const trace: string[] = [];
      currentLoop().addCallback(() => trace.push('callback'));
      await moment;
      trace.push('after moment');
      expect(trace).to.deep.equal(['callback', 'after moment']);
    });

    // A native `await` of a thenable costs promise hops that the loop's
    // microtask iterations do not wait for, so an async function on `await
    // moment` advances less often than a coroutine on `yield moment`; what is
    // guaranteed is that neither starves the other.
    it('lets an async function make progress while a coroutine loops on moment', async () => {
      const trace: string[] = [];
      const native = async () => {
        for (let i = 0; i < 3; i++) {
          trace.push('n');
          await moment;
        }
      };
      const busy = coroutine(function* () {
        for (let i = 0; i < 50; i++) {
          trace.push('g');
          yield moment;
        }
      });
      await Promise.all([native(), busy()]);
      expect(trace.lastIndexOf('n')).to.be.lessThan(trace.lastIndexOf('g'));
      expect(trace.filter((t) => t === 'n')).to.have.length(3);
    });
  });

  // The Promise boundary's ordering rules (docs/performance.md, "Crossing the
  // Promise boundary"): a coroutine follows a yielded native Promise as
  // `await` does, and `await` of a done Future needs no loop iteration. Each
  // test writes the same program with native async functions only and
  // expects the same trace.
  describe('ordering at the Promise boundary, pinned against native async', () => {
    /** Three waiters on one pending promise, started in order; the middle one is `middle`. */
    async function resumeOrder(
      middle: (p: Promise<number>, trace: string[]) => PromiseLike<unknown>,
    ): Promise<string[]> {
      const trace: string[] = [];
      let resolve!: (value: number) => void;
      const promise = new Promise<number>((r) => (resolve = r));
      const first = (async () => {
        await promise;
        trace.push('first');
      })();
      const second = middle(promise, trace);
      const third = (async () => {
        await promise;
        trace.push('third');
      })();
      currentLoop().addCallback(() => trace.push('loop callback'));
      resolve(1);
      await Promise.all([first, second, third]);
      return trace;
    }

    it('resumes a coroutine that yielded a pending native Promise where an await of it would resume', async () => {
      const viaAwait = await resumeOrder(async (promise, trace) => {
        await promise;
        trace.push('second');
      });
      const viaYield = await resumeOrder(
        coroutine(function* (promise: Promise<number>, trace: string[]) {
          yield promise;
          trace.push('second');
        }),
      );
      expect(viaAwait).to.deep.equal(['loop callback', 'first', 'second', 'third']);
      expect(viaYield).to.deep.equal(viaAwait);
    });

    it('resumes a coroutine from a yielded Promise without a loop iteration, as await does', async () => {
      const loop = currentLoop();
      const viaAwait = await (async () => {
        const before = loop.iteration;
        await Promise.resolve().then(() => 1);
        return loop.iteration - before;
      })();
      const viaYield = await coroutine(function* () {
        const before = loop.iteration;
        yield Promise.resolve().then(() => 1);
        return loop.iteration - before;
      })();
      expect(viaAwait).to.equal(0);
      expect(viaYield).to.equal(viaAwait);
    });

    it("throws a yielded Promise's rejection in where an await of it would throw", async () => {
      const trace: string[] = [];
      const failing = coroutine(function* () {
        try {
          yield Promise.reject(new RangeError('no'));
        } catch (error) {
          trace.push((error as Error).name);
        }
      });
      const native = (async () => {
        try {
          await Promise.reject(new RangeError('no'));
        } catch (error) {
          trace.push(`native ${(error as Error).name}`);
        }
      })();
      const generator = failing();
      await Promise.all([native, generator]);
      // Started after the async function, resumed after it: the same microtask order.
      expect(trace).to.deep.equal(['native RangeError', 'RangeError']);
    });

    it('resumes an await of a done Future without a loop iteration, as an await of a settled Promise', async () => {
      const loop = currentLoop();
      const done = new Future<number>();
      done.setResult(7);
      const before = loop.iteration;
      const value = await done;
      expect(value).to.equal(7);
      expect(loop.iteration - before).to.equal(0);
      const native = await Promise.resolve(7);
      expect(loop.iteration - before).to.equal(0);
      expect(native).to.equal(value);
    });

    it('still settles an await of a pending Future through the loop, after the callbacks queued before it', async () => {
      const trace: string[] = [];
      const future = new Future<number>();
      const waiting = (async () => {
        await future;
        trace.push('await');
      })();
      await Promise.resolve(); // let the await reach the Future's then()
      currentLoop().addCallback(() => trace.push('queued first'));
      future.setResult(1);
      await waiting;
      expect(trace).to.deep.equal(['queued first', 'await']);
    });

    it('delivers cancel() to a coroutine waiting on a Promise one iteration later, and ignores the Promise after', async () => {
      let resolve!: (value: string) => void;
      const promise = new Promise<string>((r) => (resolve = r));
      const seen: string[] = [];
      const waiter = coroutine(function* () {
        try {
          yield promise;
        } catch (error) {
          seen.push((error as Error).name);
        }
        seen.push((yield Promise.resolve('next')) as string);
        return 'finished';
      });
      const future = waiter();
      expect(future.cancel()).to.equal(true);
      resolve('late');
      expect(await future).to.equal('finished');
      expect(seen).to.deep.equal(['CancelledError', 'next']);
    });

    it('resumes a coroutine that yields again the Promise a cancel made it leave only once, with its outcome', async () => {
      let resolve!: (value: string) => void;
      const left = new Promise<string>((r) => (resolve = r));
      let release!: (value: string) => void;
      const later = new Promise<string>((r) => (release = r));
      const waiter = coroutine(function* () {
        const outcomes: string[] = [];
        // The reused reactions wait on `later` when the abandoned first wait's reaction to `left` comes.
        for (const next of [left, Promise.resolve('between'), left, later]) {
          try {
            outcomes.push((yield next) as string);
          } catch (error) {
            outcomes.push((error as Error).name);
          }
        }
        return outcomes;
      });
      const future = waiter();
      future.cancel();
      await iterations(2);
      resolve('left');
      await iterations(2);
      release('later');
      expect(await future).to.deep.equal(['CancelledError', 'between', 'left', 'later']);
    });

    it('steps a coroutine resumed by a Promise from the reaction itself: one runner frame under the generator', async () => {
      const runnerFrames: number[] = [];
      const reader = coroutine(function* () {
        for (let i = 0; i < 3; i++) {
          try {
            yield Promise.reject(new Error('rejected'));
          } catch {
            const stack = new Error('resumed').stack ?? '';
            runnerFrames.push(stack.split('\n').filter((line) => line.includes('/gen/runner.')).length);
          }
        }
      });
      await reader();
      expect(runnerFrames).to.deep.equal([1, 1, 1]);
    });
  });

  describe('AsyncLocalStorage across the boundary', () => {
    const storage = new AsyncLocalStorage<number>();

    const genInner = coroutine(function* (x: number) {
      expect(storage.getStore()).to.equal(x);
      yield undefined;
      expect(storage.getStore()).to.equal(x);
    });

    const nativeInner = async (x: number) => {
      expect(storage.getStore()).to.equal(x);
      await genInner(x);
      expect(storage.getStore()).to.equal(x);
      await sleep(0);
      expect(storage.getStore()).to.equal(x);
    };

    const nativeRoot = (x: number) => storage.run(x, () => nativeInner(x));

    const genRoot = (x: number) =>
      storage.run(
        x,
        coroutine(function* () {
          yield undefined;
          yield nativeInner(x);
        }),
      );

    it("keeps each root's value through native and generator coroutines alike", async () => {
      await multi([nativeRoot(1), nativeRoot(2), genRoot(3), genRoot(4)]);
    });

    it('shows the value to the first step of an async function yielded from a coroutine', async () => {
      let seen: number | undefined;
      const f = coroutine(function* () {
        yield (async () => {
          seen = storage.getStore();
        })();
      });
      await storage.run(10, () => f());
      expect(seen).to.equal(10);
    });

    it('keeps the value across a yielded list of native promises (followed as one gathered promise)', async () => {
      const seen: Array<number | undefined> = [];
      const f = coroutine(function* () {
        yield [Promise.resolve(1), new Promise((resolve) => setTimeout(resolve, 1))];
        seen.push(storage.getStore());
      });
      await Promise.all([storage.run(5, () => f()), storage.run(6, () => f())]);
      expect(seen).to.have.members([5, 6]);
    });

    it('shows a coroutine the value of the async function that called it, after a pending yield', async () => {
      const seen: Array<number | undefined> = [];
      const f = coroutine(function* () {
        yield resolvedLater(1, 3);
        seen.push(storage.getStore());
      });
      await storage.run(7, async () => {
        await moment;
        await f();
      });
      expect(seen).to.deep.equal([7]);
    });
  });
});
