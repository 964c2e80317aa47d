/**
 * Bridges between Futures and the other shapes an asynchronous interface
 * takes: plain callbacks, callback registries (event emitters, POSIX
 * signals) and the platform's `AbortSignal`. Each converts one way and has
 * a partner for the other (`gen.Task` and `concurrent.returnFuture` cover
 * Node-style `(error, ...values)` callbacks):
 *
 * | shape | to a Future | from a Future |
 * |---|---|---|
 * | `(error, ...values)` callback | `Task` | `callbackify` |
 * | `(...values)` callback, no error slot | `futureFromCallback` | `future.addDoneCallback` |
 * | event emitter / EventTarget | `once`, `events` | `emitter.emit` in a done callback |
 * | POSIX signal | `once(process, 'SIGHUP')` | `addSignalHandler` (callback on the loop) |
 * | `AbortSignal` | `futureFromSignal` | `signalFromFuture` |
 *
 * Every Future made here follows one rule for callback values (none →
 * `undefined`, one → that value, several → an array), ignores and logs a
 * second call of a callback, and lets go of its listeners the moment it is
 * cancelled.
 * @module
 */
import { onSignal as listenForSignal } from '#platform';
import { CancelledError, Future, isFuture } from '../concurrent/future.js';
import { IOLoop, type TimeoutHandle } from '../ioloop.js';
import { futureWithCancelHook } from '../internal/cancel-hook.js';
import { checkFunction, checkOptions, refuse } from '../internal/arguments.js';
import { describeFunction, describeName, describeValue, isRevokedProxy } from '../internal/describe-safely.js';
import { QueueFull, TimeoutError } from '../internal/errors.js';
import {
  callWithTrailingCallback,
  collapseValues,
  settleOnce,
  type CollapsedValues,
} from '../internal/node-callback.js';
import { deadlineFromTimeout, timedOutMessage, type Timeout } from '../internal/timeout.js';
import { checkMaxsize, Deque } from '../internal/waiters.js';
import { coroutine } from './runner.js';
import type { NodeCallback } from './task.js';

export type { CollapsedValues } from '../internal/node-callback.js';

/**
 * Calls `fn(...args, callback)` where `callback` takes values and no error
 * slot (`(value)`, `(...values)`: `setImmediate`-style and many browser-era
 * APIs), and returns a Future of what it is called with: none → `undefined`,
 * one → that value, several → an array. A synchronous throw fails the Future;
 * a second call of the callback is logged and ignored. For a callback that
 * is not the last argument, pass an arrow that puts it in place.
 *
 * @example
 * ```ts
 * const main = coroutine(function* () {
 *   yield futureFromCallback((done: () => void) => setTimeout(done, 10));
 *   const answer: number = yield futureFromCallback(askTheOracle, 'meaning of life');
 * });
 * ```
 */
export function futureFromCallback<A extends unknown[], V extends unknown[]>(
  fn: (...args: [...A, (...values: V) => void]) => unknown,
  ...args: A
): Future<CollapsedValues<V>> {
  checkFunction(fn, 'futureFromCallback', 'a function taking a callback');
  const future = new Future<CollapsedValues<V>>();
  const settler = settleOnce(future, 'futureFromCallback', fn);
  callWithTrailingCallback(fn, args, (...values: unknown[]) => settler.succeed(values), settler, 'futureFromCallback');
  return future;
}

/** What a function's outcome resolves to: a generator's return value, a Future's or Promise's result, or the value. */
export type OutcomeOf<R> = R extends Generator<unknown, infer G, any> ? G : R extends Future<infer T> ? T : Awaited<R>;

/**
 * The other direction of `Task`: turns a coroutine (a generator function,
 * or any function returning a Future, Promise or value) into a function
 * taking a trailing Node-style callback, which receives `(error)` or
 * `(null, result)` exactly once, always on a later loop iteration (never
 * synchronously). A synchronous throw or a cancelled Future reaches the
 * callback as its error. An exception thrown by the callback itself is
 * logged ("Exception in callback"), never fed back into it.
 *
 * @example
 * ```ts
 * const loadUser = coroutine(function* (id: string) { ... });
 * const loadUserCb = callbackify(loadUser);
 * loadUserCb('42', (error, user) => { if (error) return report(error); show(user); });
 * ```
 */
