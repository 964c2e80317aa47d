/**
 * Futures, as Tornado's `tornado.concurrent` (which uses asyncio's Future):
 * a placeholder for a result that is not there yet.
 *
 * State changes synchronously (`setResult` → `done()` is true at once), while
 * done callbacks always run later, on the IOLoop's FIFO ready queue, in the
 * order they were added. A Future is also a thenable (`await future` works in
 * native async functions) and a single-shot iterable (`yield* future` in a
 * coroutine is typed).
 *
 * @example
 * ```ts
 * const f = new Future<number>();
 * f.addDoneCallback((done) => console.log('result', done.result()));
 * f.setResult(42);
 * console.log(f.done()); // true, the callback has not run yet
 * ```
 * @module
 */
import { AsyncContext, isNativeError, isPromise, onExit } from '#platform';
import type { AsyncContextLike } from '../internal/platform-types.js';
import { BadYieldError, CancelledError, InvalidStateError } from '../internal/errors.js';
import { describeValue, isRevokedProxy } from '../internal/describe-safely.js';
import { checkFunction, refuse } from '../internal/arguments.js';
import { currentLoop } from '../internal/scheduling.js';
import { logCallbackException } from '../internal/callback-failure.js';
import { appLog } from '../log.js';

export { CancelledError, InvalidStateError } from '../internal/errors.js';

/** @internal A Future's state, as stored in `_state` (the coroutine runner reads it directly). */
export const enum State {
  Pending = 0,
  Finished = 1,
  Failed = 2,
  Cancelled = 3,
}

/**
 * @internal Listener shape: the coroutine runner waits on futures through an
 * object with a method instead of a closure, so suspending allocates nothing.
 */
export interface FutureListener {
  onFutureDone(future: Future<any>): void;
}

type DoneCallback<T> = (future: Future<T>) => void;
type Listener = DoneCallback<any> | FutureListener;

/** Held by the GC registry for a failed future until someone looks at its exception. */
interface UnretrievedException {
  error: unknown;
}

const NEVER_RETRIEVED = 'Future exception was never retrieved';

const unretrievedRegistry = new FinalizationRegistry<UnretrievedException>((held) => {
  if (!unreportedAtExit.delete(held)) return;
  appLog.error(NEVER_RETRIEVED, held.error);
});

// A short script ends long before any garbage collection: without a report at
// exit, a failed coroutine nobody awaited vanished without a word. Failures
// still unretrieved (and not yet collected) when the process exits are
// reported then, whether it ends by itself or by process.exit(). Not earlier:
// a Future stored now and yielded on a later iteration is legitimate, and
// nothing before the end tells it apart from a forgotten one.
const unreportedAtExit = new Set<UnretrievedException>();
let exitReportInstalled = false;

function reportUnretrievedAtExit(): void {
  for (const held of unreportedAtExit) appLog.error(NEVER_RETRIEVED, held.error);
  unreportedAtExit.clear();
}

function watchUntilExit(held: UnretrievedException): void {
  unreportedAtExit.add(held);
  if (exitReportInstalled) return;
  exitReportInstalled = true;
  onExit(reportUnretrievedAtExit);
}

// Most failures are looked at in the same turn (a coroutine yields the failed
// Future a call just returned). Registering each with the GC registry and
// formatting its stack cost about 8 µs per failure (10x a caught native
// rejection), so a failure nobody listens to yet waits in this list until the
// end of the turn, and only the ones still unobserved then are registered.
const AWAITING_END_OF_TURN: UnretrievedException = Object.freeze({ error: undefined });
let endOfTurnCandidates: Future<unknown>[] = [];
/** The end-of-turn check is queued (the list may be empty meanwhile: retrieved failures leave it). */
let endOfTurnScheduled = false;
const settledForEndOfTurn = Promise.resolve();

// The check runs two microtasks after the failure, not one: `await` of a
// Future (or `Promise.all`, or an async function returning it) calls its
// `then` in a microtask of its own, queued after the first hop. With one hop,
// every `await failingCoroutine()` had its stack formatted and its Future
// registered for GC, then unregistered a microtask later (about 1 µs each).
function checkAfterAwaitsCalledThen(): void {
  void settledForEndOfTurn.then(registerStillUnretrieved);
}

