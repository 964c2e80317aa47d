import { expect } from 'chai';
import { AsyncLocalStorage } from 'node:async_hooks';
import { EventEmitter, getEventListeners } from 'node:events';
import { setTimeout as sleepWithSignal } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CancelledError, Future, returnFuture } from '../lib/concurrent.js';
import {
  addSignalHandler,
  callbackify,
  coroutine,
  events,
  futureFromCallback,
  futureFromSignal,
  once,
  ReturnValueIgnoredError,
  signalFromFuture,
  sleep,
  Task,
  TimeoutError,
  withTimeout,
} from '../lib/gen.js';
import { IOLoop } from '../lib/ioloop.js';
import { QueueFull } from '../lib/queues.js';
import { ExpectLog, genTest } from '../lib/testing.js';
import { appLog } from '../lib/log.js';
import { captureLog, failureOf, iterations, useFreshLoop } from './support/index.js';

/** A function that hands its callback to the test instead of calling it. */
function callbackCatcher<C extends Function>(): {
  fn: (...args: unknown[]) => void;
  callback: () => C;
  args: unknown[][];
} {
  let caught: C | null = null;
  const args: unknown[][] = [];
  return {
    fn: (...all: unknown[]) => {
      caught = all.pop() as C;
      args.push(all);
    },
    callback: () => caught!,
    args,
  };
}

