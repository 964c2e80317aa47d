/**
 * The coroutine runner's contract (issue 2, API.md "Runner semantics"), one
 * point per `it`, plus the behaviours Tornado's gen_test.py pins for
 * `gen.coroutine` and `gen.Return`.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Session } from 'node:inspector';
import { inspect } from 'node:util';
import { expect } from 'chai';
import { CancelledError, Future, InvalidStateError } from '../lib/concurrent.js';
import { IOLoop } from '../lib/ioloop.js';
import { Lock } from '../lib/locks.js';
import { BadYieldError, coroutine, isCoroutineFunction, moment, Return, sleep, take, withTimeout } from '../lib/gen.js';
import { MAX_SYNCHRONOUS_START_DEPTH, type Runner } from '../lib/gen/runner.js';
import { genTest } from '../lib/testing.js';
import { HostileError, proxyThrowingOnGetPrototypeOf, revokedProxy } from './support/hostile.js';
import { failureOf, iterations, rejected, resolved, resolvedLater, useFreshLoop } from './support/index.js';

/** A coroutine that records `name` then yields `yieldable`, five times: the trace shows the interleaving. */
function tracer(calls: string[]) {
  return coroutine(function* (name: string, yieldable: unknown) {
    for (let i = 0; i < 5; i++) {
      calls.push(name);
      yield yieldable;
    }
  });
}