export function callbackify<This, A extends unknown[], R>(
  fn: (this: This, ...args: A) => R,
): (this: This, ...args: [...A, NodeCallback<[OutcomeOf<R>]>]) => void {
  checkFunction(fn, 'callbackify', 'a function returning a Future, Promise or value');
  // coroutine() already turns every kind of outcome (a throw, a value, a Promise, a generator) into a Future.
  const asCoroutine = coroutine(fn as (this: This, ...args: unknown[]) => unknown) as (
    this: This,
    ...args: unknown[]
  ) => Future<unknown>;
  const withCallback = function (this: This, ...argsAndCallback: unknown[]): void {
    const callback = argsAndCallback.pop();
    checkFunction(callback, `${describeFunction(fn)} (callbackified)`, 'a callback as the last argument');
    // addDoneCallback, not futureAddDoneCallback: the callback must never run synchronously.
    asCoroutine.apply(this, argsAndCallback).addDoneCallback((done) => {
      const error = done.cancelled() ? done.cancellationError() : done.exception();
      if (error !== null) callback(error);
      else callback(null, done.result());
    });
  };
  Object.defineProperty(withCallback, 'name', { value: fn.name, configurable: true });
  return withCallback as never;
}

/** A Node `EventEmitter` or anything with the same `on`/`off` pair. */
export interface EmitterLike {
  on(event: string | symbol, listener: (...args: any[]) => void): unknown;
  off(event: string | symbol, listener: (...args: any[]) => void): unknown;
}

/** A DOM-style `EventTarget` (also Node's `EventTarget`, `AbortSignal`, `MessagePort`). */
export interface EventTargetLike {
  addEventListener(type: string, listener: (event: any) => void, options?: unknown): void;
  removeEventListener(type: string, listener: (event: any) => void, options?: unknown): void;
}

/** Options for {@link once}. */
export interface OnceOptions {
  /** A deadline (number: absolute on `IOLoop.time()`) or `{ seconds }` from now; then the Future fails with `TimeoutError`. */
  timeout?: Timeout;
  /** When it aborts, the Future is cancelled (and the listeners removed). */
  signal?: AbortSignal;
}

/**
 * A Future of the next `event` from an event emitter (or EventTarget): it
 * resolves with the event's arguments collapsed (none → `undefined`, one →
 * it, several → an array; an EventTarget gives the Event), and fails with the
 * emitter's `'error'` event if that comes first. Listeners are removed as
 * soon as the Future is done or cancelled, so a second emit is simply not
 * seen. `timeout` fails it with `TimeoutError`; an aborted `signal` cancels it.
 * POSIX signals are events of `process`: `once(process, 'SIGUSR2')`.
 *
 * @example
 * ```ts
 * const server = http.createServer(handler).listen(0);
 * yield once(server, 'listening', { timeout: { seconds: 5 } });
 * ```
 */
export function once<T = any>(
  emitter: EmitterLike | EventTargetLike,
  event: string | symbol,
  options: OnceOptions = {},
): Future<T> {
  const subscribe = subscriberFor(emitter, 'once');
  checkEventName(event, 'once');
  const { timeout, signal } = checkOptions(options, 'once');
  checkSignal(signal, 'once');
  const loop = IOLoop.current();
  // Checked before subscribing, so a bad timeout leaves no listener behind.
  const givenAt = timeout === undefined ? 0 : loop.time();
  const deadline = timeout === undefined ? undefined : deadlineFromTimeout(() => givenAt, timeout, 'once');
  let timer: TimeoutHandle | null = null;
  const unsubscribers: Array<() => void> = [];
  const cleanUp = () => {
    for (const unsubscribe of unsubscribers.splice(0)) unsubscribe();
    if (timer !== null && !loop.isClosed()) loop.removeTimeout(timer);
    timer = null;
  };
  const future = futureWithCancelHook<T>(cleanUp);
  if (signal?.aborted) {
    future.cancel(describeAbort(signal));
    return future;
  }
  unsubscribers.push(
    subscribe(event, (...values: unknown[]) => {
      cleanUp();
      if (!future.done()) future.setResult(collapseValues(values) as T);
    }),
  );
  if (event !== 'error' && !isEventTarget(emitter)) {
    unsubscribers.push(
      subscribe('error', (error: unknown) => {
        cleanUp();
        if (!future.done()) future.setException(error);
      }),
    );
  }
  if (signal !== undefined) {
    const onAbort = () => future.cancel(describeAbort(signal));
    signal.addEventListener('abort', onAbort);
    unsubscribers.push(() => signal.removeEventListener('abort', onAbort));
  }
  if (deadline !== undefined) {
    // callAtQuietly: callAt would warn about an absurd deadline a second time.
    timer = loop.callAtQuietly(deadline, () => {
      timer = null;
      cleanUp();
      const message = timedOutMessage(`Timeout waiting for the ${String(event)} event`, timeout!, deadline, givenAt);
      if (!future.done()) future.setException(new TimeoutError(message));
    });
  }
  return future;
}