describe('Task', () => {
  useFreshLoop();

  it('resolves with the single value the Node-style callback gives', async () => {
    const future = Task((a: number, b: number, cb: (e: unknown, sum: number) => void) => cb(null, a + b), 2, 3);
    expect(await future).to.equal(5);
  });

  it('fails with the error the callback gives', async () => {
    const boom = new Error('boom');
    expect(await failureOf(Task((cb: (e: unknown) => void) => cb(boom)))).to.equal(boom);
  });

  it('logs a second call of the callback and keeps the first outcome', async () => {
    const records = await captureLog(async () => {
      const future = Task((cb: (e: unknown, v: number) => void) => {
        cb(null, 1);
        cb(null, 2);
      });
      expect(await future).to.equal(1);
    });
    expect(records.map((r) => r.message)).to.deep.equal([
      'Task: callback of <anonymous> called more than once; ignoring the later call',
    ]);
  });

  it('ignores a callback that comes after the Future was cancelled', async () => {
    const catcher = callbackCatcher<(e: unknown, v: number) => void>();
    const future = Task(catcher.fn);
    future.cancel();
    const records = await captureLog(() => catcher.callback()(null, 1));
    expect(records).to.deep.equal([]);
    expect(future.cancelled()).to.equal(true);
  });

  it('fails with TimeoutError under withTimeout when the callback never comes', async () => {
    const future = withTimeout({ seconds: 0 }, Task(callbackCatcher().fn));
    expect(await failureOf(future)).to.be.instanceOf(TimeoutError);
  });

  it('passes any number of arguments before the callback, in order', () => {
    const catcher = callbackCatcher<(e: unknown) => void>();
    Task(catcher.fn);
    Task(catcher.fn, 'a');
    Task(catcher.fn, 'a', 'b');
    Task(catcher.fn, 'a', 'b', 'c');
    Task(catcher.fn, 'a', 'b', 'c', 'd', 'e');
    expect(catcher.args).to.deep.equal([[], ['a'], ['a', 'b'], ['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e']]);
  });

  it('calls the function without a receiver', () => {
    let receiver: unknown = 'not called';
    Task(function (this: unknown, _cb: () => void) {
      receiver = this;
    });
    expect(receiver).to.equal(undefined);
  });

  it('resolves with undefined when the callback gets only a null error', () => {
    expect(Task((cb: (e: unknown) => void) => cb(null)).result()).to.equal(undefined);
  });

  it('resolves with undefined when the callback gets no arguments at all', () => {
    expect(Task((cb: () => void) => cb()).result()).to.equal(undefined);
  });

  it('resolves with an explicit undefined value itself, not an array', () => {
    expect(Task((cb: (e: unknown, v: unknown) => void) => cb(null, undefined)).result()).to.equal(undefined);
  });

  it('resolves with an array of every value after the error when there are several, undefined ones included', () => {
    const future = Task((cb: (e: unknown, ...v: unknown[]) => void) => cb(undefined, 1, undefined, 3));
    expect(future.result()).to.deep.equal([1, undefined, 3]);
  });

  it('treats any error argument other than null and undefined as a failure, falsy ones included', () => {
    expect(Task((cb: (e: unknown, v: number) => void) => cb(0, 1)).exception()).to.equal(0);
    expect(Task((cb: (e: unknown, v: number) => void) => cb('', 1)).exception()).to.equal('');
    expect(Task((cb: (e: unknown, v: number) => void) => cb(false, 1)).exception()).to.equal(false);
  });

  it('logs an exception thrown after the callback and keeps the value', async () => {
    const records = await captureLog(async () => {
      const future = Task((cb: (e: unknown, v: number) => void) => {
        cb(null, 1);
        throw new Error('late');
      });
      expect(await future).to.equal(1);
    });
    expect(records.map((r) => r.message)).to.deep.equal(['Task: <anonymous> threw after calling its callback']);
  });

  it('logs a callback that comes after the function threw, and keeps the exception', async () => {
    const boom = new Error('boom');
    let callback: ((e: unknown, v: number) => void) | null = null;
    const future = Task(function throwsThenCallsBack(cb: (e: unknown, v: number) => void) {
      callback = cb;
      throw boom;
    });
    const records = await captureLog(() => callback!(null, 1));
    expect(future.exception()).to.equal(boom);
    expect(records.map((r) => r.message)).to.deep.equal([
      'Task: callback of throwsThenCallsBack called more than once; ignoring the later call',
    ]);
  });

  it('resumes each coroutine in its own AsyncLocalStorage context after a callback from another', async () => {
    const storage = new AsyncLocalStorage<string>();
    const catcher = callbackCatcher<(e: unknown, v: string) => void>();
    const seen: string[] = [];
    const waitFor = coroutine(function* (name: string) {
      const value = (yield Task(catcher.fn)) as string;
      seen.push(`${name} got ${value} in ${storage.getStore()}`);
    });
    const a = storage.run('context a', () => waitFor('a'));
    const callbackOfA = catcher.callback();
    const b = storage.run('context b', () => waitFor('b'));
    // Each callback is called from the other coroutine's context.
    storage.run('context b', () => callbackOfA(null, 'one'));
    storage.run('context a', () => catcher.callback()(null, 'two'));
    await Promise.all([a, b]);
    expect(seen).to.deep.equal(['a got one in context a', 'b got two in context b']);
  });

  it('hands the function a callback declaring one parameter, as `(error, ...values) => void` does', () => {
    const catcher = callbackCatcher<(e: unknown) => void>();
    Task(catcher.fn);
    expect(catcher.callback().length).to.equal(1);
  });

  it("keeps each call apart: one Task's callback does not settle another", () => {
    const catcher = callbackCatcher<(e: unknown, v: string) => void>();
    const first = Task(catcher.fn);
    const firstCallback = catcher.callback();
    const second = Task(catcher.fn);
    catcher.callback()(null, 'second');
    expect(first.done()).to.equal(false);
    firstCallback(null, 'first');
    expect([first.result(), second.result()]).to.deep.equal(['first', 'second']);
  });
});