describe('coroutine', () => {
  const currentLoop = useFreshLoop();

  describe('starting and finishing', () => {
    it('runs the generator synchronously up to the first yield of something pending', () => {
      const trace: string[] = [];
      const f = coroutine(function* () {
        trace.push('start');
        yield resolved(1);
        trace.push('after a done yield');
        yield new Future();
        trace.push('never');
      });
      f();
      trace.push('call returned');
      expect(trace).to.deep.equal(['start', 'after a done yield', 'call returned']);
    });

    it('returns a Future that is already done when the generator never waits', () => {
      const f = coroutine(function* () {
        const a: number = yield resolved(20);
        return a + 22;
      });
      const future = f();
      expect(future).to.be.instanceOf(Future);
      expect(future.done()).to.equal(true);
      expect(future.result()).to.equal(42);
    });

    it('resolves with undefined when the generator has no yield and no return value', async () => {
      const f = coroutine(function* () {});
      expect(await f()).to.equal(undefined);
    });

    it('resolves with the value of `return` after waiting', async () => {
      const f = coroutine(function* () {
        yield moment;
        return 42;
      });
      expect(await f()).to.equal(42);
    });

    it('resolves with the value of `throw new Return(v)` before any yield', () => {
      const f = coroutine(function* () {
        throw new Return(42);
      });
      expect(f().result()).to.equal(42);
    });

    it('resolves with the value of `throw new Return(v)` after waiting', async () => {
      const f = coroutine(function* () {
        yield moment;
        throw new Return([1, 2]);
      });
      expect(await f()).to.deep.equal([1, 2]);
    });

    it('resolves with undefined for `throw new Return()`', async () => {
      const f = coroutine(function* () {
        yield moment;
        throw new Return();
      });
      expect(await f()).to.equal(undefined);
    });

    it('returns early from a generator whose yield is never reached', async () => {
      const f = coroutine(function* (early: boolean) {
        if (early) return 42;
        yield moment;
        return 0;
      });
      expect(await f(true)).to.equal(42);
    });

    it('fails the Future, not the call, when the generator throws before its first yield', () => {
      const f = coroutine(function* () {
        throw new RangeError('phase 1');
      });
      const future = f();
      expect(future.exception()).to.be.instanceOf(RangeError);
    });

    it('fails the Future when the generator throws after a yield', async () => {
      const f = coroutine(function* () {
        yield moment;
        throw new RangeError('phase 2');
      });
      const error = await failureOf(f());
      expect(error).to.be.instanceOf(RangeError).with.property('message', 'phase 2');
    });

    it('can be called again after finishing (each call runs a new generator)', async () => {
      let runs = 0;
      const f = coroutine(function* () {
        runs++;
        yield moment;
        return runs;
      });
      expect(await f()).to.equal(1);
      expect(await f()).to.equal(2);
    });

    it('passes its arguments to the generator function', async () => {
      const add = coroutine(function* (a: number, b: number) {
        yield moment;
        return a + b;
      });
      expect(await add(40, 2)).to.equal(42);
    });

    it('fails the Future when calling the wrapped function throws', () => {
      const notAGenerator = coroutine(function (): number {
        throw new SyntaxError('bad call');
      });
      expect(notAGenerator().exception()).to.be.instanceOf(SyntaxError);
    });
  });

  describe('plain functions', () => {
    it('wraps a plain return value in a done Future', () => {
      const f = coroutine((x: number) => x * 2);
      expect(f(21).result()).to.equal(42);
    });

    it('follows a returned Promise', async () => {
      const f = coroutine(async (x: number) => x * 2);
      const future = f(21);
      expect(future).to.be.instanceOf(Future);
      expect(await future).to.equal(42);
    });

    it('treats `throw new Return(v)` in a plain function as returning v', () => {
      const f = coroutine((): number => {
        throw new Return(7);
      });
      expect(f().result()).to.equal(7);
    });
  });

  describe('interleaving (the runner contract)', () => {
    it('lets a coroutine yielding done Futures run to the end before the next ("aaaaabbbbb")', async () => {
      const calls: string[] = [];
      const f = tracer(calls);
      const immediate = resolved(undefined);
      await Promise.all([f('a', immediate), f('b', immediate)]);
      expect(calls.join('')).to.equal('aaaaabbbbb');
    });

    it('makes two coroutines yielding moment take turns ("ababababab")', async () => {
      const calls: string[] = [];
      const f = tracer(calls);
      await Promise.all([f('a', moment), f('b', moment)]);
      expect(calls.join('')).to.equal('ababababab');
    });

    it('lets the coroutine yielding done Futures overtake the one yielding moment ("abbbbbaaaa")', async () => {
      const calls: string[] = [];
      const f = tracer(calls);
      await Promise.all([f('a', moment), f('b', resolved(undefined))]);
      expect(calls.join('')).to.equal('abbbbbaaaa');
    });

    it('treats `yield undefined` as moment', async () => {
      const calls: string[] = [];
      const f = tracer(calls);
      await Promise.all([f('a', undefined), f('b', undefined)]);
      expect(calls.join('')).to.equal('ababababab');
    });

    it('treats `yield null` as moment', async () => {
      const calls: string[] = [];
      const f = tracer(calls);
      await Promise.all([f('a', null), f('b', null)]);
      expect(calls.join('')).to.equal('ababababab');
    });

    it('resumes after exactly one loop iteration on moment', async () => {
      const loop = currentLoop();
      const seen: number[] = [];
      const f = coroutine(function* () {
        seen.push(loop.iteration);
        yield moment;
        seen.push(loop.iteration);
        yield moment;
        seen.push(loop.iteration);
      });
      await f();
      expect(seen[1] - seen[0]).to.equal(1);
      expect(seen[2] - seen[1]).to.equal(1);
    });

    it('sends undefined back from a moment yield', async () => {
      let sent: unknown = 'unset';
      const f = coroutine(function* () {
        sent = yield moment;
      });
      await f();
      expect(sent).to.equal(undefined);
    });

    it('runs a callback added before the moment ahead of the resumed coroutine', async () => {
      const trace: string[] = [];
      const f = coroutine(function* () {
        currentLoop().addCallback(() => trace.push('callback'));
        yield moment;
        trace.push('coroutine');
      });
      await f();
      expect(trace).to.deep.equal(['callback', 'coroutine']);
    });
  });

  describe('exceptions at a yield', () => {
    it('throws a failed yielded Future into the generator, where try/catch sees it', async () => {
      const f = coroutine(function* () {
        try {
          yield rejected(new RangeError('inner'));
          return 'not thrown';
        } catch (e) {
          return (e as Error).message;
        }
      });
      expect(await f()).to.equal('inner');
    });

    it('runs finally blocks when a yielded Future fails', async () => {
      const trace: string[] = [];
      const f = coroutine(function* () {
        try {
          yield resolvedLater(1).then(() => {
            throw new Error('late failure');
          });
        } finally {
          trace.push('finally');
        }
      });
      const error = ((await failureOf(f())) as Error).message;
      expect(error).to.equal('late failure');
      expect(trace).to.deep.equal(['finally']);
    });

    it('lets a coroutine replace the exception of a failed child with another', async () => {
      const failing = coroutine(function* () {
        throw new RangeError('child');
      });
      const parent = coroutine(function* () {
        try {
          yield failing();
        } catch {
          throw new TypeError('parent');
        }
      });
      const error = await failureOf(parent());
      expect(error).to.be.instanceOf(TypeError);
    });

    it('lets a coroutine swallow the exception of a failed child and return', async () => {
      const failing = coroutine(function* () {
        yield moment;
        throw new RangeError('child');
      });
      const parent = coroutine(function* () {
        try {
          yield failing();
        } catch {
          throw new Return(42);
        }
      });
      expect(await parent()).to.equal(42);
    });

    it('throws a rejected native Promise into the generator', async () => {
      const f = coroutine(function* () {
        try {
          yield Promise.reject(new RangeError('native'));
        } catch (e) {
          return (e as Error).message;
        }
      });
      expect(await f()).to.equal('native');
    });

    it('does not leak a previous exception as the cause of a later one', async () => {
      const inner = coroutine(function* (n: number) {
        throw new RangeError(String(n));
      });
      const outer = coroutine(function* () {
        const seen: unknown[] = [];
        for (const n of [1, 2]) {
          try {
            yield inner(n);
          } catch (e) {
            seen.push([(e as Error).message, (e as Error).cause]);
          }
        }
        return seen;
      });
      expect(await outer()).to.deep.equal([
        ['1', undefined],
        ['2', undefined],
      ]);
    });
  });

  describe('bad yields', () => {
    function badYieldOf(value: unknown): Promise<unknown> {
      const yieldsBadly = coroutine(function* yieldsBadly() {
        yield value;
      });
      return failureOf(yieldsBadly());
    }

    it('fails with BadYieldError naming the value and the coroutine', async () => {
      const error = await badYieldOf(42);
      expect(error).to.be.instanceOf(BadYieldError);
      expect((error as Error).message).to.equal('yielded unknown object 42 in coroutine yieldsBadly');
      expect((error as Error).name).to.equal('BadYieldError');
    });

    it('fails with BadYieldError for an array of non-yieldables', async () => {
      const error = await badYieldOf([1, 2]);
      expect(error).to.be.instanceOf(BadYieldError);
      expect((error as Error).message).to.match(/^yielded unknown object 1 in coroutine yieldsBadly$/);
    });

    it('fails with BadYieldError for a string', async () => {
      const error = await badYieldOf('text');
      expect((error as Error).message).to.equal("yielded unknown object 'text' in coroutine yieldsBadly");
    });

    it('fails with BadYieldError for an instance of a class (not a plain object)', async () => {
      class Thing {}
      const error = await badYieldOf(new Thing());
      expect(error).to.be.instanceOf(BadYieldError);
      expect((error as Error).message).to.contain('Thing');
    });

    it('throws BadYieldError into the generator at the bad yield, so it can be caught', async () => {
      const f = coroutine(function* recovering() {
        let caught: unknown = null;
        try {
          yield 42;
        } catch (e) {
          caught = e;
        }
        const after: number = yield resolved(7);
        return [caught, after];
      });
      const [caught, after] = (await f()) as [Error, number];
      expect(caught).to.be.instanceOf(BadYieldError);
      expect(caught.message).to.contain('recovering');
      expect(after).to.equal(7);
    });

    it('throws BadYieldError in when a coroutine yields its own Future, instead of waiting forever', async () => {
      const holder: { future?: Future<unknown> } = {};
      const selfish = coroutine(function* selfish() {
        yield moment;
        yield holder.future;
      });
      holder.future = selfish();
      const error = await failureOf(holder.future);
      expect(error).to.be.instanceOf(BadYieldError);
      expect((error as Error).message).to.equal('coroutine selfish yielded its own Future; it would wait forever');
    });

    it('says <anonymous> for a coroutine made from an anonymous generator', async () => {
      const f = coroutine(function* () {
        yield Symbol.for('odd');
      });
      const error = ((await failureOf(f())) as Error).message;
      expect(error).to.equal('yielded unknown object Symbol(odd) in coroutine <anonymous>');
    });
  });

  describe('hostile yields', () => {
    const hostileValues: Array<[string, () => unknown]> = [
      ['a revoked Proxy', () => revokedProxy()],
      ['a Proxy whose getPrototypeOf trap throws', () => proxyThrowingOnGetPrototypeOf()],
      ['a Proxy of a function whose getPrototypeOf trap throws', () => proxyThrowingOnGetPrototypeOf(() => {})],
    ];

    for (const [name, makeHostile] of hostileValues) {
      for (const when of ['before', 'after'] as const) {
        it(`throws an error in at the yield of ${name} ${when} the first suspension, and finally blocks run`, async () => {
          const steps: string[] = [];
          const hostileYielder = coroutine(function* hostileYielder() {
            try {
              if (when === 'after') yield moment;
              try {
                yield makeHostile();
              } catch (error) {
                steps.push(`caught ${(error as Error).name}`);
              }
              yield moment;
              return 'went on';
            } finally {
              steps.push('finally');
            }
          });
          const future = hostileYielder();
          expect(await future).to.equal('went on');
          expect(steps).to.deep.equal(['caught BadYieldError', 'finally']);
        });
      }
    }

    it('names the revoked Proxy and the coroutine in the BadYieldError', async () => {
      const yieldsRevoked = coroutine(function* yieldsRevoked() {
        yield revokedProxy();
      });
      const error = (await failureOf(yieldsRevoked())) as Error;
      expect(error).to.be.instanceOf(BadYieldError);
      expect(error.message).to.equal('yielded a revoked Proxy, which cannot be waited on in coroutine yieldsRevoked');
    });

    it('names what the trap threw when a Proxy cannot be inspected', async () => {
      const yieldsProxy = coroutine(function* yieldsProxy() {
        yield proxyThrowingOnGetPrototypeOf();
      });
      const error = (await failureOf(yieldsProxy())) as Error;
      expect(error.message).to.equal(
        'yielded unknown object {}: inspecting it threw HostileError: getPrototypeOf trap in coroutine yieldsProxy',
      );
      expect((error.cause as { cause?: unknown }).cause).to.be.instanceOf(HostileError);
    });

    it('does not throw from the coroutine call when the first yield is hostile', () => {
      const eager = coroutine(function* () {
        yield revokedProxy();
      });
      const future = eager();
      expect(future.done()).to.equal(true);
      expect(future.exception()).to.be.instanceOf(BadYieldError);
    });

    it('can still be cancelled after a hostile yield, releasing a lock held there', async () => {
      const lock = new Lock();
      const holder = coroutine(function* () {
        const release = yield lock.acquire();
        try {
          try {
            yield proxyThrowingOnGetPrototypeOf();
          } catch {
            // went on after the bad yield
          }
          yield new Future(); // never set: only cancel() ends this
        } finally {
          release.release();
        }
      });
      const future = holder();
      await iterations(2);
      const next = lock.acquire();
      expect(next.done(), 'lock held by the coroutine').to.equal(false);
      expect(future.cancel()).to.equal(true);
      await iterations(2);
      expect(future.cancelled()).to.equal(true);
      expect(next.done(), 'lock released by its finally').to.equal(true);
    });
  });

  describe('cancellation', () => {
    it('throws CancelledError into the generator at the current yield', async () => {
      let caught: unknown = null;
      const f = coroutine(function* () {
        try {
          yield new Future();
        } catch (e) {
          caught = e;
          throw e;
        }
      });
      const future = f();
      expect(future.cancel()).to.equal(true);
      await iterations(3);
      expect(caught).to.be.instanceOf(CancelledError);
    });

    it('runs finally blocks of a cancelled coroutine', async () => {
      const trace: string[] = [];
      const f = coroutine(function* () {
        try {
          yield new Future();
        } finally {
          trace.push('finally');
        }
      });
      const future = f();
      future.cancel();
      await iterations(3);
      expect(trace).to.deep.equal(['finally']);
    });

    it('cancels the Future the coroutine was waiting on', () => {
      const child = new Future<number>();
      const f = coroutine(function* () {
        yield child;
      });
      f().cancel();
      expect(child.cancelled()).to.equal(true);
    });

    it('cancels a waiting child coroutine, running its finally blocks too', async () => {
      const trace: string[] = [];
      const child = coroutine(function* () {
        try {
          yield new Future();
        } finally {
          trace.push('child finally');
        }
      });
      const parent = coroutine(function* () {
        try {
          yield child();
        } finally {
          trace.push('parent finally');
        }
      });
      const future = parent();
      future.cancel();
      await iterations(5);
      expect(trace).to.deep.equal(['child finally', 'parent finally']);
      expect(future.cancelled()).to.equal(true);
    });

    it("ends with the coroutine's Future cancelled when the generator lets CancelledError out", async () => {
      const f = coroutine(function* () {
        yield new Future();
      });
      const future = f();
      future.cancel('stop now');
      expect(future.done()).to.equal(false);
      await iterations(3);
      expect(future.cancelled()).to.equal(true);
      expect(() => future.result()).to.throw(CancelledError, 'stop now');
    });

    it('rejects an `await` of the cancelled coroutine with CancelledError', async () => {
      const f = coroutine(function* () {
        yield new Future();
      });
      const future = f();
      future.cancel();
      expect(await failureOf(future)).to.be.instanceOf(CancelledError);
    });

    it('interrupts a coroutine waiting on moment', async () => {
      const trace: string[] = [];
      const f = coroutine(function* () {
        try {
          yield moment;
          trace.push('resumed normally');
        } catch (e) {
          trace.push((e as Error).name);
          throw e;
        }
      });
      const future = f();
      future.cancel();
      await iterations(3);
      expect(trace).to.deep.equal(['CancelledError']);
      expect(future.cancelled()).to.equal(true);
    });

    it('lets a generator that catches CancelledError go on and finish normally', async () => {
      const f = coroutine(function* () {
        try {
          yield new Future();
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
        }
        yield moment;
        const cleanup: string = yield resolvedLater('cleaned up');
        return cleanup;
      });
      const future = f();
      future.cancel();
      expect(await future).to.equal('cleaned up');
    });

    it('resumes with the result of a child coroutine that caught the cancel and went on (as asyncio)', async () => {
      const child = coroutine(function* () {
        try {
          yield new Future();
        } catch {
          // swallowed: the child decides to finish anyway
        }
        yield moment;
        return 'child finished';
      });
      const parent = coroutine(function* () {
        const fromChild: string = yield child();
        return `parent saw ${fromChild}`;
      });
      const future = parent();
      expect(future.cancel()).to.equal(true);
      expect(await future).to.equal('parent saw child finished');
    });

    it('still throws CancelledError in when the awaited Future was already done (its callback queued)', async () => {
      const f = coroutine(function* () {
        const inner = new Future<number>();
        currentLoop().addCallback(() => {
          inner.setResult(1);
          future.cancel();
        });
        yield inner;
        return 'not cancelled';
      });
      const future = f();
      expect(await failureOf(future)).to.be.instanceOf(CancelledError);
      expect(future.cancelled()).to.equal(true);
    });

    it('returns false when the coroutine is already done', () => {
      const f = coroutine(function* () {
        return 1;
      });
      const future = f();
      expect(future.cancel()).to.equal(false);
      expect(future.result()).to.equal(1);
    });

    it('delivers a cancel requested from inside the running generator at its next pending yield (a done Future does not suspend, as in asyncio)', async () => {
      const holder: { future?: Future<unknown> } = {};
      const trace: string[] = [];
      const f = coroutine(function* () {
        yield moment;
        holder.future!.cancel();
        trace.push('still running');
        try {
          yield resolved(1);
          trace.push('not interrupted by a done Future');
          yield new Future<void>();
          trace.push('not interrupted');
        } catch (e) {
          trace.push((e as Error).name);
          throw e;
        }
      });
      holder.future = f();
      await iterations(3);
      expect(trace).to.deep.equal(['still running', 'not interrupted by a done Future', 'CancelledError']);
      expect(holder.future.cancelled()).to.equal(true);
    });

    it('ends cancelled when cancelled from inside its last step, with no yield left (as asyncio)', async () => {
      const holder: { future?: Future<unknown> } = {};
      const f = coroutine(function* () {
        yield moment;
        holder.future!.cancel('from inside');
        return 'returned anyway';
      });
      holder.future = f();
      await iterations(2);
      expect(holder.future.cancelled()).to.equal(true);
      expect(() => holder.future!.result()).to.throw(CancelledError, 'from inside');
    });

    it('raises CancelledError at the yield when the yielded Future is cancelled by someone else', async () => {
      const child = new Future<number>();
      const f = coroutine(function* () {
        try {
          yield child;
          return 'resumed';
        } catch (e) {
          return (e as Error).name;
        }
      });
      const future = f();
      child.cancel();
      expect(await future).to.equal('CancelledError');
    });

    it('never hangs on a yielded Future that was already cancelled', async () => {
      const child = new Future<number>();
      child.cancel();
      const f = coroutine(function* () {
        yield child;
      });
      const future = f();
      expect(future.done()).to.equal(true);
      expect(future.cancelled()).to.equal(true);
    });

    it('ends cancelled when a cancelled child is not caught, even if nobody cancelled the coroutine', async () => {
      const child = new Future<number>();
      const f = coroutine(function* () {
        yield child;
      });
      const future = f();
      child.cancel();
      await iterations(2);
      expect(future.cancelled()).to.equal(true);
    });
  });

  describe('throwIn (what genTest uses on timeout)', () => {
    it('throws the error at the pending yield, and the Future it waited on no longer resumes it', async () => {
      const inner = new Future<number>();
      const trace: string[] = [];
      const f = coroutine(function* () {
        try {
          yield inner;
          trace.push('resumed normally');
        } catch (e) {
          trace.push((e as Error).message);
        }
        yield moment;
        yield moment;
        return trace;
      });
      const runner = f() as Runner<string[]>;
      expect(runner.throwIn(new Error('thrown in'))).to.equal(true);
      inner.setResult(1);
      expect(await runner).to.deep.equal(['thrown in']);
    });

    it('replaces a pending moment without resuming the generator twice', async () => {
      const loop = currentLoop();
      const steps: Array<[string, number]> = [];
      const f = coroutine(function* () {
        try {
          yield moment;
        } catch (e) {
          steps.push([(e as Error).message, loop.iteration]);
        }
        yield moment;
        steps.push(['after the next moment', loop.iteration]);
      });
      const runner = f() as Runner<void>;
      runner.throwIn(new Error('thrown in'));
      await runner;
      expect(steps.map(([what]) => what)).to.deep.equal(['thrown in', 'after the next moment']);
      expect(steps[1][1] - steps[0][1]).to.equal(1);
    });

    it('refuses (false) once the coroutine is done', () => {
      const runner = coroutine(function* () {})() as Runner<void>;
      expect(runner.throwIn(new Error('too late'))).to.equal(false);
    });
  });

  describe('bad input', () => {
    it("refuses setResult and setException on a coroutine's Future, which keeps running to its finally", async () => {
      const steps: string[] = [];
      const f = coroutine(function* worker() {
        try {
          yield moment;
          return 'from the generator';
        } finally {
          steps.push('finally');
        }
      });
      const future = f();
      const onResult = (() => {
        try {
          future.setResult('from outside');
        } catch (e) {
          return e as Error;
        }
        throw new Error('expected a throw');
      })();
      expect(onResult).to.be.instanceOf(InvalidStateError);
      expect(onResult.message).to.equal(
        'setResult() called on the Future of coroutine worker: it settles when the generator finishes; cancel() it to stop it',
      );
      expect(() => future.setException(new Error('from outside'))).to.throw(
        InvalidStateError,
        'setException() called on the Future of coroutine worker',
      );
      expect(await future).to.equal('from the generator');
      expect(steps).to.deep.equal(['finally']);
    });

    it('rejects something that is not a function with a TypeError describing it, even an object with no prototype', () => {
      for (const [bad, shown] of [
        [{ a: 1 }, '{ a: 1 }'],
        [Object.create(null), '[Object: null prototype] {}'],
      ] as const) {
        const error = (() => {
          try {
            coroutine(bad as never);
          } catch (e) {
            return e as Error;
          }
          throw new Error('expected a throw');
        })();
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.equal(`coroutine: expected a generator function or function, got ${shown}`);
      }
    });
  });

  describe('AsyncLocalStorage context', () => {
    const storage = new AsyncLocalStorage<string>();

    it("sees the caller's context at every step: after moments, pending Futures, Promises and sleeps", async () => {
      const seen: Array<string | undefined> = [];
      const f = coroutine(function* () {
        seen.push(storage.getStore());
        yield moment;
        seen.push(storage.getStore());
        yield resolvedLater(1, 2);
        seen.push(storage.getStore());
        yield new Promise((resolve) => setImmediate(resolve));
        seen.push(storage.getStore());
        yield sleep(0);
        seen.push(storage.getStore());
      });
      const future = storage.run('request-1', () => f());
      await future;
      expect(seen).to.deep.equal(['request-1', 'request-1', 'request-1', 'request-1', 'request-1']);
    });

    it('keeps the contexts of two interleaved coroutines apart', async () => {
      const seen: string[] = [];
      const f = coroutine(function* (name: string) {
        for (let i = 0; i < 3; i++) {
          seen.push(`${name}:${storage.getStore()}`);
          yield moment;
        }
      });
      const a = storage.run('A', () => f('a'));
      const b = storage.run('B', () => f('b'));
      await Promise.all([a, b]);
      expect(seen).to.deep.equal(['a:A', 'b:B', 'a:A', 'b:B', 'a:A', 'b:B']);
    });

    it('passes the context on to a coroutine started from a later step', async () => {
      const seen: Array<string | undefined> = [];
      const inner = coroutine(function* () {
        seen.push(storage.getStore());
        yield moment;
        seen.push(storage.getStore());
      });
      const outer = coroutine(function* () {
        yield moment;
        yield inner();
      });
      await storage.run('outer', () => outer());
      expect(seen).to.deep.equal(['outer', 'outer']);
    });

    it("lets go of the caller's store once the coroutine finished, though its Future is still held", async () => {
      const f = coroutine(function* () {
        yield moment;
        return 'done';
      });
      let weak: WeakRef<object> | undefined;
      let future: Future<string> | undefined;
      (() => {
        const store = { request: 'big' };
        weak = new WeakRef(store);
        future = new AsyncLocalStorage<object>().run(store, () => f());
      })();
      expect(await future!).to.equal('done');
      for (let i = 0; i < 3; i++) {
        globalThis.gc!();
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      expect(weak!.deref()).to.equal(undefined);
    });

    it('has no context in a coroutine started outside any context', async () => {
      const seen: Array<string | undefined> = [];
      const f = coroutine(function* () {
        yield moment;
        seen.push(storage.getStore());
      });
      storage.run('elsewhere', () => currentLoop().addCallback(() => undefined));
      await f();
      expect(seen).to.deep.equal([undefined]);
    });
  });

  describe('depth', () => {
    it('survives 1,000,000 consecutive yields of done Futures without overflowing the stack', () => {
      const done = resolved(1);
      const f = coroutine(function* () {
        let total = 0;
        for (let i = 0; i < 1_000_000; i++) total += (yield done) as number;
        return total;
      });
      expect(f().result()).to.equal(1_000_000);
    });

    it('survives a 10,000-deep chain of coroutines calling coroutines', async () => {
      // The generator must not be named `depth`: that name would bind the raw generator inside it.
      const depth = coroutine(function* chain(n: number): Generator<unknown, number, number> {
        if (n === 0) return 0;
        return (yield depth(n - 1)) + 1;
      });
      expect(await depth(10_000)).to.equal(10_000);
    });

    it('starts a coroutine nested deeper than MAX_SYNCHRONOUS_START_DEPTH synchronous starts on the next iteration', async () => {
      const started: number[] = [];
      const chain = coroutine(function* link(n: number): Generator<unknown, void, unknown> {
        started.push(n);
        if (n > 0) yield chain(n - 1);
      });
      const future = chain(MAX_SYNCHRONOUS_START_DEPTH);
      expect(started).to.have.length(MAX_SYNCHRONOUS_START_DEPTH);
      await future;
      expect(started).to.have.length(MAX_SYNCHRONOUS_START_DEPTH + 1);
    });

    it('survives a 10,000-deep chain that waits at the bottom', async () => {
      const bottom = new Future<number>();
      const depth = coroutine(function* chain(n: number): Generator<unknown, number, number> {
        if (n === 0) return yield bottom;
        return (yield depth(n - 1)) + 1;
      });
      const future = depth(10_000);
      await iterations(100);
      bottom.setResult(5);
      expect(await future).to.equal(10_005);
    });
  });

  describe('memory', () => {
    /** Runs a full GC a few times, letting FinalizationRegistry callbacks run in between. */
    async function collectGarbage(): Promise<void> {
      for (let i = 0; i < 3; i++) {
        globalThis.gc!();
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
    }

    it("releases a finished coroutine's locals even while its Future is held", async () => {
      let local: WeakRef<object> | null = null;
      const f = coroutine(function* () {
        const big = { payload: new Array(1000).fill(1) };
        local = new WeakRef(big);
        yield moment;
        return big.payload.length;
      });
      const held = f();
      expect(await held).to.equal(1000);
      await collectGarbage();
      expect(local!.deref()).to.equal(undefined);
    });

    it('keeps a suspended coroutine alive while the Future it waits on is alive (Tornado #1769)', async () => {
      let weak: WeakRef<Future<number>> | null = null;
      const tester = coroutine(function* () {
        const inner = new Future<number>();
        weak = new WeakRef(inner);
        currentLoop().addCallback(() => {
          globalThis.gc!();
          weak!.deref()!.setResult(123);
        });
        return (yield inner) as number;
      });
      expect(await withTimeout({ seconds: 1 }, tester())).to.equal(123);
    });

    it('lets a coroutine suspended on a loop that was closed be garbage-collected', async () => {
      let collected = false;
      const registry = new FinalizationRegistry(() => {
        collected = true;
      });
      (() => {
        const forever = coroutine(function* () {
          for (;;) yield sleep(0.001);
        });
        registry.register(forever(), 'forever');
      })();
      await iterations(2);
      currentLoop().close();
      await collectGarbage();
      expect(collected).to.equal(true);
    });
  });

  describe('typed yields', () => {
    it('evaluates `yield*` on a Future to its result', async () => {
      const f = coroutine(function* () {
        const n = yield* resolvedLater(41);
        return n + 1;
      });
      expect(await f()).to.equal(42);
    });

    it("evaluates `yield* take(promise)` to the promise's value", async () => {
      const f = coroutine(function* () {
        const text = yield* take(Promise.resolve('typed'));
        return text.toUpperCase();
      });
      expect(await f()).to.equal('TYPED');
    });

    it('evaluates `yield* take([...])` to the array of results', async () => {
      const f = coroutine(function* () {
        const [a, b] = yield* take([resolved(1), Promise.resolve('two')] as const);
        return `${a}:${b}`;
      });
      expect(await f()).to.equal('1:two');
    });

    it('throws a failure into the generator at a `yield*`', async () => {
      const f = coroutine(function* () {
        try {
          yield* take(Promise.reject(new RangeError('typed failure')));
          return 'no';
        } catch (e) {
          return (e as Error).message;
        }
      });
      expect(await f()).to.equal('typed failure');
    });
  });

  describe('as a method decorator', () => {
    it('preserves `this` for a coroutine stored on an object', async () => {
      const counter = {
        count: 41,
        increment: coroutine(function* (this: { count: number }) {
          yield moment;
          this.count++;
          return this.count;
        }),
      };
      expect(await counter.increment()).to.equal(42);
    });

    it('works as a standard @coroutine decorator, with `this` preserved', async () => {
      class Greeter {
        constructor(readonly greeting: string) {}

        @coroutine
        *greet(name: string): Generator<unknown, string, unknown> {
          yield moment;
          return `${this.greeting}, ${name}`;
        }
      }
      const greeter = new Greeter('hello');
      // The decorator cannot change the declared (generator) type of the method.
      const future = greeter.greet('world') as unknown as Future<string>;
      expect(future).to.be.instanceOf(Future);
      expect(await future).to.equal('hello, world');
      expect(Greeter.prototype.greet.name).to.equal('greet');
    });

    it('works with the legacy (target, key, descriptor) decorator form', async () => {
      class Legacy {
        value = 7;
        *compute(): Generator<unknown, number, unknown> {
          yield moment;
          return this.value * 6;
        }
      }
      const descriptor = Object.getOwnPropertyDescriptor(Legacy.prototype, 'compute')!;
      Object.defineProperty(Legacy.prototype, 'compute', coroutine(Legacy.prototype, 'compute', descriptor));
      expect(await (new Legacy().compute() as unknown as Future<number>)).to.equal(42);
    });
  });

  describe('identity', () => {
    it("keeps the wrapped function's name and exposes it as __wrapped__", () => {
      function* fetchAll() {
        yield moment;
      }
      const wrapped = coroutine(fetchAll);
      expect(wrapped.name).to.equal('fetchAll');
      expect((wrapped as unknown as { __wrapped__: unknown }).__wrapped__).to.equal(fetchAll);
    });

    it('returns a coroutine function unchanged when wrapped twice', () => {
      const once = coroutine(function* () {});
      expect(coroutine(once as never)).to.equal(once);
    });

    it('rejects something that is not a function with a TypeError naming it', () => {
      expect(() => coroutine(42 as never)).to.throw(TypeError, /42/);
    });

    it("names the coroutine in its Future's string form", () => {
      const named = coroutine(function* named() {
        yield new Future();
      });
      expect(String(named())).to.equal('<Coroutine named pending>');
    });

    it('gives its Future one name, Coroutine, in constructor.name, toString, util.inspect and the debugger', async () => {
      const named = coroutine(function* named() {
        yield new Future();
      });
      const future = named();
      expect(future).to.be.instanceOf(Future);
      expect(future.constructor.name).to.equal('Coroutine');
      expect(inspect(future)).to.equal('<Coroutine named pending>');
      expect(await debuggerClassNameOf(future)).to.equal('Coroutine');
    });
  });

  describe('isCoroutineFunction', () => {
    it('is true for a function made by coroutine', () => {
      expect(isCoroutineFunction(coroutine(function* () {}))).to.equal(true);
    });

    it('is false for the undecorated generator function', () => {
      expect(isCoroutineFunction(function* () {})).to.equal(false);
    });

    it("is false for an async function and for a coroutine's Future", () => {
      expect(isCoroutineFunction(async () => undefined)).to.equal(false);
      expect(isCoroutineFunction(coroutine(function* () {})())).to.equal(false);
    });

    it('is false for values that are not functions', () => {
      expect(isCoroutineFunction(undefined)).to.equal(false);
      expect(isCoroutineFunction({})).to.equal(false);
    });
  });
});

describe('coroutine under genTest', () => {
  it(
    'can yield another coroutine and receive its result',
    genTest(function* () {
      const inner = coroutine(function* () {
        yield moment;
        return 42;
      });
      const result: number = yield inner();
      expect(result).to.equal(42);
    }),
  );

  it(
    'keeps the IOLoop made for the test current at every step',
    genTest(function* () {
      const loop = IOLoop.current();
      yield moment;
      expect(IOLoop.current()).to.equal(loop);
      yield sleep(0);
      expect(IOLoop.current()).to.equal(loop);
    }),
  );
});

/** The class name a debugger (the V8 inspector) shows for `value`. */
function debuggerClassNameOf(value: unknown): Promise<string | undefined> {
  const session = new Session();
  session.connect();
  const key = '__whirlwindInspected';
  (globalThis as Record<string, unknown>)[key] = value;
  return new Promise<string | undefined>((resolve, reject) => {
    session.post('Runtime.evaluate', { expression: `globalThis.${key}` }, (error, reply) => {
      delete (globalThis as Record<string, unknown>)[key];
      session.disconnect();
      if (error !== null) reject(error);
      else resolve(reply.result.className);
    });
  });
}