function registerStillUnretrieved(): void {
  endOfTurnScheduled = false;
  const candidates = endOfTurnCandidates;
  if (candidates.length === 0) return;
  endOfTurnCandidates = [];
  for (const future of candidates) future.registerIfUnretrieved();
}

/**
 * @internal A done callback with the AsyncLocalStorage context it was added
 * in: it runs there, as asyncio's add_done_callback runs a callback in the
 * context current at registration (a loop iteration has no store of its own).
 */
export class DoneCallbackInContext implements FutureListener {
  private readonly context: AsyncContextLike = new AsyncContext('whirlwind.DoneCallback');
  constructor(readonly callback: DoneCallback<any>) {}
  onFutureDone(future: Future<any>): void {
    this.context.runInAsyncScope(this.callback, null, future);
  }
}

/** @internal The user's function behind a listener, for messages and removeDoneCallback. */
export function listenerCallback(listener: unknown): unknown {
  return listener instanceof DoneCallbackInContext ? listener.callback : listener;
}

/** @internal The ready-queue task for one listener. */
export function callListener(listener: Listener, future: Future<unknown>): void {
  if (typeof listener === 'function') listener(future);
  else listener.onFutureDone(future);
}

/**
 * @internal The ready-queue task for a Future with several listeners: one
 * queue entry runs them all, in the order they were added, each as if it had
 * its own entry (its exception logged, the rest dropped if it closes the
 * loop). Settling a Future that 100,000 coroutines wait on then pushes one
 * entry, not 100,000 (bench workload D: wake-up about 40% faster).
 * Blocking detection (lib/internal/blocking.ts) unpacks it to time each listener.
 */
export function runListeners(listeners: Listener[], future: Future<unknown>): void {
  // The running loop: read before any listener runs (one may make another loop current).
  const loop = currentLoop();
  for (let i = 0; i < listeners.length; i++) {
    const listener = listeners[i];
    try {
      callListener(listener, future);
    } catch (error) {
      logCallbackException(listenerCallback(listener), error);
    }
    if (loop.isClosed()) return;
  }
}