describe('futureFromCallback', () => {
  useFreshLoop();

  it('resolves with the one value of a callback without an error slot', async () => {
    const future: Future<number> = futureFromCallback((n: number, cb: (doubled: number) => void) => cb(n * 2), 21);
    expect(await future).to.equal(42);
  });

  it('resolves with an array for several values and undefined for none', async () => {
    const several = futureFromCallback((cb: (a: string, b: number) => void) => cb('a', 1));
    const none = futureFromCallback((cb: () => void) => cb());
    expect(await several).to.deep.equal(['a', 1]);
    expect(await none).to.equal(undefined);
  });

  it('fails when the function throws before calling back', async () => {
    const boom = new Error('boom');
    const future = futureFromCallback((_cb: () => void) => {
      throw boom;
    });
    expect(await failureOf(future)).to.equal(boom);
  });

  it('logs an exception thrown after the callback and keeps the value', async () => {
    const records = await captureLog(async () => {
      const future = futureFromCallback((cb: (v: number) => void) => {
        cb(1);
        throw new Error('late');
      });
      expect(await future).to.equal(1);
    });
    expect(records.map((r) => r.message)).to.deep.equal([
      'futureFromCallback: <anonymous> threw after calling its callback',
    ]);
  });

  it('logs a second call of the callback and keeps the first value', async () => {
    const records = await captureLog(async () => {
      const future = futureFromCallback(function twice(cb: (v: string) => void) {
        cb('first');
        cb('second');
      });
      expect(await future).to.equal('first');
    });
    expect(records.map((r) => r.message)).to.deep.equal([
      'futureFromCallback: callback of twice called more than once; ignoring the later call',
    ]);
  });

  it('ignores a callback that comes after the Future was cancelled', async () => {
    const catcher = callbackCatcher<(v: number) => void>();
    const future = futureFromCallback(catcher.fn);
    expect(future.cancel()).to.equal(true);
    const records = await captureLog(() => catcher.callback()(1));
    expect(records).to.deep.equal([]);
    expect(future.cancelled()).to.equal(true);
  });

  it('fails with TimeoutError under withTimeout when the callback never comes', async () => {
    const future = withTimeout({ seconds: 0 }, futureFromCallback(callbackCatcher().fn));
    expect(await failureOf(future)).to.be.instanceOf(TimeoutError);
  });

  it('checks the arguments against the parameters before the callback', async () => {
    const double = (n: number, cb: (doubled: number) => void) => cb(n * 2);
    expect(await futureFromCallback(double, 2)).to.equal(4);
    // @ts-expect-error a string where a number goes
    expect(await futureFromCallback(double, 'x')).to.be.NaN;
  });

  it('rejects a non-function, naming what it got', () => {
    expect(() => futureFromCallback(42 as never)).to.throw(TypeError, 'expected a function taking a callback, got 42');
  });
});