type Subscribe = (event: string | symbol, listener: (...args: any[]) => void) => () => void;

function isEventTarget(emitter: unknown): emitter is EventTargetLike {
  return (
    typeof (emitter as EventTargetLike).addEventListener === 'function' &&
    typeof (emitter as EmitterLike).on !== 'function'
  );
}

/** How to add a listener to `emitter` and take it off again; a TypeError naming the value if it is neither kind. */
export function subscriberFor(emitter: unknown, what: string): Subscribe {
  if (emitter !== null && typeof emitter === 'object' && !isRevokedProxy(emitter)) {
    if (isEventTarget(emitter)) {
      return (event, listener) => {
        emitter.addEventListener(event as string, listener);
        return () => emitter.removeEventListener(event as string, listener);
      };
    }
    const e = emitter as Partial<EmitterLike> & { removeListener?: EmitterLike['off'] };
    const off = typeof e.off === 'function' ? e.off : e.removeListener;
    if (typeof e.on === 'function' && typeof off === 'function') {
      return (event, listener) => {
        e.on!(event, listener);
        return () => off.call(e, event, listener);
      };
    }
  }
  throw new TypeError(`${what}: expected an EventEmitter or EventTarget, got ${describeValue(emitter)}`);
}

/** A `signal` option that is not an AbortSignal would fail only after the emitter listeners were added, leaving them behind. */
function checkSignal(signal: unknown, what: string): void {
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`${what}: signal must be an AbortSignal, got ${describeValue(signal)}`);
  }
}

function isAbortSignal(value: unknown): value is AbortSignal {
  try {
    return value instanceof AbortSignal;
  } catch {
    return false; // instanceof ran a Proxy's getPrototypeOf trap, which threw: not a signal we can listen to
  }
}

function checkEventName(event: unknown, what: string): void {
  if (typeof event !== 'string' && typeof event !== 'symbol') refuse(what, 'an event name (string or symbol)', event);
}

function describeAbort(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return `aborted: ${reason instanceof Error ? reason.message : describeValue(reason)}`;
}

/**
 * A Future that resolves with `signal.reason` when the `AbortSignal` aborts
 * (at once if it already has). It never fails; cancelling it removes its
 * listener from the signal. Yield it next to other work to stop waiting when
 * a caller aborts.
 *
 * @example
 * ```ts
 * const waitForJob = coroutine(function* (jobs: Queue<Job>, signal: AbortSignal) {
 *   const aborted = futureFromSignal(signal);
 *   const next = jobs.get();
 *   const first = new WaitIterator(next, aborted);
 *   yield first.next();
 *   if (first.currentFuture === next) return next.result();
 *   next.cancel(); // the caller gave up: leave the next job to another consumer
 *   return null;
 * });
 * ```
 */
export function futureFromSignal(signal: AbortSignal): Future<unknown> {
  if (!isAbortSignal(signal)) refuse('futureFromSignal', 'an AbortSignal', signal);
  const onAbort = () => {
    if (!future.done()) future.setResult(signal.reason);
  };
  const future = futureWithCancelHook<unknown>(() => signal.removeEventListener('abort', onAbort));
  if (signal.aborted) future.setResult(signal.reason);
  else signal.addEventListener('abort', onAbort, { once: true });
  return future;
}

/**
 * An `AbortSignal` that aborts when `future` is cancelled (with the
 * `CancelledError` as its reason), so cancelling a coroutine can reach
 * platform APIs that take a `signal` (`fetch`, `fs.readFile`, timers,
 * streams). It aborts on the loop iteration after the cancel, or at once if
 * the Future is already cancelled; a Future that finishes otherwise never
 * aborts it.
 *
 * @example
 * ```ts
 * const download = new Future<Response>();
 * chainFuture(fetch(url, { signal: signalFromFuture(download) }), download);
 * download.cancel(); // aborts the fetch
 * ```
 */
export function signalFromFuture(future: Future<unknown>): AbortSignal {
  if (!isFuture(future)) refuse('signalFromFuture', 'a Future', future);
  if (future.cancelled()) return AbortSignal.abort(future.cancellationError());
  const controller = new AbortController();
  if (!future.done()) {
    future.addDoneCallback((done) => {
      if (done.cancelled()) controller.abort(done.cancellationError());
    });
  }
  return controller.signal;
}