/**
 * A placeholder for the outcome of an asynchronous operation.
 *
 * @example
 * ```ts
 * function delayedAnswer(): Future<number> {
 *   const f = new Future<number>();
 *   IOLoop.current().callLater(0.1, () => f.setResult(42));
 *   return f;
 * }
 * const answer = await delayedAnswer();
 * ```
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /** @internal */ _state: State = State.Pending;
  /** @internal */ _result: T | undefined = undefined;
  /** @internal */ _exception: unknown = undefined;
  /** True once the future has a result, an exception, or was cancelled. */
  done(): boolean {
    return this._state !== State.Pending;
  }

  /** True if `cancel()` succeeded. */
  cancelled(): boolean {
    return this._state === State.Cancelled;
  }

  /**
   * The result; throws the exception if the future failed, `CancelledError` if
   * it was cancelled, `InvalidStateError` if it is still pending.
   */
  result(): T {
    switch (this._state) {
      case State.Finished:
        return this._result as T;
      case State.Failed:
        this.markRetrieved();
        throw this._exception;
      case State.Cancelled:
        throw this.cancellationError();
      default:
        throw new InvalidStateError('result() called on a pending Future: wait until done() is true');
    }
  }

  /** The exception, or `null` if the future succeeded; same pending/cancelled rules as `result()`. */
  exception(): unknown {
    switch (this._state) {
      case State.Finished:
        return null;
      case State.Failed:
        this.markRetrieved();
        return this._exception;
      case State.Cancelled:
        throw this.cancellationError();
      default:
        throw new InvalidStateError('exception() called on a pending Future: wait until done() is true');
    }
  }

  /** Completes the future with `value`; `InvalidStateError` if it is already done. */
  setResult(value: T): void {
    if (this._state !== State.Pending) {
      throw new InvalidStateError(`setResult() called on a Future that is already ${this.stateName()}`);
    }
    this._result = value;
    this._state = State.Finished;
    this.scheduleListeners();
  }

  /** Fails the future with `error`; `InvalidStateError` if it is already done. */
  setException(error: unknown): void {
    if (this._state !== State.Pending) {
      throw new InvalidStateError(`setException() called on a Future that is already ${this.stateName()}`);
    }
    this._exception = error;
    this._state = State.Failed;
    if (this.listeners === null && this.promise === null) {
      this.unretrieved = AWAITING_END_OF_TURN;
      if (!endOfTurnScheduled) {
        endOfTurnScheduled = true;
        void settledForEndOfTurn.then(checkAfterAwaitsCalledThen);
      }
      endOfTurnCandidates.push(this);
    }
    this.scheduleListeners();
  }

  /**
   * Cancels the future: it becomes done, `result()` throws `CancelledError`,
   * callbacks are scheduled. Returns false if it was already done.
   */
  cancel(message?: string): boolean {
    if (message !== undefined && typeof message !== 'string')
      refuse('cancel', 'a message string (or nothing)', message);
    if (this._state !== State.Pending) return false;
    this._state = State.Cancelled;
    this._exception = new CancelledError(message);
    this.scheduleListeners();
    return true;
  }

  /**
   * Calls `callback(future)` once the future is done: always on a later loop
   * iteration (even if already done), in the order callbacks were added.
   *
   * @example
   * ```ts
   * future.addDoneCallback((f) => console.log(f.exception() ?? f.result()));
   * ```
   */
  addDoneCallback(callback: DoneCallback<T>): void {
    checkFunction(callback, 'addDoneCallback');
    this.addListener(new DoneCallbackInContext(callback));
  }

  /** Removes every registration of `callback`; returns how many were removed. */
  removeDoneCallback(callback: DoneCallback<T>): number {
    const listeners = this.listeners;
    if (listeners === null) return 0;
    if (!Array.isArray(listeners)) {
      if (listenerCallback(listeners) !== callback) return 0;
      this.listeners = null;
      return 1;
    }
    const kept = listeners.filter((l) => listenerCallback(l) !== callback);
    const removed = listeners.length - kept.length;
    this.listeners = kept.length === 0 ? null : kept;
    return removed;
  }

  /** @internal Registers a listener (a callback or the runner); the fast path of every waiter. */
  addListener(listener: Listener): void {
    this.markRetrieved();
    if (this._state !== State.Pending) {
      currentLoop().enqueue(callListener, listener, this);
      return;
    }
    const listeners = this.listeners;
    if (listeners === null) this.listeners = listener;
    else if (Array.isArray(listeners)) listeners.push(listener);
    else this.listeners = [listeners, listener];
  }

  /** @internal Forgets a listener (used when a waiter stops waiting, e.g. on cancellation). */
  removeListener(listener: Listener): void {
    const listeners = this.listeners;
    if (listeners === listener) this.listeners = null;
    else if (Array.isArray(listeners)) {
      const i = listeners.indexOf(listener);
      if (i >= 0) listeners.splice(i, 1);
    }
  }

  /**
   * Makes `await future` work in native async code. A pending Future settles
   * the promise through the loop's FIFO queue, like any done callback; a done
   * one is read at once, so `await` of it resumes in a microtask, as `await`
   * of a settled Promise does.
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    const derived = this.asPromise().then(onFulfilled, onRejected);
    rejectOnceHandled();
    return derived;
  }

  /** As `Promise.prototype.catch`. */
  catch<R = never>(onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null): Promise<T | R> {
    const derived = this.asPromise().catch(onRejected);
    rejectOnceHandled();
    return derived;
  }

  /** As `Promise.prototype.finally`. */
  finally(onFinally?: (() => void) | null): Promise<T> {
    const derived = this.asPromise().finally(onFinally);
    rejectOnceHandled();
    return derived;
  }

  /**
   * `yield* future` inside a coroutine evaluates to the result, typed `T`: the
   * iterator hands the future itself to the runner once, then returns what the
   * runner sends back.
   *
   * @example
   * ```ts
   * const body = yield* client.fetch(url); // typed HTTPResponse, no cast
   * ```
   */
  [Symbol.iterator](): Iterator<Future<T>, T, any> {
    return new SingleShotIterator(this);
  }

  toString(): string {
    switch (this._state) {
      case State.Finished:
        return `<Future finished result=${describeValue(this._result)}>`;
      case State.Failed:
        return `<Future finished exception=${describeValue(this._exception)}>`;
      case State.Cancelled:
        return '<Future cancelled>';
      default:
        return '<Future pending>';
    }
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // Declared after the public members (they are still set in this order at
  // construction): a type error that lists a Future's members, such as
  // "Promise<number> is missing the following properties from Future<number>",
  // then names done, cancelled, result... rather than these private fields.
  // One listener is stored bare, more in an array: most futures have exactly one waiter.
  private listeners: Listener | Listener[] | null = null;
  private unretrieved: UnretrievedException | null = null;
  private promise: Promise<T> | null = null;

  private asPromise(): Promise<T> {
    if (this.promise !== null) return this.promise;
    this.markRetrieved();
    if (this._state === State.Finished) {
      // Done already: a settled promise, so `await` of a done Future resumes
      // in a microtask, as `await` of a settled Promise does, not a loop iteration later.
      this.promise = Promise.resolve(this._result as T);
      return this.promise;
    }
    const settler = new PromiseSettler();
    promiseBeingMade = settler;
    this.promise = new Promise<T>(captureResolvers);
    if (this._state === State.Pending) this.addListener(settler);
    else settlerOfFailedFuture = { settler, future: this };
    return this.promise;
  }

  private scheduleListeners(): void {
    const listeners = this.listeners;
    if (listeners === null) return;
    this.listeners = null;
    if (Array.isArray(listeners)) currentLoop().enqueue(runListeners, listeners, this);
    else currentLoop().enqueue(callListener, listeners, this);
  }

  /** @internal The stored CancelledError (or a fresh one); a new error each time would lose the cancel message. */
  cancellationError(): CancelledError {
    return this._exception instanceof CancelledError ? this._exception : new CancelledError();
  }

  /** @internal Someone has seen (or will see) the outcome: a failure is no longer "never retrieved". */
  markRetrieved(): void {
    const unretrieved = this.unretrieved;
    if (unretrieved === null) return;
    this.unretrieved = null;
    if (unretrieved === AWAITING_END_OF_TURN) {
      // Usually the failure just added (a coroutine yields the failed Future a
      // call returned): drop it now, so a turn that fails and catches many
      // times does not keep them all, errors and stacks, until its end (bench
      // workload EF: they outlived the young generation and doubled its GC time).
      const last = endOfTurnCandidates.length - 1;
      if (last >= 0 && endOfTurnCandidates[last] === this) endOfTurnCandidates.length = last;
      return;
    }
    unretrievedRegistry.unregister(unretrieved);
    unreportedAtExit.delete(unretrieved);
  }

  /** @internal End of the turn a failure happened in: if still nobody looked, watch for it being collected unseen. */
  registerIfUnretrieved(): void {
    if (this.unretrieved !== AWAITING_END_OF_TURN) return;
    const error = this._exception;
    // Format the stack now: until `stack` is read, V8 keeps the raw frames,
    // whose receivers include a coroutine's own Future (its runner is on the
    // stack when the generator throws). Held by the registry, they would keep
    // that Future alive forever: never collected, never reported.
    if (isNativeError(error)) void error.stack; // not instanceof: that runs a Proxy's traps, here in a microtask
    const held = { error };
    this.unretrieved = held;
    unretrievedRegistry.register(this, held, held);
    watchUntilExit(held);
  }

  private stateName(): string {
    return this._state === State.Finished ? 'finished' : this._state === State.Failed ? 'failed' : 'cancelled';
  }
}