describe('callbackify', () => {
  useFreshLoop();

  /** Calls a callbackified function and resolves with the arguments its callback got. */
  function callbackArguments(fn: (...args: any[]) => void, ...args: unknown[]): Promise<unknown[]> {
    return new Promise((resolve) => fn(...args, (...received: unknown[]) => resolve(received)));
  }

  it("passes a coroutine's result to the callback as (null, result)", async () => {
    const double = callbackify(
      coroutine(function* (n: number) {
        yield sleep(0);
        return n * 2;
      }),
    );
    expect(await callbackArguments(double, 21)).to.deep.equal([null, 42]);
  });

  it('never calls the callback synchronously, even for a value that is ready', () => {
    const calls: unknown[] = [];
    callbackify((n: number) => n)(1, (...args: unknown[]) => calls.push(args));
    expect(calls).to.deep.equal([]);
  });

  it("passes a coroutine's exception to the callback as its error", async () => {
    const boom = new Error('boom');
    const failing = callbackify(
      coroutine(function* () {
        yield sleep(0);
        throw boom;
      }),
    );
    expect(await callbackArguments(failing)).to.deep.equal([boom]);
  });

  it('passes a synchronous throw to the callback instead of raising it', async () => {
    const boom = new Error('boom');
    const failing = callbackify(() => {
      throw boom;
    });
    expect(await callbackArguments(failing)).to.deep.equal([boom]);
  });

  it('calls a callback that throws only once, and logs what it threw', async () => {
    let calls = 0;
    await new ExpectLog(appLog, /Exception in callback/).use(async () => {
      callbackify(async () => 1)((_error: unknown) => {
        calls++;
        throw new Error('callback broke');
      });
      await iterations(3);
    });
    expect(calls).to.equal(1);
  });

  it('gives the callback CancelledError when the Future is cancelled', async () => {
    const pending = new Future<number>();
    const received = callbackArguments(callbackify(() => pending));
    pending.cancel();
    const [error] = await received;
    expect(error).to.be.instanceOf(CancelledError);
  });

  it('gives the callback the TimeoutError of a coroutine that timed out', async () => {
    const slow = callbackify(() => withTimeout({ seconds: 0 }, new Future<number>()));
    const [error] = await callbackArguments(slow);
    expect(error).to.be.instanceOf(TimeoutError);
  });

  it('runs a generator function as a coroutine', async () => {
    const viaGenerator = callbackify(function* (n: number) {
      const doubled: number = yield Promise.resolve(n * 2);
      return doubled;
    });
    expect(await callbackArguments(viaGenerator, 4)).to.deep.equal([null, 8]);
  });

  it('types the callback with the outcome of the function', async () => {
    const answer = callbackify(async () => 42);
    const received = await new Promise((resolve) => answer((_error, value: number) => resolve(value)));
    expect(received).to.equal(42);
    // @ts-expect-error the outcome is a number, not a string
    answer((_error: unknown, _value: string) => undefined);
  });

  it('passes `this` through to the wrapped function', async () => {
    const counter = {
      step: 5,
      add: callbackify(function (this: { step: number }, n: number) {
        return n + this.step;
      }),
    };
    expect(await new Promise((resolve) => counter.add(1, (_e, sum) => resolve(sum)))).to.equal(6);
  });

  it('throws a TypeError naming what it got when the last argument is not a callback', () => {
    const fn = callbackify(function lookup(_key: string) {
      return 1;
    }) as (...args: unknown[]) => void;
    expect(() => fn('key', 'not a callback')).to.throw(
      TypeError,
      "lookup (callbackified): expected a callback as the last argument, got 'not a callback'",
    );
  });
});

