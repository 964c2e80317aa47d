import { AsyncLocalStorage } from 'node:async_hooks';
import { expect } from 'chai';
import {
  CancelledError,
  chainFuture,
  Future,
  futureAddDoneCallback,
  futureSetExceptionUnlessCancelled,
  futureSetResultUnlessCancelled,
  InvalidStateError,
  isFuture,
} from '../lib/concurrent.js';
import { coroutine } from '../lib/gen.js';
import { appLog, formatRecord, type LogRecord } from '../lib/log.js';
import {
  captureLog,
  iterations,
  rejected,
  rejectedLater,
  rejectionOf,
  resolved,
  resolvedLater,
  thrownBy,
  useFreshLoop,
} from './support/index.js';

describe('Future', () => {
  const loop = useFreshLoop();

  describe('state', () => {
    it('starts pending and not cancelled', () => {
      const future = new Future<number>();
      expect(future.done()).to.equal(false);
      expect(future.cancelled()).to.equal(false);
    });

    it('is done with its result synchronously after setResult', () => {
      const future = new Future<number>();
      future.setResult(42);
      expect(future.done()).to.equal(true);
      expect(future.result()).to.equal(42);
      expect(future.exception()).to.equal(null);
    });

    it('throws the exception from result() and returns it from exception() after setException', () => {
      const error = new RangeError('boom');
      const future = new Future<number>();
      future.setException(error);
      expect(future.done()).to.equal(true);
      expect(thrownBy(() => future.result())).to.equal(error);
      expect(future.exception()).to.equal(error);
    });

    it('throws InvalidStateError from result() and exception() while pending', () => {
      const future = new Future<number>();
      for (const read of [() => future.result(), () => future.exception()]) {
        const error = thrownBy(read);
        expect(error).to.be.instanceOf(InvalidStateError);
        expect((error as Error).message).to.match(/pending Future/);
      }
    });

    it('throws InvalidStateError on a second setResult or setException, keeping the first outcome', () => {
      const future = new Future<string>();
      future.setResult('first');
      const again = thrownBy(() => future.setResult('second'));
      expect(again).to.be.instanceOf(InvalidStateError);
      expect((again as Error).message).to.equal('setResult() called on a Future that is already finished');
      expect(thrownBy(() => future.setException(new Error('late')))).to.be.instanceOf(InvalidStateError);
      expect(future.result()).to.equal('first');
    });

    it('names its error classes after themselves and extends Error', () => {
      expect(new InvalidStateError('x').name).to.equal('InvalidStateError');
      expect(new CancelledError().name).to.equal('CancelledError');
      expect(new CancelledError()).to.be.instanceOf(Error);
    });

    it('describes its state in toString', () => {
      const future = new Future<number>();
      expect(String(future)).to.equal('<Future pending>');
      future.setResult(7);
      expect(String(future)).to.equal('<Future finished result=7>');
      expect(String(rejected(new Error('bad')))).to.match(/^<Future finished exception=.*bad/);
    });

    it('is recognised by isFuture, unlike a Promise or a thenable', () => {
      expect(isFuture(new Future())).to.equal(true);
      expect(isFuture(Promise.resolve(1))).to.equal(false);
      expect(isFuture({ then() {} })).to.equal(false);
      expect(isFuture(null)).to.equal(false);
    });
  });

  describe('done callbacks', () => {
    it("runs each callback in the AsyncLocalStorage context it was added in, not another one's", async () => {
      const storage = new AsyncLocalStorage<string>();
      const seen: string[] = [];
      const future = new Future<number>();
      storage.run('A', () => future.addDoneCallback(() => seen.push(`a:${storage.getStore()}`)));
      future.addDoneCallback(() => seen.push(`outside:${storage.getStore()}`));
      storage.run('B', () => future.addDoneCallback(() => seen.push(`b:${storage.getStore()}`)));
      storage.run('C', () => future.setResult(1));
      await iterations(1);
      expect(seen).to.deep.equal(['a:A', 'outside:undefined', 'b:B']);
    });

    it('never runs a done callback inside setResult', () => {
      const future = new Future<number>();
      const calls: number[] = [];
      future.addDoneCallback((f) => calls.push(f.result()));
      future.setResult(1);
      expect(calls).to.deep.equal([]);
    });

    it('runs done callbacks on the next loop iteration, in the order they were added', async () => {
      const future = new Future<string>();
      const calls: string[] = [];
      future.addDoneCallback(() => calls.push('first'));
      future.addDoneCallback(() => calls.push('second'));
      future.addDoneCallback(() => calls.push('third'));
      future.setResult('x');
      const before = loop().iteration;
      await iterations(1);
      expect(calls).to.deep.equal(['first', 'second', 'third']);
      expect(loop().iteration).to.equal(before + 1);
    });

    it('passes the future itself to its done callbacks', async () => {
      const future = new Future<number>();
      let seen: Future<number> | null = null;
      future.addDoneCallback((f) => (seen = f));
      future.setResult(3);
      await iterations(1);
      expect(seen).to.equal(future);
    });

    it('runs a callback added after completion on a later iteration, never synchronously', async () => {
      const future = resolved(5);
      const calls: number[] = [];
      future.addDoneCallback((f) => calls.push(f.result()));
      expect(calls).to.deep.equal([]);
      await iterations(1);
      expect(calls).to.deep.equal([5]);
    });

    it('queues done callbacks behind loop callbacks added before completion (one FIFO queue)', async () => {
      const order: string[] = [];
      const future = new Future<void>();
      future.addDoneCallback(() => order.push('done callback'));
      loop().addCallback(() => order.push('callback before'));
      future.setResult();
      loop().addCallback(() => order.push('callback after'));
      await iterations(1);
      expect(order).to.deep.equal(['callback before', 'done callback', 'callback after']);
    });

    it('runs the callbacks of futures settled in turn future by future, each in the order added, around loop callbacks', async () => {
      const order: string[] = [];
      const first = new Future<void>();
      const second = new Future<void>();
      first.addDoneCallback(() => order.push('first 1'));
      first.addDoneCallback(() => order.push('first 2'));
      second.addDoneCallback(() => order.push('second 1'));
      second.addDoneCallback(() => order.push('second 2'));
      second.setResult();
      loop().addCallback(() => order.push('callback'));
      first.setResult();
      await iterations(1);
      expect(order).to.deep.equal(['second 1', 'second 2', 'callback', 'first 1', 'first 2']);
    });

    it('drops the remaining done callbacks when one of them closes the loop', async () => {
      const future = new Future<void>();
      const calls: string[] = [];
      future.addDoneCallback(() => calls.push('before'));
      future.addDoneCallback(() => loop().close());
      future.addDoneCallback(() => calls.push('dropped'));
      future.setResult();
      loop().addCallback(() => calls.push('dropped too'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(calls).to.deep.equal(['before']);
    });

    it('queues a callback added to a done future behind earlier ones', async () => {
      const order: string[] = [];
      const future = resolved('v');
      loop().addCallback(() => order.push('a'));
      future.addDoneCallback(() => order.push('b'));
      loop().addCallback(() => order.push('c'));
      await iterations(1);
      expect(order).to.deep.equal(['a', 'b', 'c']);
    });

    it('removes every registration of a callback and returns how many it removed', async () => {
      const future = new Future<void>();
      const calls: string[] = [];
      const removed = () => calls.push('removed');
      const kept = () => calls.push('kept');
      future.addDoneCallback(removed);
      future.addDoneCallback(kept);
      future.addDoneCallback(removed);
      expect(future.removeDoneCallback(removed)).to.equal(2);
      expect(future.removeDoneCallback(removed)).to.equal(0);
      future.setResult();
      await iterations(1);
      expect(calls).to.deep.equal(['kept']);
    });

    it('removes a lone callback, and returns 0 for one never added', () => {
      const future = new Future<void>();
      const callback = () => {};
      expect(future.removeDoneCallback(callback)).to.equal(0);
      future.addDoneCallback(callback);
      expect(future.removeDoneCallback(() => {})).to.equal(0);
      expect(future.removeDoneCallback(callback)).to.equal(1);
    });

    it('rejects a done callback that is not a function with a TypeError naming it', () => {
      const error = thrownBy(() => new Future().addDoneCallback(42 as never));
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.equal('addDoneCallback: expected a function, got 42');
    });

    it('logs an exception thrown by a done callback and still runs the next one', async () => {
      const future = new Future<void>();
      const calls: string[] = [];
      future.addDoneCallback(() => {
        throw new Error('callback failed');
      });
      future.addDoneCallback(() => calls.push('next'));
      const records = await captureLog(async () => {
        future.setResult();
        await iterations(1);
      });
      expect(calls).to.deep.equal(['next']);
      expect(records.map((r) => r.message)).to.deep.equal(['Exception in callback <anonymous>']);
      expect((records[0].error as Error).message).to.equal('callback failed');
    });
  });

  describe('cancel', () => {
    it('makes a pending future done and cancelled, and result() throws CancelledError', () => {
      const future = new Future<number>();
      expect(future.cancel()).to.equal(true);
      expect(future.done()).to.equal(true);
      expect(future.cancelled()).to.equal(true);
      expect(thrownBy(() => future.result())).to.be.instanceOf(CancelledError);
      expect(thrownBy(() => future.exception())).to.be.instanceOf(CancelledError);
    });

    it('keeps the cancel message in the CancelledError', () => {
      const future = new Future<number>();
      future.cancel('no longer needed');
      expect((thrownBy(() => future.result()) as Error).message).to.equal('no longer needed');
    });

    it('returns false and changes nothing on a future that is already done', () => {
      const future = resolved(1);
      expect(future.cancel()).to.equal(false);
      expect(future.cancelled()).to.equal(false);
      expect(future.result()).to.equal(1);
      const cancelled = new Future<number>();
      cancelled.cancel();
      expect(cancelled.cancel()).to.equal(false);
    });

    it('runs done callbacks of a cancelled future', async () => {
      const future = new Future<number>();
      const seen: boolean[] = [];
      future.addDoneCallback((f) => seen.push(f.cancelled()));
      future.cancel();
      await iterations(1);
      expect(seen).to.deep.equal([true]);
    });

    it('refuses setResult on a cancelled future with InvalidStateError', () => {
      const future = new Future<number>();
      future.cancel();
      const error = thrownBy(() => future.setResult(1));
      expect(error).to.be.instanceOf(InvalidStateError);
      expect((error as Error).message).to.match(/already cancelled/);
    });
  });

  describe('then / await', () => {
    it('resolves await with the result', async () => {
      const future = new Future<string>();
      loop().addCallback(() => future.setResult('hello'));
      expect(await future).to.equal('hello');
    });

    it('rejects await with the exception', async () => {
      const error = new Error('nope');
      const future = new Future<string>();
      loop().addCallback(() => future.setException(error));
      let caught: unknown;
      try {
        await future;
      } catch (e) {
        caught = e;
      }
      expect(caught).to.equal(error);
    });

    it('rejects await of a cancelled future with its CancelledError', async () => {
      const future = new Future<string>();
      future.cancel('stop');
      const caught = await future.then(
        () => null,
        (e: unknown) => e,
      );
      expect(caught).to.be.instanceOf(CancelledError);
      expect((caught as Error).message).to.equal('stop');
    });

    it('settles then() through the loop queue, after done callbacks added earlier', async () => {
      const order: string[] = [];
      const future = new Future<number>();
      future.addDoneCallback(() => order.push('done callback'));
      const awaited = future.then(() => order.push('then'));
      future.setResult(1);
      await awaited;
      expect(order).to.deep.equal(['done callback', 'then']);
    });

    it('supports catch and finally as a Promise does', async () => {
      const future = rejected<number>(new Error('caught'));
      const steps: string[] = [];
      const value = await future
        .catch((e: unknown) => {
          steps.push((e as Error).message);
          return 0;
        })
        .finally(() => steps.push('finally'));
      expect(value).to.equal(0);
      expect(steps).to.deep.equal(['caught', 'finally']);
      await resolved(1).finally(() => steps.push('finally again'));
      expect(steps).to.deep.equal(['caught', 'finally', 'finally again']);
    });

    it('runs a then() handler in the AsyncLocalStorage context of the then() call, not of setResult', async () => {
      const storage = new AsyncLocalStorage<string>();
      const future = new Future<number>();
      const seen = storage.run('then', () => future.then(() => storage.getStore()));
      storage.run('setResult', () => future.setResult(1));
      expect(await seen).to.equal('then');
    });

    it('never calls a then() handler from inside then(), even on a done Future', async () => {
      const future = resolved(1);
      const calls: string[] = [];
      const settled = future.then(() => calls.push('handler'));
      calls.push('then returned');
      await settled;
      expect(calls).to.deep.equal(['then returned', 'handler']);
    });

    it("gives each then() its own promise: one handler's throw rejects that promise only", async () => {
      const future = new Future<number>();
      const error = new Error('from the first handler');
      const first = future.then(() => {
        throw error;
      });
      const second = future.then((value) => value + 1);
      future.setResult(1);
      expect(await rejectionOf(first)).to.equal(error);
      expect(await second).to.equal(2);
    });

    it('passes the value, or the failure, through a then() that has no handler for it', async () => {
      const error = new Error('passed through');
      const value = await resolvedLater(5).then(null, () => 'not called');
      const failure = await rejectionOf(rejectedLater(error).then(() => 'not called'));
      expect(value).to.equal(5);
      expect(failure).to.equal(error);
    });

    it('adopts a promise or thenable that a then() handler returns, as Promise.prototype.then does', async () => {
      const future = resolvedLater(1);
      // Settles synchronously inside its then, as a foreign promise library's may.
      const thenable = { then: (resolve: (value: string) => void) => resolve('from a thenable') };
      const adopted = await future.then(() => thenable as unknown as PromiseLike<string>);
      const fromPromise = await future.then(() => Promise.resolve('from a promise'));
      expect(adopted).to.equal('from a thenable');
      expect(fromPromise).to.equal('from a promise');
    });

    it('hands itself to a coroutine once through yield*, then returns the value sent back', () => {
      const future = resolved(9);
      const iterator = future[Symbol.iterator]();
      expect(iterator.next()).to.deep.equal({ value: future, done: false });
      expect(iterator.next(9)).to.deep.equal({ value: 9, done: true });
    });
  });
});

describe('chainFuture', () => {
  const loop = useFreshLoop();

  it('rejects a target that is not a Future with a TypeError naming it, before anything is chained', () => {
    const source = new Future<number>();
    const error = thrownBy(() => chainFuture(source, 5 as never));
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.equal('chainFuture: expected a Future as the target, got 5');
  });

  it("copies the source's result to the target", async () => {
    const source = new Future<number>();
    const target = new Future<number>();
    chainFuture(source, target);
    source.setResult(42);
    expect(await target).to.equal(42);
  });

  it("copies the source's exception to the target", async () => {
    const error = new Error('copied');
    const source = new Future<number>();
    const target = new Future<number>();
    chainFuture(source, target);
    source.setException(error);
    await iterations(1);
    expect(target.exception()).to.equal(error);
  });

  it('cancels the target when the source is cancelled', async () => {
    const source = new Future<number>();
    const target = new Future<number>();
    chainFuture(source, target);
    source.cancel();
    await iterations(1);
    expect(target.cancelled()).to.equal(true);
  });

  it('copies at once when the source is already done', () => {
    const target = new Future<number>();
    chainFuture(resolved(3), target);
    expect(target.result()).to.equal(3);
  });

  it('chains through several futures', async () => {
    const first = new Future<number>();
    const second = new Future<number>();
    const third = new Future<number>();
    chainFuture(first, second);
    chainFuture(second, third);
    first.setResult(42);
    expect(await third).to.equal(42);
  });

  it("copies a Promise's value or rejection", async () => {
    const fromResolved = new Future<string>();
    chainFuture(Promise.resolve('from a promise'), fromResolved);
    expect(await fromResolved).to.equal('from a promise');
    const error = new Error('promise failed');
    const fromRejected = new Future<string>();
    chainFuture(Promise.reject(error), fromRejected);
    await fromRejected.catch(() => undefined);
    expect(fromRejected.exception()).to.equal(error);
  });

  it('leaves a target that was cancelled meanwhile alone, without raising or logging', async () => {
    const source = new Future<number>();
    const target = new Future<number>();
    chainFuture(source, target);
    target.cancel();
    const records = await captureLog(async () => {
      source.setException(new Error('late failure'));
      await iterations(2);
    });
    expect(target.cancelled()).to.equal(true);
    expect(records).to.deep.equal([]);
    const fromPromise = new Future<number>();
    chainFuture(Promise.resolve(1), fromPromise);
    fromPromise.cancel();
    await Promise.resolve();
    expect(fromPromise.cancelled()).to.equal(true);
    expect(loop().isClosed()).to.equal(false);
  });

  it('rejects a source that is neither a Future nor a thenable with a TypeError naming it', () => {
    const error = thrownBy(() => chainFuture(42 as never, new Future()));
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.equal('chainFuture: expected a Future or thenable as the source, got 42');
  });
});

describe('futureSetResultUnlessCancelled', () => {
  useFreshLoop();

  it('sets the result of a pending future', () => {
    const future = new Future<number>();
    futureSetResultUnlessCancelled(future, 42);
    expect(future.result()).to.equal(42);
    expect(future.cancelled()).to.equal(false);
  });

  it('leaves a cancelled future cancelled, without raising', () => {
    const future = new Future<number>();
    future.cancel();
    futureSetResultUnlessCancelled(future, 42);
    expect(future.cancelled()).to.equal(true);
  });
});

describe('futureSetExceptionUnlessCancelled', () => {
  useFreshLoop();

  it('sets the exception of a pending future', () => {
    const error = new Error('failed');
    const future = new Future<number>();
    futureSetExceptionUnlessCancelled(future, error);
    expect(future.exception()).to.equal(error);
  });

  it('logs "Exception after Future was cancelled" with the error when the future was cancelled', async () => {
    const error = new Error('too late');
    const future = new Future<number>();
    future.cancel();
    const records = await captureLog(() => futureSetExceptionUnlessCancelled(future, error));
    expect(records.map((r) => r.message)).to.deep.equal(['Exception after Future was cancelled']);
    expect(records[0].error).to.equal(error);
    expect(future.cancelled()).to.equal(true);
  });
});

describe('futureAddDoneCallback', () => {
  useFreshLoop();

  it('runs the callback synchronously when the future is already done', () => {
    const calls: number[] = [];
    futureAddDoneCallback(resolved(1), (f) => calls.push(f.result()));
    expect(calls).to.deep.equal([1]);
  });

  it('runs the callback on a later iteration when the future completes later', async () => {
    const future = new Future<number>();
    const calls: number[] = [];
    futureAddDoneCallback(future, (f) => calls.push(f.result()));
    future.setResult(2);
    expect(calls).to.deep.equal([]);
    await iterations(1);
    expect(calls).to.deep.equal([2]);
  });

  it('rejects a callback that is not a function with a TypeError naming it, even for a done future', () => {
    const error = thrownBy(() => futureAddDoneCallback(resolved(1), 5 as never));
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.equal('futureAddDoneCallback: expected a function, got 5');
  });

  it('rejects something that is not a Future with a TypeError naming it', () => {
    const error = thrownBy(() => futureAddDoneCallback(Promise.resolve() as never, () => {}));
    expect(error).to.be.instanceOf(TypeError);
    expect((error as Error).message).to.equal('futureAddDoneCallback: expected a Future, got Promise { undefined }');
  });
});

describe('a failed Future whose exception is never retrieved', () => {
  useFreshLoop();

  const NEVER_RETRIEVED = 'Future exception was never retrieved';
  let records: LogRecord[];
  let restoreHandlers: () => void;
  beforeEach(() => {
    records = [];
    restoreHandlers = appLog.replaceHandlers([(record) => records.push(record)]);
  });
  afterEach(() => restoreHandlers());

  // Kept out of line so that no reference to the future survives on the test's stack.
  function abandonFailedFuture(error: Error, observe: (future: Future<never>) => unknown = () => {}): unknown {
    const future = new Future<never>();
    future.setException(error);
    return observe(future);
  }

  function abandonCancelledFuture(): void {
    new Future<never>().cancel();
  }

  function loggedFor(error: Error): string[] {
    return records.filter((r) => r.error === error).map((r) => r.message);
  }

  /** Collects garbage and gives the FinalizationRegistry a few turns, until `error` is logged. */
  async function collectUntilLogged(error: Error): Promise<void> {
    for (let round = 0; round < 30 && loggedFor(error).length === 0; round++) {
      globalThis.gc!();
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  }

  /**
   * Abandons a failed future after `observe` looked at it, then a control
   * future nobody looks at: once the control is logged, GC has run, so
   * silence about the observed one means something.
   */
  async function loggedAfterObserving(observe: (future: Future<never>) => unknown): Promise<string[]> {
    const observed = new Error('observed');
    const control = new Error('control');
    await abandonFailedFuture(observed, observe);
    await iterations(2); // let queued done callbacks run and release the future
    abandonFailedFuture(control);
    await collectUntilLogged(control);
    expect(loggedFor(control), 'the control future was never collected').to.deep.equal([NEVER_RETRIEVED]);
    return loggedFor(observed);
  }

  it('is logged with its stack when garbage-collected', async () => {
    const error = new Error('nobody looked');
    abandonFailedFuture(error);
    await collectUntilLogged(error);
    expect(loggedFor(error)).to.deep.equal([NEVER_RETRIEVED]);
    const record = records.find((r) => r.error === error)!;
    expect(formatRecord(record)).to.contain(error.stack);
  });

  it('is logged for a failed coroutine whose Future nobody looks at', async () => {
    let error: Error | null = null;
    const failing = coroutine(function* () {
      yield iterations(1);
      // Made inside the generator: its stack frames include the runner, i.e. the Future itself.
      error = new Error('coroutine failed');
      throw error;
    });
    failing();
    await iterations(3);
    await collectUntilLogged(error!);
    expect(loggedFor(error!)).to.deep.equal([NEVER_RETRIEVED]);
  });

  it('is not logged once result() was called', async () => {
    expect(await loggedAfterObserving((f) => thrownBy(() => f.result()))).to.deep.equal([]);
  });

  it('is not logged when result() is called turns after the failure', async () => {
    const lateLook = async (f: Future<never>) => {
      await iterations(3);
      return thrownBy(() => f.result());
    };
    expect(await loggedAfterObserving(lateLook)).to.deep.equal([]);
  });

  it('is not logged once exception() was called', async () => {
    expect(await loggedAfterObserving((f) => f.exception())).to.deep.equal([]);
  });

  it('is not logged once awaited', async () => {
    expect(await loggedAfterObserving((f) => f.then(null, () => 'handled'))).to.deep.equal([]);
  });

  it('is not watched (its stack never formatted) when an async function awaits it as the call returns it', async () => {
    // `await` calls a Future's then() a microtask after the call: the check for
    // unretrieved failures must not run before it (it formats the stack).
    let stackReads = 0;
    const error = new Error('awaited at once');
    const stack = error.stack;
    Object.defineProperty(error, 'stack', {
      get: () => {
        stackReads++;
        return stack;
      },
    });
    const failing = coroutine(function* () {
      throw error;
    });
    let caught: unknown;
    try {
      await failing();
    } catch (e) {
      caught = e;
    }
    await iterations(2);
    expect(caught).to.equal(error);
    expect(stackReads).to.equal(0);
  });

  it('is not logged once a done callback was added, before or after it failed', async () => {
    expect(await loggedAfterObserving((f) => f.addDoneCallback(() => {}))).to.deep.equal([]);
    const before = new Error('callback added first');
    const future = new Future<never>();
    future.addDoneCallback(() => {});
    future.setException(before);
    expect(loggedFor(before)).to.deep.equal([]);
  });

  it('is not logged once handed to futureAddDoneCallback', async () => {
    expect(await loggedAfterObserving((f) => futureAddDoneCallback(f, () => {}))).to.deep.equal([]);
  });

  it('is not logged once a coroutine yielded it', async () => {
    const consume = coroutine(function* (future: Future<never>) {
      try {
        yield future;
      } catch {
        return 'caught';
      }
    });
    expect(await loggedAfterObserving((f) => consume(f))).to.deep.equal([]);
  });

  it('is not logged when it was cancelled rather than failed', async () => {
    const control = new Error('control');
    abandonCancelledFuture();
    abandonFailedFuture(control);
    await collectUntilLogged(control);
    expect(records.map((r) => r.message)).to.deep.equal([NEVER_RETRIEVED]);
  });
});