/**
 * Runs `callback(signal)` on the current IOLoop each time the process
 * receives the POSIX signal (asyncio's `loop.add_signal_handler`): in FIFO
 * order with the loop's other callbacks, with exceptions logged ("Exception
 * in callback") instead of crashing the process. Returns a function that
 * removes the handler. As with `process.on`, a handler replaces Node's
 * default action (for SIGINT and SIGTERM: exiting) while it is installed.
 * For a Future of the next signal, use `once(process, 'SIGHUP')`.
 *
 * @example
 * ```ts
 * const removeHandler = addSignalHandler('SIGHUP', () => reloadConfig());
 * // on shutdown
 * removeHandler();
 * ```
 */
export function addSignalHandler(signal: NodeJS.Signals, callback: (signal: NodeJS.Signals) => unknown): () => void {
  if (typeof signal !== 'string' || !/^SIG[A-Z0-9]+$/.test(signal)) {
    throw new TypeError(`addSignalHandler: expected a signal name such as 'SIGHUP', got ${describeName(signal)}`);
  }
  checkFunction(callback, 'addSignalHandler');
  const loop: IOLoop = IOLoop.current();
  const onSignal = (received: NodeJS.Signals) => {
    // A handler outliving its loop would throw from Node's signal dispatch: drop it instead.
    if (loop.isClosed()) remove();
    else loop.addCallback(callback, received);
  };
  const remove = listenForSignal(signal, onSignal);
  return remove;
}

/** What {@link events} does when an event arrives while `maxsize` are already buffered. */
export type OverflowPolicy = 'error' | 'dropOldest' | 'dropNewest';

/** Options for {@link events}. */
export interface EventsOptions {
  /** How many unread events to buffer (default 1000; 0 for no bound). */
  maxsize?: number;
  /**
   * When the buffer is full: `'error'` (default) ends the iteration with
   * `QueueFull` once the buffered events are read; `'dropOldest'` discards
   * the oldest unread event; `'dropNewest'` discards the new one.
   */
  overflow?: OverflowPolicy;
  /** Events that end the iteration cleanly (e.g. `'end'`, `'close'`), after the buffered ones. */
  close?: string | symbol | ReadonlyArray<string | symbol>;
  /** When it aborts, the iteration ends with `CancelledError` (its `cause` is the abort reason). */
  signal?: AbortSignal;
}

const END_OF_EVENTS: unique symbol = Symbol('end of events');

/**
 * An async iterator over every `event` of an emitter (or EventTarget),
 * buffered (up to `maxsize`, as a whirlwind `Queue` would) with an overflow policy, so a
 * slow consumer neither loses events silently nor grows memory without
 * bound. Values collapse as in {@link once}. The emitter's `'error'` event
 * (and an overflow, with the `'error'` policy) ends the iteration with that
 * error after the buffered events; a `close` event ends it cleanly.
 * Breaking out of `for await` (or calling `return()`) removes the
 * listeners and ends a read still waiting. One consumer at a time.
 *
 * @example
 * ```ts
 * for await (const line of events<string>(lines, 'line', { close: 'close', maxsize: 100 })) {
 *   yield handle(line);
 * }
 * ```
 */
export function events<T = any>(
  emitter: EmitterLike | EventTargetLike,
  event: string | symbol,
  options: EventsOptions = {},
): AsyncIterableIterator<T> {
  const subscribe = subscriberFor(emitter, 'events');
  checkEventName(event, 'events');
  const { maxsize = 1000, overflow = 'error', close = [], signal } = checkOptions(options, 'events');
  checkMaxsize(maxsize, 'events');
  if (overflow !== 'error' && overflow !== 'dropOldest' && overflow !== 'dropNewest') {
    throw new TypeError(
      `events: overflow must be 'error', 'dropOldest' or 'dropNewest', got ${describeName(overflow)}`,
    );
  }
  // Checked before the stream subscribes, so bad options leave no listener behind.
  checkSignal(signal, 'events');
  const closing = typeof close === 'string' || typeof close === 'symbol' ? [close] : close;
  if (!Array.isArray(closing) || closing.some((name) => typeof name !== 'string' && typeof name !== 'symbol')) {
    throw new TypeError(`events: close must be an event name or an array of them, got ${describeValue(close)}`);
  }
  const errorEvent = event !== 'error' && !isEventTarget(emitter);
  return new EventStream<T>(subscribe, event, errorEvent, new EventBuffer(maxsize), overflow, close, signal);
}