describe('returnFuture', () => {
  useFreshLoop();

  const add = returnFuture(function add(a: number, b: number, callback: (error: unknown, sum?: number) => void): void {
    IOLoop.current().addCallback(() => callback(null, a + b));
  });

  it('returns a Future of the result when called without a callback', async () => {
    const future: Future<number | undefined> = add(2, 3);
    expect(future).to.be.instanceOf(Future);
    expect(await future).to.equal(5);
  });

  it("still calls a caller's callback with the original values, on a later iteration", async () => {
    const pair = returnFuture((cb: (e: unknown, a?: string, b?: string) => void) => cb(null, 'a', 'b'));
    const received: unknown[][] = [];
    const future = pair((...args: unknown[]) => received.push(args));
    expect(received).to.deep.equal([]);
    expect(await future).to.deep.equal(['a', 'b']);
    await iterations(1);
    expect(received).to.deep.equal([[null, 'a', 'b']]);
  });

  it("fails the Future and gives a caller's callback the error", async () => {
    const boom = new Error('boom');
    const failing = returnFuture((cb: (e: unknown) => void) => cb(boom));
    const received: unknown[][] = [];
    expect(await failureOf(failing((...args: unknown[]) => received.push(args)))).to.equal(boom);
    await iterations(1);
    expect(received).to.deep.equal([[boom]]);
  });

  it('raises a synchronous throw to the caller directly, as Tornado', () => {
    const failing = returnFuture((_cb: (e: unknown) => void) => {
      throw new RangeError('bad input');
    });
    expect(() => failing()).to.throw(RangeError, 'bad input');
  });

  it('raises ReturnValueIgnoredError when the function returns a value', () => {
    const returning = returnFuture(function returning(_cb: (e: unknown) => void) {
      return 1 as unknown as void;
    });
    expect(() => returning()).to.throw(ReturnValueIgnoredError, 'returnFuture: returning returned 1');
  });

  it('logs a second call of the callback and keeps the first outcome', async () => {
    const twice = returnFuture(function twice(cb: (e: unknown, v?: number) => void) {
      cb(null, 1);
      cb(new Error('second'));
    });
    const records = await captureLog(async () => expect(await twice()).to.equal(1));
    expect(records.map((r) => r.message)).to.deep.equal([
      'returnFuture: callback of twice called more than once; ignoring the later call',
    ]);
  });

  it("gives a caller's callback CancelledError when the Future is cancelled, and ignores the late outcome", async () => {
    const catcher = callbackCatcher<(e: unknown, v?: number) => void>();
    const wrapped = returnFuture((cb: (e: unknown, v?: number) => void) => catcher.fn(cb));
    const received: unknown[][] = [];
    const future = wrapped((...args: unknown[]) => received.push(args));
    future.cancel();
    catcher.callback()(null, 7);
    await iterations(2);
    expect(received).to.have.length(1);
    expect(received[0][0]).to.be.instanceOf(CancelledError);
  });

  it('fails with TimeoutError under withTimeout when the callback never comes', async () => {
    const never = returnFuture((_cb: (e: unknown) => void) => undefined);
    expect(await failureOf(withTimeout({ seconds: 0 }, never()))).to.be.instanceOf(TimeoutError);
  });

  it('keeps the parameter types of the wrapped function', async () => {
    expect(await add(1, 1)).to.equal(2);
    // @ts-expect-error a string where a number goes
    expect(() => add('1', 2)).to.not.throw();
  });

  it('rejects a function that declares no callback parameter', () => {
    expect(() => returnFuture(function bare() {} as never)).to.throw(TypeError, 'bare declares no parameters');
  });

  it('rejects a caller-supplied callback that is not a function', () => {
    expect(() => (add as (...args: unknown[]) => unknown)(1, 2, 'nope')).to.throw(
      TypeError,
      "add: expected a callback (or nothing) as argument 3, got 'nope'",
    );
  });
});