/**
 * Settles the promise of a pending Future's `then` when the Future is done: a
 * listener object, and a shared executor that hands it the resolvers, rather
 * than an executor closure and a callback closure per promise (bench workload
 * DP makes 100,000 of them).
 */
class PromiseSettler implements FutureListener {
  resolve: (value: any) => void = ignoreOutcome;
  reject: (error: unknown) => void = ignoreOutcome;
  onFutureDone(done: Future<any>): void {
    if (done._state === State.Finished) this.resolve(done._result);
    else if (done._state === State.Failed) this.reject(done._exception);
    else this.reject(done.cancellationError());
  }
}
let promiseBeingMade: PromiseSettler | null = null;
function captureResolvers(resolve: (value: any) => void, reject: (error: unknown) => void): void {
  const settler = promiseBeingMade!;
  promiseBeingMade = null;
  settler.resolve = resolve;
  settler.reject = reject;
}
function ignoreOutcome(): void {}

/**
 * A failed (or cancelled) done Future's promise is made pending and rejected
 * only once `then`/`catch`/`finally` has put the caller's handler on it.
 * `Promise.reject()` before the handler made Node's unhandled-rejection
 * tracking record it and then take it back: about 1 µs per
 * `await failedFuture`, more than the native `await` of a rejection costs whole.
 */