/**
 * The unread events of one stream: a FIFO of at most `maxsize` (0: no bound)
 * whose reads wait for the next event, as a `Queue`'s `get` does: an event
 * goes straight to the oldest read still waiting.
 */
class EventBuffer {
  private readonly items = new Deque<unknown>();
  private readonly reads = new Deque<Future<unknown>>();

  constructor(readonly maxsize: number) {}

  empty(): boolean {
    return this.items.length === 0;
  }

  full(): boolean {
    return this.maxsize > 0 && this.items.length >= this.maxsize;
  }

  shift(): unknown {
    return this.items.shift();
  }

  push(item: unknown): void {
    for (let read = this.reads.shift(); read !== undefined; read = this.reads.shift()) {
      if (!read.done()) return read.setResult(item);
    }
    this.items.push(item);
  }

  /** A Future for the next event (call only when empty: a buffered one is read with `shift`). */
  read(): Future<unknown> {
    const read = new Future<unknown>();
    this.reads.push(read);
    return read;
  }
}

class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly unsubscribers: Array<() => void> = [];
  /** Set once no more events will be buffered: undefined while open, null for a clean end, else the error. */
  private ending: unknown = undefined;
  private finished = false;
  private pendingGet: Future<unknown> | null = null;

  constructor(
    subscribe: Subscribe,
    event: string | symbol,
    endOnErrorEvent: boolean,
    private readonly buffer: EventBuffer,
    private readonly overflow: OverflowPolicy,
    close: string | symbol | ReadonlyArray<string | symbol>,
    signal: AbortSignal | undefined,
  ) {
    if (signal?.aborted) {
      this.end(abortError(signal));
      return;
    }
    this.unsubscribers.push(subscribe(event, (...values: unknown[]) => this.push(collapseValues(values))));
    if (endOnErrorEvent) {
      this.unsubscribers.push(subscribe('error', (error: unknown) => this.end(error)));
    }
    for (const closing of typeof close === 'string' || typeof close === 'symbol' ? [close] : close) {
      this.unsubscribers.push(subscribe(closing, () => this.end(null)));
    }
    if (signal !== undefined) {
      const onAbort = () => this.end(abortError(signal));
      signal.addEventListener('abort', onAbort);
      this.unsubscribers.push(() => signal.removeEventListener('abort', onAbort));
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    if (!this.buffer.empty()) return this.settle(this.buffer.shift());
    if (this.ending !== undefined) return this.settle(END_OF_EVENTS);
    const pending = this.buffer.read();
    this.pendingGet = pending;
    return pending.then(
      (item) => {
        this.pendingGet = null;
        return this.resultFor(item);
      },
      (error) => {
        // return() cancelled this read: it ends the iteration like any later read.
        if (this.finished) return { value: undefined, done: true };
        throw error;
      },
    );
  }

  return(): Promise<IteratorResult<T>> {
    this.detach();
    this.finished = true;
    this.pendingGet?.cancel();
    this.pendingGet = null;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private push(value: unknown): void {
    if (this.ending !== undefined) return;
    if (this.buffer.full()) {
      if (this.overflow === 'dropNewest') return;
      if (this.overflow === 'dropOldest') {
        this.buffer.shift();
      } else {
        this.end(
          new QueueFull(
            `events: more than ${this.buffer.maxsize} unread events buffered; read faster, raise maxsize or choose another overflow policy`,
          ),
        );
        return;
      }
    }
    this.buffer.push(value);
  }

  /** No more events: buffered ones are still read, then the iteration ends with `error` (null: cleanly). */
  private end(error: unknown): void {
    if (this.ending !== undefined) return;
    this.ending = error;
    this.detach();
    // Wake a consumer waiting on an empty buffer; a non-empty one is drained first.
    if (this.buffer.empty()) this.buffer.push(END_OF_EVENTS);
  }

  private resultFor(item: unknown): IteratorResult<T> {
    if (item !== END_OF_EVENTS) return { value: item as T, done: false };
    this.finished = true;
    if (this.ending !== null) throw this.ending;
    return { value: undefined, done: true };
  }

  private settle(item: unknown): Promise<IteratorResult<T>> {
    try {
      return Promise.resolve(this.resultFor(item));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private detach(): void {
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }
}

function abortError(signal: AbortSignal): CancelledError {
  return new CancelledError(describeAbort(signal), { cause: signal.reason });
}