describe('once', () => {
  const loop = useFreshLoop();

  it('resolves with the argument of the next event', async () => {
    const emitter = new EventEmitter();
    const next = once<string>(emitter, 'data');
    emitter.emit('data', 'hello');
    expect(await next).to.equal('hello');
  });

  it('resolves with an array for several arguments and the Event for an EventTarget', async () => {
    const emitter = new EventEmitter();
    const target = new EventTarget();
    const several = once(emitter, 'pair');
    const fromTarget = once(target, 'ping');
    emitter.emit('pair', 1, 2);
    target.dispatchEvent(new Event('ping'));
    expect(await several).to.deep.equal([1, 2]);
    expect((await fromTarget).type).to.equal('ping');
  });

  it("fails with the emitter's error event", async () => {
    const emitter = new EventEmitter();
    const next = once(emitter, 'data');
    const boom = new Error('boom');
    emitter.emit('error', boom);
    expect(await failureOf(next)).to.equal(boom);
  });

  it('sees only the first of two emits and removes its listeners at once', async () => {
    const emitter = new EventEmitter();
    const next = once(emitter, 'data');
    emitter.emit('data', 1);
    emitter.emit('data', 2);
    expect(emitter.listenerCount('data') + emitter.listenerCount('error')).to.equal(0);
    expect(await next).to.equal(1);
  });

  it('removes its listeners synchronously when cancelled', () => {
    const emitter = new EventEmitter();
    const next = once(emitter, 'data');
    expect(next.cancel()).to.equal(true);
    expect(emitter.listenerCount('data') + emitter.listenerCount('error')).to.equal(0);
  });

  it('is cancelled when its AbortSignal aborts', async () => {
    const emitter = new EventEmitter();
    const controller = new AbortController();
    const next = once(emitter, 'data', { signal: controller.signal });
    controller.abort(new Error('caller left'));
    expect(next.cancelled()).to.equal(true);
    expect(await failureOf(next))
      .to.be.instanceOf(CancelledError)
      .with.property('message', 'aborted: caller left');
    expect(emitter.listenerCount('data')).to.equal(0);
  });

  it('fails with TimeoutError at its deadline and removes its listeners', async () => {
    const emitter = new EventEmitter();
    const next = once(emitter, 'ready', { timeout: loop().time() });
    const error = await failureOf(next);
    expect(error)
      .to.be.instanceOf(TimeoutError)
      .with.property('message')
      .that.matches(/^Timeout waiting for the ready event: the deadline [\d.]+ on IOLoop\.time\(\) passed$/);
    expect(emitter.listenerCount('ready')).to.equal(0);
  });

  it('rejects a timeout that is neither a deadline nor a duration, leaving no listener', () => {
    const emitter = new EventEmitter();
    expect(() => once(emitter, 'ready', { timeout: 'soon' as never })).to.throw(
      TypeError,
      "once: timeout must be an absolute deadline (number) or { seconds?, milliseconds? }, got 'soon'",
    );
    expect(emitter.listenerCount('ready')).to.equal(0);
  });

  it('resolves when the process receives a POSIX signal', async () => {
    const received = once(process, 'SIGUSR2');
    process.kill(process.pid, 'SIGUSR2');
    // Node emits (name, number) for a signal: two arguments, so an array.
    expect((await received)[0]).to.equal('SIGUSR2');
  });

  it('rejects a signal that is not an AbortSignal with a TypeError naming it, leaving no listener', () => {
    const emitter = new EventEmitter();
    expect(() => once(emitter, 'ready', { signal: {} as never })).to.throw(
      TypeError,
      'once: signal must be an AbortSignal, got {}',
    );
    expect(emitter.listenerCount('ready')).to.equal(0);
    expect(emitter.listenerCount('error')).to.equal(0);
  });

  it('rejects something that is not an emitter, naming it', () => {
    expect(() => once(42 as never, 'x')).to.throw(TypeError, 'once: expected an EventEmitter or EventTarget, got 42');
  });
});