let settlerOfFailedFuture: { settler: PromiseSettler; future: Future<any> } | null = null;
function rejectOnceHandled(): void {
  const pending = settlerOfFailedFuture;
  if (pending === null) return;
  settlerOfFailedFuture = null;
  pending.settler.onFutureDone(pending.future);
}

class SingleShotIterator<T> implements Iterator<Future<T>, T, any> {
  private started = false;
  constructor(private readonly future: Future<T>) {}

  next(sent?: any): IteratorResult<Future<T>, T> {
    if (!this.started) {
      this.started = true;
      return { value: this.future, done: false };
    }
    return { value: sent as T, done: true };
  }

  throw(error?: unknown): IteratorResult<Future<T>, T> {
    throw error;
  }

  return(value?: any): IteratorResult<Future<T>, T> {
    return { value: value as T, done: true };
  }
}

/**
 * True for whirlwind Futures (not for plain promises; use `gen.convertYielded`
 * to accept both).
 *
 * @example
 * ```ts
 * isFuture(new Future()); // true
 * isFuture(Promise.resolve()); // false
 * ```
 */
export function isFuture(value: unknown): value is Future<unknown> {
  try {
    return value instanceof Future;
  } catch {
    return false; // instanceof ran the getPrototypeOf trap of a Proxy (or a revoked one): not a Future we can use
  }
}

/**
 * Copies `a`'s outcome to `b` once `a` is done, unless `b` is done by then
 * (e.g. cancelled). `a` may be a Future or any thenable.
 *
 * @example
 * ```ts
 * const outer = new Future<number>();
 * chainFuture(inner, outer);
 * ```
 */
export function chainFuture<T>(a: Future<T> | PromiseLike<T>, b: Future<T>): void {
  // Checked now: a bad target would otherwise fail later, inside the loop, far from the call.
  if (!isFuture(b)) refuse('chainFuture', 'a Future as the target', b);
  if (isFuture(a)) {
    futureAddDoneCallback(a, (done) => copyOutcome(done, b));
    return;
  }
  const then = a !== null && (typeof a === 'object' || typeof a === 'function') ? thenOfSource(a) : undefined;
  if (typeof then !== 'function') {
    throw new TypeError(`chainFuture: expected a Future or thenable as the source, got ${describeValue(a)}`);
  }
  followThenable(b, a, then as PromiseLike<T>['then']);
}

/** @internal A Future that already holds `value`. */
export function resolvedFuture<T>(value: T): Future<T> {
  const future = new Future<T>();
  future.setResult(value);
  return future;
}

/** @internal A Future that already failed with `error`. */
export function failedFuture<T = never>(error: unknown): Future<T> {
  const future = new Future<T>();
  future.setException(error);
  return future;
}

/** chainFuture's source's `then`, read once (a getter's throw is the caller's own); a revoked Proxy is refused by name. */
function thenOfSource(source: object): unknown {
  if (isRevokedProxy(source)) refuse('chainFuture', 'a Future or thenable as the source', source);
  return (source as { then?: unknown }).then;
}

/**
 * @internal A Future that settles as `thenable` does (the thenable half of
 * `chainFuture`, for convertYielded). `then` is the thenable's `then`, read
 * once by the caller: the resolution procedure reads it once, and a getter
 * may return something else the second time.
 */
export function futureFromThenable<T>(thenable: PromiseLike<T>, then: unknown = thenable.then): Future<T> {
  const future = new Future<T>();
  followThenable(future, thenable, then as PromiseLike<T>['then']);
  return future;
}

/**
 * @internal The Future of `value` if it is a thenable, read as `await` reads
 * it (`then` once; a `then` getter that throws gives a Future failed with
 * what it threw); null if it is not a thenable.
 */
export function futureIfThenable(value: object): Future<unknown> | null {
  let then: unknown;
  try {
    then = (value as { then?: unknown }).then;
  } catch (error) {
    return failedFuture(
      isRevokedProxy(value) ? new BadYieldError('a revoked Proxy cannot be waited on', { cause: error }) : error,
    );
  }
  return typeof then === 'function' ? futureFromThenable(value as PromiseLike<unknown>, then) : null;
}

const nativePromiseThen = Promise.prototype.then;
// Reads an internal slot: no trap of a Proxy runs, and no getter.
const isNativePromise = isPromise;