describe('events', () => {
  useFreshLoop();

  it('yields each event in order, including ones emitted before reading', async () => {
    const emitter = new EventEmitter();
    const stream = events<number>(emitter, 'n', { close: 'end' });
    emitter.emit('n', 1);
    emitter.emit('n', 2);
    setImmediate(() => {
      emitter.emit('n', 3);
      emitter.emit('end');
    });
    const seen: number[] = [];
    for await (const n of stream) seen.push(n);
    expect(seen).to.deep.equal([1, 2, 3]);
    expect(emitter.listenerCount('n')).to.equal(0);
  });

  it('ends with the error event after the buffered events', async () => {
    const emitter = new EventEmitter();
    const stream = events(emitter, 'n');
    const boom = new Error('boom');
    emitter.emit('n', 1);
    emitter.emit('error', boom);
    expect(await stream.next()).to.deep.equal({ value: 1, done: false });
    expect(await failureOf(stream.next())).to.equal(boom);
    expect(await stream.next()).to.deep.equal({ value: undefined, done: true });
  });

  it("ends with QueueFull after the buffered events when the 'error' policy overflows", async () => {
    const emitter = new EventEmitter();
    const stream = events(emitter, 'n', { maxsize: 2 });
    for (const n of [1, 2, 3, 4]) emitter.emit('n', n);
    expect((await stream.next()).value).to.equal(1);
    expect((await stream.next()).value).to.equal(2);
    expect(await failureOf(stream.next())).to.be.instanceOf(QueueFull);
    expect(emitter.listenerCount('n')).to.equal(0);
  });

  it("keeps the newest events with 'dropOldest' and the oldest with 'dropNewest'", async () => {
    const emitter = new EventEmitter();
    const newest = events(emitter, 'n', { maxsize: 2, overflow: 'dropOldest', close: 'end' });
    const oldest = events(emitter, 'n', { maxsize: 2, overflow: 'dropNewest', close: 'end' });
    for (const n of [1, 2, 3, 4]) emitter.emit('n', n);
    emitter.emit('end');
    const drain = async (stream: AsyncIterable<number>) => {
      const seen: number[] = [];
      for await (const n of stream) seen.push(n);
      return seen;
    };
    expect(await drain(newest)).to.deep.equal([3, 4]);
    expect(await drain(oldest)).to.deep.equal([1, 2]);
  });

  it('removes its listeners when the consumer breaks out, and ends a read still waiting', async () => {
    const emitter = new EventEmitter();
    const stream = events(emitter, 'n');
    const pending = stream.next();
    await stream.return!();
    expect(emitter.listenerCount('n') + emitter.listenerCount('error')).to.equal(0);
    emitter.emit('n', 1);
    expect(await pending).to.deep.equal({ value: undefined, done: true });
    expect(await stream.next()).to.deep.equal({ value: undefined, done: true });
  });

  it('ends a waiting read with CancelledError when its AbortSignal aborts', async () => {
    const emitter = new EventEmitter();
    const controller = new AbortController();
    const stream = events(emitter, 'n', { signal: controller.signal });
    const pending = stream.next();
    controller.abort('shutting down');
    expect(await failureOf(pending))
      .to.be.instanceOf(CancelledError)
      .with.property('cause', 'shutting down');
  });

  it('ends with CancelledError caused by the TimeoutError of AbortSignal.timeout', async () => {
    const stream = events(new EventEmitter(), 'n', { signal: AbortSignal.timeout(1) });
    const error = await failureOf(stream.next());
    expect(error).to.be.instanceOf(CancelledError);
    expect((error as CancelledError).cause).to.have.property('name', 'TimeoutError');
  });

  it('rejects a signal that is not an AbortSignal, or a close that is not event names, leaving no listener', () => {
    const emitter = new EventEmitter();
    expect(() => events(emitter, 'n', { signal: 'stop' as never })).to.throw(
      TypeError,
      "events: signal must be an AbortSignal, got 'stop'",
    );
    expect(() => events(emitter, 'n', { close: 5 as never })).to.throw(
      TypeError,
      'events: close must be an event name or an array of them, got 5',
    );
    expect(emitter.listenerCount('n')).to.equal(0);
    expect(emitter.listenerCount('error')).to.equal(0);
  });

  it('rejects an unknown overflow policy, naming it', () => {
    expect(() => events(new EventEmitter(), 'n', { overflow: 'block' as never })).to.throw(
      TypeError,
      "overflow must be 'error', 'dropOldest' or 'dropNewest', got 'block'",
    );
  });
});

describe('futureFromSignal', () => {
  useFreshLoop();

  it('resolves with the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const aborted = futureFromSignal(controller.signal);
    expect(aborted.done()).to.equal(false);
    controller.abort('stop');
    expect(await aborted).to.equal('stop');
  });

  it('is already done for a signal that has aborted', () => {
    expect(futureFromSignal(AbortSignal.abort('early')).result()).to.equal('early');
  });

  it('keeps the first reason when abort is called twice', async () => {
    const controller = new AbortController();
    const aborted = futureFromSignal(controller.signal);
    controller.abort('first');
    controller.abort('second');
    expect(await aborted).to.equal('first');
  });

  it('removes its listener from the signal when cancelled', () => {
    const controller = new AbortController();
    const aborted = futureFromSignal(controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(1);
    aborted.cancel();
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
  });

  it('resolves with the TimeoutError reason of AbortSignal.timeout', async () => {
    expect(await futureFromSignal(AbortSignal.timeout(1))).to.have.property('name', 'TimeoutError');
  });

  it('rejects something that is not an AbortSignal, naming it', () => {
    expect(() => futureFromSignal({} as never)).to.throw(TypeError, 'expected an AbortSignal, got {}');
  });
});

describe('signalFromFuture', () => {
  const loop = useFreshLoop();

  it('aborts with the CancelledError when the Future is cancelled', async () => {
    const future = new Future<number>();
    const signal = signalFromFuture(future);
    future.cancel('no longer needed');
    await iterations(1);
    expect(signal.aborted).to.equal(true);
    expect(signal.reason).to.be.instanceOf(CancelledError).with.property('message', 'no longer needed');
  });

  it('is aborted at once for a Future that is already cancelled', () => {
    const future = new Future<number>();
    future.cancel();
    expect(signalFromFuture(future).aborted).to.equal(true);
  });

  it('never aborts when the Future succeeds or fails', async () => {
    const succeeded = new Future<number>();
    const failed = new Future<number>();
    const signals = [signalFromFuture(succeeded), signalFromFuture(failed)];
    succeeded.setResult(1);
    failed.setException(new Error('boom'));
    failed.exception();
    await iterations(2);
    expect(signals.map((s) => s.aborted)).to.deep.equal([false, false]);
  });

  it("aborts a platform timer when runSync's timeout cancels the coroutine waiting on it", async () => {
    let timerError: unknown = null;
    const waitForever = coroutine(function* () {
      const wait = new Future<void>();
      sleepWithSignal(60_000, undefined, { signal: signalFromFuture(wait) }).then(
        () => wait.setResult(undefined),
        (error) => {
          timerError = error;
        },
      );
      yield wait;
    });
    const error = await failureOf(loop().runSync(waitForever, { timeout: 0.01 }));
    expect(error).to.be.instanceOf(TimeoutError);
    await new Promise((resolve) => setImmediate(resolve));
    expect(timerError).to.have.property('name', 'AbortError');
  });
});

describe('addSignalHandler', () => {
  useFreshLoop();

  it('runs the handler on the loop when the process receives the signal', async () => {
    const received = new Future<string>();
    const remove = addSignalHandler('SIGUSR2', (signal) => received.setResult(signal));
    try {
      process.kill(process.pid, 'SIGUSR2');
      expect(await received).to.equal('SIGUSR2');
    } finally {
      remove();
    }
  });

  it('logs an exception from the handler instead of crashing', async () => {
    const remove = addSignalHandler('SIGUSR2', () => {
      throw new Error('handler broke');
    });
    try {
      await new ExpectLog(appLog, /Exception in callback/).use(async () => {
        const delivered = once(process, 'SIGUSR2');
        process.kill(process.pid, 'SIGUSR2');
        await delivered;
        await iterations(2);
      });
    } finally {
      remove();
    }
  });

  it('stops handling the signal once removed', () => {
    const before = process.listenerCount('SIGUSR2');
    const remove = addSignalHandler('SIGUSR2', () => undefined);
    expect(process.listenerCount('SIGUSR2')).to.equal(before + 1);
    remove();
    expect(process.listenerCount('SIGUSR2')).to.equal(before);
  });

  it('rejects a name that is not a signal, naming it', () => {
    expect(() => addSignalHandler('HUP' as never, () => undefined)).to.throw(TypeError, "got 'HUP'");
  });
});

describe('util.promisify output', () => {
  it(
    'can be yielded in a coroutine',
    genTest(function* () {
      const delayed = promisify((value: string, cb: (e: unknown, v: string) => void) => setImmediate(cb, null, value));
      const value: string = yield delayed('ok');
      expect(value).to.equal('ok');
    }),
  );
});