/**
 * Settles `target` as the Promise resolution procedure settles a promise
 * resolved with `thenable`, which is what `await thenable` does: `then` is
 * called once with one-shot resolve/reject functions (the first call wins,
 * a throw after it is ignored), and a thenable it resolves with, however
 * deeply nested, is followed in turn rather than becoming the result.
 * Unlike `await`, `then` is called at once rather than in a microtask, so a
 * thenable that settles synchronously is consumed without a loop iteration,
 * as a done Future is.
 */
function followThenable<T>(target: Future<T>, thenable: PromiseLike<T>, then: PromiseLike<T>['then']): void {
  if (then === nativePromiseThen && isNativePromise(thenable)) {
    // A native promise never fulfils with a thenable (it adopted it already), and its then never throws.
    then.call(
      thenable,
      (value) => settleWithResult(target, value),
      (error) => settleWithException(target, error),
    );
    return;
  }
  let called = false;
  const resolve = (value: unknown) => {
    if (called) return;
    called = true;
    resolveWith(target, value);
  };
  const reject = (error: unknown) => {
    if (called) return;
    called = true;
    settleWithException(target, error);
  };
  try {
    then.call(thenable, resolve as (value: T) => void, reject);
  } catch (error) {
    reject(error);
  }
}

/** The procedure's step for a value a thenable resolved with: a thenable is followed, anything else is the result. */
function resolveWith<T>(target: Future<T>, value: unknown): void {
  if (target.done()) return; // cancelled meanwhile: nothing left to settle (or to follow)
  if (value === target) {
    settleWithException(
      target,
      new TypeError('a thenable resolved with the very Future that follows it: it would wait forever'),
    );
    return;
  }
  if (value !== null && (typeof value === 'object' || typeof value === 'function')) {
    let then: unknown;
    try {
      then = (value as { then?: unknown }).then;
    } catch (error) {
      settleWithException(target, error);
      return;
    }
    if (typeof then === 'function') {
      followThenable(target, value as PromiseLike<T>, then as PromiseLike<T>['then']);
      return;
    }
  }
  settleWithResult(target, value as T);
}

function settleWithResult<T>(target: Future<T>, value: T): void {
  if (!target.done()) target.setResult(value);
}

function settleWithException(target: Future<unknown>, error: unknown): void {
  if (!target.done()) target.setException(error);
}

function copyOutcome<T>(from: Future<T>, to: Future<T>): void {
  if (to.done()) return;
  if (from._state === State.Cancelled) to.cancel();
  else if (from._state === State.Failed) to.setException(from.exception());
  else to.setResult(from._result as T);
}

/**
 * Sets the result unless the future was cancelled meanwhile (a cancelled
 * operation finishing late is normal, not an error).
 *
 * @example
 * ```ts
 * socket.on('data', (chunk) => futureSetResultUnlessCancelled(readFuture, chunk));
 * ```
 */
export function futureSetResultUnlessCancelled<T>(future: Future<T>, value: T): void {
  if (!isFuture(future)) refuse('futureSetResultUnlessCancelled', 'a Future', future);
  if (!future.cancelled()) future.setResult(value);
}

/**
 * Sets the exception unless the future was cancelled; then the exception has
 * nowhere to go and is logged ("Exception after Future was cancelled").
 *
 * @example
 * ```ts
 * socket.on('error', (error) => futureSetExceptionUnlessCancelled(readFuture, error));
 * ```
 */
export function futureSetExceptionUnlessCancelled(future: Future<unknown>, error: unknown): void {
  if (!isFuture(future)) refuse('futureSetExceptionUnlessCancelled', 'a Future', future);
  if (!future.cancelled()) future.setException(error);
  else appLog.error('Exception after Future was cancelled', error);
}

/**
 * Like `addDoneCallback`, but runs `callback` at once (synchronously) if the
 * future is already done, as Tornado's `future_add_done_callback`.
 *
 * @example
 * ```ts
 * futureAddDoneCallback(f, (done) => cleanup(done));
 * ```
 */
export function futureAddDoneCallback<T>(future: Future<T>, callback: DoneCallback<T>): void {
  if (!isFuture(future)) refuse('futureAddDoneCallback', 'a Future', future);
  checkFunction(callback, 'futureAddDoneCallback');
  if (future.done()) {
    // Handing a failed future to a callback counts as retrieving its exception, as addDoneCallback does.
    future.markRetrieved();
    callback(future);
  } else {
    future.addDoneCallback(callback);
  }
}
