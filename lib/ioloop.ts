/// <reference types="node" preserve="true" />
/**
 * The event loop layer, as Tornado's `tornado.ioloop`: a FIFO ready queue
 * drained in iterations, a timer heap, `runSync`, `PeriodicCallback`.
 *
 * An *iteration* runs every callback that was ready when it began (plus the
 * timers that are due); callbacks added meanwhile wait for the next one. That
 * is what makes `moment` mean "exactly one iteration" and keeps ordering FIFO
 * and deterministic, independent of native promise timing.
 *
 * Iterations run in microtasks (the cheapest hop Node has), but never more
 * than {@link MICROTASK_ITERATION_BUDGET} in a row: then one goes through
 * `setImmediate`, so a coroutine looping on `yield moment` cannot starve
 * Node's I/O and timers.
 *
 * @example
 * ```ts
 * const loop = IOLoop.current();
 * loop.addCallback(() => console.log('second'));
 * loop.callLater(0.01, () => console.log('third'));
 * console.log('first');
 * ```
 * @module
 */
import { AsyncContext, runInMacrotask } from '#platform';
import type { AsyncContextLike } from './internal/platform-types.js';
import {
  callListener,
  failedFuture,
  Future,
  futureAddDoneCallback,
  isFuture,
  listenerCallback,
  resolvedFuture,
  runListeners,
} from './concurrent/future.js';
import { convertYielded } from './gen/convert.js';
import { ThreadPoolExecutor, type Executor } from './concurrent/executor.js';
import { BadYieldError, TimeoutError } from './internal/errors.js';
import { checkFunction, checkObject, checkOptions, refuse } from './internal/arguments.js';
import { describeFunction, describeValue, isRevokedProxy } from './internal/describe-safely.js';
import { checkBlockingThreshold, describeBlocker } from './internal/blocking.js';
import { currentLoopOrNull, provideDefaultLoop, setCurrentLoop, type Task } from './internal/scheduling.js';
import { isThenable } from './internal/thenable.js';
import { checkSeconds, deadlineFromTimeout, warnIfAbsurdDeadline, type Timeout } from './internal/timeout.js';
import { logCallbackException } from './internal/callback-failure.js';
import { reportLoggingFailure } from './internal/logging-failure.js';
import { genLog } from './log.js';

export type { Timeout } from './internal/timeout.js';

/** How many iterations may run back to back in microtasks before one yields to Node's loop. */
const MICROTASK_ITERATION_BUDGET = 256;

// Captured at load (by the platform module) so that sinon's fake timers
// (installed later, in tests) cannot freeze the loop's own iteration hop;
// user timers do use the possibly-faked globals, looked up at each call.
const realSetImmediate = runInMacrotask;

/**
 * The AsyncLocalStorage context iterations run in: the one at load (top
 * level, no store). Without it an iteration ran in the context of whatever
 * scheduled it, so every callback of that iteration (and any coroutine one
 * spawned) saw the store of an unrelated request. User callbacks and timers
 * carry the context they were scheduled in (as asyncio's call_soon does).
 */
const iterationContext = new AsyncContext('whirlwind.IOLoop');

/**
 * The loop's microtask hop is a then() on this settled promise. Not
 * queueMicrotask: Node wraps each of its calls in an AsyncResource and a bound
 * function, which cost more than the rest of an iteration (bench workload B:
 * 430 -> 270 ns per step), and sinon's default fake timers replace it.
 */
const settledForHop = Promise.resolve();

/** Node's setTimeout limit (a 32-bit signed count of milliseconds). */
const MAX_NODE_TIMER_DELAY_MS = 2 ** 31 - 1;
const NO_ARGS: unknown[] = [];
/** A spare ready queue bigger than this (slots) is dropped after its iteration rather than kept for reuse. */
const MAX_SPARE_QUEUE_SLOTS = 3 * 4096;

/**
 * A timer counts as due this close to its deadline (asyncio does the same
 * with its clock resolution). Deadlines built by adding float periods
 * (0.01 + 0.03 + 0.03) land a hair past the whole millisecond Node's timer
 * wakes us at; without slack that costs a second wake-up and a callback 1 ms late.
 */
const TIMER_SLACK_SECONDS = 1e-6;

/**
 * A scheduled timer, as returned by `callLater`, `callAt` and `addTimeout`;
 * pass it to `removeTimeout` to cancel.
 *
 * @example
 * ```ts
 * const handle = loop.callLater(30, () => console.log('idle for 30 s'));
 * loop.removeTimeout(handle);
 * handle.cancelled; // true
 * ```
 */
export class TimeoutHandle {
  /** Absolute deadline on the loop's clock, in seconds. */
  readonly deadline: number;
  /** Insertion order: timers with equal deadlines run in the order they were added. */
  readonly sequence: number;
  /** @internal What the loop calls when the timer is due; null once it ran or was removed. */
  callback: ((...args: any[]) => unknown) | null;
  /** @internal The arguments the callback is called with. */
  args: unknown[];
  /** @internal Still in the loop's heap (false once due and moved to the ready queue, or dropped). */
  inHeap = true;
  /** @internal The loop whose heap holds it: removeTimeout through another loop must reach this one. */
  loop: IOLoop | null = null;
  /**
   * @internal The AsyncLocalStorage context it was scheduled in; null once it
   * ran or was removed, and for the runtime's own timers (see `callAtQuietly`).
   */
  context: AsyncContextLike | null = null;

  constructor(deadline: number, sequence: number, callback: (...args: any[]) => unknown, args: unknown[]) {
    this.deadline = deadline;
    this.sequence = sequence;
    this.callback = callback;
    this.args = args;
  }

  /** True once the timer ran or was removed. */
  get cancelled(): boolean {
    return this.callback === null;
  }

  toString(): string {
    return `<TimeoutHandle ${describeFunction(this.callback)} at ${this.deadline.toFixed(3)}${this.cancelled ? ' cancelled' : ''}>`;
  }
}

function earlier(a: TimeoutHandle, b: TimeoutHandle): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);
}

/**
 * The event loop. Usually there is one, `IOLoop.current()`; tests make a fresh
 * one per test (`genTest` does) and `makeCurrent()` it.
 *
 * @example
 * ```ts
 * const loop = new IOLoop();
 * const value = await loop.runSync(() => gen.sleep(0.01).then(() => 42));
 * loop.close();
 * ```
 */
export class IOLoop {
  // Not `implements SchedulingLoop`: its methods are internal, stripped from the
  // declarations; provideDefaultLoop below checks that an IOLoop fits.

  /** Flat `task, a, b` triples in slots [0, readyLength); later slots are empty (cleared as their entry ran). */
  private readyQueue: unknown[] = [];
  private readyLength = 0;
  /** Last iteration's batch, emptied, to be the next ready queue: iterations allocate no array. */
  private spareQueue: unknown[] = [];
  private drainScheduled = false;
  private microtaskIterationsInARow = 0;
  private closed = false;

  private timerHeap: TimeoutHandle[] = [];
  private cancelledTimers = 0;
  private timerSequence = 0;
  private armedDeadline = Infinity;
  private nodeTimer: ReturnType<typeof setTimeout> | null = null;
  /** setBlockingLogThreshold's limit in seconds; 0 = off. */
  private blockingThreshold = 0;
  /** Fails each pending runSync: close() must not leave its caller waiting forever. */
  private readonly abandonRunSyncs = new Set<(error: Error) => void>();
  /** What `runInExecutor(null, ...)` runs on: made on first use, or set by `setDefaultExecutor`. */
  private defaultExecutor: Executor | null = null;

  /** How many iterations this loop has run; tests and traces use it to count hops. */
  iteration = 0;

  // Bound once per loop: scheduling an iteration must not allocate a closure.
  private readonly runIterationBound = () => iterationContext.runInAsyncScope(this.runIteration, this);
  private readonly onNodeTimerBound = () => {
    this.nodeTimer = null;
    this.armedDeadline = Infinity;
    this.scheduleIteration();
  };

  /**
   * The loop for this thread, created on first use.
   *
   * @example
   * ```ts
   * IOLoop.current().addCallback(() => console.log('on the loop'));
   * ```
   */
  static current(): IOLoop {
    const loop = currentLoopOrNull() as IOLoop | null;
    if (loop !== null) return loop;
    const made = new IOLoop();
    setCurrentLoop(made);
    return made;
  }

  /** Forgets the current loop; the next `IOLoop.current()` makes a new one. */
  static clearCurrent(): void {
    setCurrentLoop(null);
  }

  /** Makes this loop the one `IOLoop.current()` returns (and that futures schedule on). */
  makeCurrent(): void {
    if (this.closed) throw new Error('makeCurrent() called on a closed IOLoop');
    setCurrentLoop(this);
  }

  /** Instance form of {@link IOLoop.clearCurrent}, clearing only if this loop is current. */
  clearCurrent(): void {
    if (currentLoopOrNull() === this) setCurrentLoop(null);
  }

  /**
   * Stops the loop for good: pending callbacks and timers are dropped, the
   * Node timer is released, and scheduling on it afterwards throws.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.nodeTimer !== null) clearTimeout(this.nodeTimer);
    this.nodeTimer = null;
    this.timerHeap.length = 0;
    this.readyQueue.length = 0;
    this.readyLength = 0;
    this.spareQueue.length = 0;
    if (currentLoopOrNull() === this) setCurrentLoop(null);
    this.shutDownDefaultExecutor();
    for (const abandon of [...this.abandonRunSyncs]) {
      abandon(new Error('IOLoop closed before the runSync() work completed'));
    }
  }

  /** True after `close()`. */
  isClosed(): boolean {
    return this.closed;
  }

  /** The loop's clock: monotonic seconds (a float), the clock every deadline is measured on. */
  time(): number {
    return performance.now() / 1000;
  }

  /**
   * Runs `callback(...args)` on the next iteration, after everything already
   * queued (FIFO). Exceptions are logged ("Exception in callback"), never
   * raised; a returned Future or Promise is observed, so its failure is logged too.
   *
   * @example
   * ```ts
   * IOLoop.current().addCallback((who) => console.log(`hello ${who}`), 'loop');
   * ```
   */
  addCallback<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): void {
    this.checkCallback(callback, 'addCallback');
    this.checkOpen('addCallback');
    this.enqueue(runReadyCallback, new ReadyCallback(callback as (...args: unknown[]) => unknown, args));
  }

  /** As `addCallback`; Tornado keeps both names (this one for fire-and-forget coroutines). */
  spawnCallback<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): void {
    this.checkCallback(callback, 'spawnCallback');
    this.checkOpen('spawnCallback');
    this.enqueue(runReadyCallback, new ReadyCallback(callback as (...args: unknown[]) => unknown, args));
  }

  /**
   * Runs `callback(...args)` after `delay` seconds (relative).
   *
   * @example
   * ```ts
   * const handle = IOLoop.current().callLater(0.5, () => console.log('half a second later'));
   * IOLoop.current().removeTimeout(handle); // changed our mind
   * ```
   */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimeoutHandle {
    checkSeconds(delay, 'callLater');
    this.checkCallback(callback, 'callLater');
    this.checkOpen('callLater');
    return this.callAtInContext(this.time() + delay, callback, args);
  }

  /**
   * Runs `callback(...args)` at `when`, an absolute time on `time()`'s clock.
   * A `when` far in the past or absurdly far ahead is logged as a warning
   * (see `addTimeout`).
   */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimeoutHandle {
    if (typeof when !== 'number' || Number.isNaN(when)) {
      throw new TypeError(`callAt: expected an absolute time in seconds (number), got ${describeValue(when)}`);
    }
    this.checkCallback(callback, 'callAt');
    this.checkOpen('callAt');
    warnIfAbsurdDeadline(when, this.time(), 'callAt');
    return this.callAtInContext(when, callback, args);
  }

  /** A user timer: it runs in the AsyncLocalStorage context it was scheduled in. */
  private callAtInContext(when: number, callback: (...args: any[]) => unknown, args: unknown[]): TimeoutHandle {
    const handle = this.callAtQuietly(when, callback, ...args);
    handle.context = new AsyncContext('whirlwind.Timer');
    return handle;
  }

  /**
   * @internal `callAt` without capturing the caller's AsyncLocalStorage
   * context, for the runtime's own timers (sleep, withTimeout, lock and queue
   * deadlines) whose callbacks only settle Futures: each waiter resumes in its
   * own context anyway, and the capture costs an AsyncResource per timer.
   * Arguments are not checked: callers are whirlwind's own code.
   */
  callAtQuietly<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimeoutHandle {
    this.checkOpen('callAt');
    const handle = new TimeoutHandle(when, this.timerSequence++, callback as (...args: any[]) => unknown, args);
    handle.loop = this;
    this.pushTimer(handle);
    return handle;
  }

  /**
   * Runs `callback(...args)` at `deadline`: a number is an absolute time on
   * `time()`'s clock, `{ seconds, milliseconds }` a duration from now. A
   * number more than a second in the past or more than a year ahead is
   * logged as a warning on `genLog`: it was most likely meant as a duration
   * (`addTimeout(5, cb)`) or a wall-clock time (`Date.now() / 1000 + 5`).
   *
   * @example
   * ```ts
   * const loop = IOLoop.current();
   * loop.addTimeout(loop.time() + 1, () => console.log('at a deadline'));
   * loop.addTimeout({ milliseconds: 250 }, () => console.log('after a duration'));
   * ```
   */
  addTimeout<A extends unknown[]>(deadline: Timeout, callback: (...args: A) => unknown, ...args: A): TimeoutHandle {
    const when = deadlineFromTimeout(() => this.time(), deadline, 'addTimeout');
    this.checkCallback(callback, 'addTimeout');
    this.checkOpen('addTimeout');
    return this.callAtInContext(when, callback, args);
  }

  /** Cancels a timer; removing one that already ran or was removed is a no-op. */
  removeTimeout(handle: TimeoutHandle): void {
    if (isRevokedProxy(handle) || !(handle instanceof TimeoutHandle))
      refuse('removeTimeout', 'a TimeoutHandle', handle);
    if (handle.callback === null) return;
    // A handle from another loop (IOLoop.current() changed since it was made):
    // its own heap must count it dead and re-arm its Node timer, or that timer
    // would hold the process until the deadline and both loops' counts go wrong.
    if (handle.loop !== null && handle.loop !== this) return handle.loop.removeTimeout(handle);
    handle.callback = null;
    handle.args = NO_ARGS;
    handle.context = null;
    // A due timer already moved to the ready queue is skipped when its turn
    // comes (runDueTimer sees the null callback); only heap entries count as dead.
    if (!handle.inHeap) return;
    this.cancelledTimers++;
    this.dropCancelledHead();
    // Rebuilding costs O(n); doing it only when most entries are dead keeps
    // removal amortised O(log n) and bounds memory (as asyncio does).
    if (this.cancelledTimers > 512 && this.cancelledTimers * 2 > this.timerHeap.length) this.rebuildTimerHeap();
    this.armNodeTimer();
  }

  /**
   * Schedules `callback(future)` on this loop once `future` is done (Future or
   * any thenable).
   *
   * @example
   * ```ts
   * IOLoop.current().addFuture(gen.sleep(0.1), (f) => console.log('slept', f.done()));
   * ```
   */
  addFuture<T>(future: Future<T> | PromiseLike<T>, callback: (future: Future<T>) => unknown): void {
    checkFunction(callback, 'addFuture');
    // Not convertYielded's full range: undefined would become a `moment` and run the callback as if something finished.
    if (isRevokedProxy(future) || (!isFuture(future) && !isThenable(future))) {
      refuse('addFuture', 'a Future or thenable', future);
    }
    const target = isFuture(future) ? future : (convertYielded(future) as Future<T>);
    futureAddDoneCallback(target, (done) => this.addCallback(callback, done));
  }

  /**
   * Runs `fn` on this loop and settles with its outcome. `fn` may return a
   * Future, a Promise, any yieldable, or `undefined`; a plain value that is not
   * yieldable rejects with `BadYieldError`. With `timeout` (relative seconds),
   * the work is cancelled and the promise rejects with
   * `TimeoutError("Operation timed out after N seconds")`.
   *
   * @example
   * ```ts
   * const body = await IOLoop.current().runSync(() => fetchBody(url), { timeout: 5 });
   * ```
   */
  runSync<T>(fn: () => T, options: { timeout?: number } = {}): Promise<RunSyncResult<T>> {
    checkFunction(fn, 'runSync');
    this.checkOpen('runSync');
    const timeout = checkOptions(options, 'runSync').timeout;
    if (timeout !== undefined) checkSeconds(timeout, 'runSync');
    return new Promise((resolve, reject) => {
      const madeCurrent = makeCurrentForRunSync(this);
      const abandon = (error: Error) => {
        restoreCurrent();
        reject(error);
      };
      const restoreCurrent = () => {
        this.abandonRunSyncs.delete(abandon);
        restoreAfterRunSync(madeCurrent);
      };
      this.abandonRunSyncs.add(abandon);
      let work: Future<unknown> | null = null;
      let timedOut = false;
      let timer: TimeoutHandle | null = null;
      const finish = (done: Future<unknown>) => {
        if (timer !== null) this.removeTimeout(timer);
        restoreCurrent();
        if (timedOut) {
          reject(new TimeoutError(`Operation timed out after ${timeout} seconds`));
        } else if (done.cancelled()) {
          reject(done.cancellationError()); // exception() would throw it rather than return it
        } else {
          const error = done.exception();
          if (error !== null) reject(error);
          else resolve(done.result() as RunSyncResult<T>);
        }
      };
      // fn runs in the caller's AsyncLocalStorage context, as it would if it were called directly.
      const callerContext = new AsyncContext('whirlwind.runSync');
      this.enqueue(() => {
        work = callerContext.runInAsyncScope(startRunSyncWork, null, fn);
        futureAddDoneCallback(work, finish);
      }, undefined);
      if (timeout !== undefined) {
        timer = this.callLater(timeout, () => {
          timer = null;
          // Finished in this same iteration, before its deadline came up,
          // with only `finish` still queued: its outcome stands (Tornado too
          // checks done() after its timeout) rather than being lost.
          if (work !== null && work.done() && !work.cancelled()) return finish(work);
          timedOut = true;
          // A coroutine's future cancels by throwing into the generator; if the
          // work cannot be cancelled, give up on it rather than hang the caller.
          if (work === null || !work.cancel()) {
            restoreCurrent();
            reject(new TimeoutError(`Operation timed out after ${timeout} seconds`));
          }
        });
      }
    });
  }

  /**
   * Runs `fn(...args)` on `executor` (e.g. a `ThreadPoolExecutor`) and returns
   * its outcome as a Future on this loop. With `null`, the loop's default
   * executor runs it, as Tornado's `run_in_executor(None, ...)`: a
   * `ThreadPoolExecutor` with one worker per CPU, made on first use and shut
   * down when the loop closes; `setDefaultExecutor` replaces it.
   *
   * A worker thread shares no variables with this one: a plain function is
   * sent as its source text and compiled again there, so it cannot use
   * anything from around it (closures, imports, `this`): pass what it needs
   * as arguments, or name a module export with `workerFunction(module,
   * exportName)`. A `ReferenceError` from the worker says so.
   *
   * @example
   * ```ts
   * const hash = yield IOLoop.current().runInExecutor(pool, hashPassword, 'hunter2');
   * const sum = yield IOLoop.current().runInExecutor(null, (n: number) => n * (n + 1) / 2, 1e6);
   * ```
   */
  runInExecutor<A extends unknown[], R>(
    executor: { submit(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> | PromiseLike<Awaited<R>> } | null,
    fn: (...args: A) => R,
    ...args: A
  ): Future<Awaited<R>> {
    const expected = "an executor with submit() or null (the loop's default executor)";
    if (executor !== null) {
      checkObject(executor, 'runInExecutor', expected);
      if (typeof executor.submit !== 'function') refuse('runInExecutor', expected, executor);
    }
    const target = executor ?? this.defaultExecutorMadeOnFirstUse();
    const submitted = target.submit(fn, ...args);
    return isFuture(submitted) ? submitted : (convertYielded(submitted) as Future<Awaited<R>>);
  }

  /**
   * Sets the executor `runInExecutor(null, ...)` uses, as Tornado's and
   * asyncio's `set_default_executor`. The one it replaces is not shut down;
   * the loop shuts the current one down (without waiting) when it closes.
   *
   * @example
   * ```ts
   * IOLoop.current().setDefaultExecutor(new ThreadPoolExecutor(2));
   * ```
   */
  setDefaultExecutor(executor: Executor): void {
    checkObject(executor, 'setDefaultExecutor', 'an executor with submit()');
    if (typeof executor.submit !== 'function') refuse('setDefaultExecutor', 'an executor with submit()', executor);
    this.checkOpen('setDefaultExecutor');
    this.defaultExecutor = executor;
  }

  private defaultExecutorMadeOnFirstUse(): Executor {
    this.checkOpen('runInExecutor');
    if (this.defaultExecutor === null) this.defaultExecutor = new ThreadPoolExecutor();
    return this.defaultExecutor;
  }

  /** As asyncio's close(): the default executor is shut down without waiting for its running jobs. */
  private shutDownDefaultExecutor(): void {
    const executor = this.defaultExecutor as (Executor & { shutdown?: (wait: boolean) => unknown }) | null;
    this.defaultExecutor = null;
    if (executor === null || typeof executor.shutdown !== 'function') return;
    try {
      executor.shutdown(false);
    } catch (error) {
      genLog.error('Exception shutting down the default executor %s', describeValue(executor), error);
    }
  }

  /**
   * Logs a warning on `genLog` ("IOLoop blocked for 0.250 seconds in
   * coroutine crunch (file:///app/crunch.js:12:3)") whenever one callback or
   * one coroutine step keeps this loop busy longer than `seconds`; 0 or null
   * turns it off (the default). Tornado 4's `set_blocking_log_threshold`. Off,
   * it costs nothing; on, one clock read per callback (bench/blocking-detection.ts).
   *
   * @example
   * ```ts
   * IOLoop.current().setBlockingLogThreshold(0.05); // warn about anything over 50 ms
   * ```
   */
  setBlockingLogThreshold(seconds: number | null): void {
    this.blockingThreshold = checkBlockingThreshold(seconds);
  }

  /**
   * @internal Appends `task(a, b)` to the ready queue. Futures and the
   * coroutine runner schedule through here; it allocates nothing.
   */
  enqueue(task: Task, a: unknown, b?: unknown): void {
    const queue = this.readyQueue;
    const length = this.readyLength;
    // Appends, or overwrites slots a reused array emptied: never a hole, so the array stays packed.
    queue[length] = task;
    queue[length + 1] = a;
    queue[length + 2] = b;
    this.readyLength = length + 3;
    if (!this.drainScheduled) this.scheduleIteration();
  }

  private scheduleIteration(): void {
    if (this.drainScheduled || this.closed) return;
    this.drainScheduled = true;
    if (this.microtaskIterationsInARow < MICROTASK_ITERATION_BUDGET) {
      this.microtaskIterationsInARow++;
      void settledForHop.then(this.runIterationBound);
    } else {
      this.microtaskIterationsInARow = 0;
      realSetImmediate(this.runIterationBound);
    }
  }

  private runIteration(): void {
    this.drainScheduled = false;
    if (this.closed) return;
    const batch = this.readyQueue;
    let length = this.readyLength;
    this.readyQueue = this.spareQueue;
    this.readyLength = 0;
    if (this.timerHeap.length > 0) length = this.moveDueTimers(batch, length);
    if (length === 0) {
      // Woken by a Node timer that fired early (libuv's clock is coarser than ours): re-arm.
      this.spareQueue = batch;
      this.armNodeTimer();
      return;
    }
    this.iteration++;
    const previous = currentLoopOrNull() as IOLoop | null;
    if (previous !== this) setCurrentLoop(this);
    this.drain(batch, 0, length);
    // The drain emptied every slot it ran, so the batch is the next spare as
    // it is: no `batch.length = 0` (a V8 runtime call that also drops the
    // backing store) and no fresh array, whose growth was about 15% of bench
    // workload B. A batch left full by close(), or grown big, is let go.
    this.spareQueue = length > MAX_SPARE_QUEUE_SLOTS || this.closed ? [] : batch;
    if (previous !== this) restorePreviousLoop(this, previous);
    if (this.readyLength > 0) this.scheduleIteration();
    this.armNodeTimer();
  }

  /**
   * Runs the batch's entries from slot `start` on. Reporting a failed
   * callback never throws, so nothing should escape a drain; if something
   * does all the same, the rest of the batch still runs rather than being
   * dropped with the iteration (and the escape is reported on stderr instead
   * of becoming an unhandled rejection).
   */
  private drain(batch: unknown[], start: number, length: number): void {
    for (;;) {
      try {
        // Blocking detection times each callback in its own drain, so the untimed one (runBatch) stays as it was.
        if (this.blockingThreshold > 0) this.runTimedBatch(batch, start, length, this.blockingThreshold * 1000);
        else this.runBatch(batch, start, length);
        return;
      } catch (error) {
        reportLoggingFailure('IOLoop iteration', error);
        // Each entry's slots are emptied before it runs: the first full slot is the first entry that did not run.
        while (start < length && batch[start] === undefined) start += 3;
        if (start >= length || this.closed) return;
      }
    }
  }

  /** The untimed drain: each `task(a, b)` in order, its slots emptied first, errors logged. */
  private runBatch(batch: unknown[], start: number, length: number): void {
    for (let i = start; i < length; i += 3) {
      const task = batch[i] as Task;
      const a = batch[i + 1];
      const b = batch[i + 2];
      batch[i] = batch[i + 1] = batch[i + 2] = undefined;
      try {
        task(a, b);
      } catch (error) {
        logCallbackException(listenerCallback(a), error);
      }
      // close() from a callback drops the rest of the batch, as it drops every pending callback.
      if (this.closed) break;
    }
  }

  /**
   * The drain with blocking detection on: as `runBatch`, timing each entry
   * and warning about the ones that took longer than `thresholdMs`.
   */
  private runTimedBatch(batch: unknown[], start: number, length: number, thresholdMs: number): void {
    // One clock read per callback: each one's end is the next one's start.
    let started = performance.now();
    for (let i = start; i < length; i += 3) {
      const task = batch[i] as Task;
      const a = batch[i + 1];
      const b = batch[i + 2];
      batch[i] = batch[i + 1] = batch[i + 2] = undefined;
      if (task === runListeners) {
        // A Future's listeners share one entry: time and name each one as if it had its own.
        const listeners = a as unknown[];
        for (let j = 0; j < listeners.length; j++) {
          started = runTimed(callListener, listeners[j], b, listenerCallback(listeners[j]), started, thresholdMs);
          if (this.closed) return;
        }
        continue;
      }
      // A due timer's handle forgets its callback when it runs: keep it for the warning.
      const subject = a instanceof TimeoutHandle || a instanceof ReadyCallback ? a.callback : listenerCallback(a);
      started = runTimed(task, a, b, subject, started, thresholdMs);
      if (this.closed) break;
    }
  }

  /** Appends the due timers to `batch` after its first `length` slots; returns the new length. */
  private moveDueTimers(batch: unknown[], length: number): number {
    const now = this.time();
    const heap = this.timerHeap;
    const dueBy = now + TIMER_SLACK_SECONDS;
    while (heap.length > 0 && heap[0].deadline <= dueBy) {
      const handle = this.popTimer();
      if (handle.callback === null) {
        this.cancelledTimers--;
        continue;
      }
      // The handle, not its callback, goes in the batch: a timer due in this
      // same iteration may still be removed by an earlier one (Tornado's
      // test_remove_timeout_from_timeout).
      batch[length] = runDueTimer;
      batch[length + 1] = handle;
      batch[length + 2] = undefined;
      length += 3;
    }
    return length;
  }

  private pushTimer(handle: TimeoutHandle): void {
    const heap = this.timerHeap;
    heap.push(handle);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!earlier(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
    if (heap[0] === handle) this.armNodeTimer();
  }

  private popTimer(): TimeoutHandle {
    const heap = this.timerHeap;
    const top = heap[0];
    top.inHeap = false;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  private siftDown(start: number): void {
    const heap = this.timerHeap;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && earlier(heap[left], heap[smallest])) smallest = left;
      if (right < heap.length && earlier(heap[right], heap[smallest])) smallest = right;
      if (smallest === i) return;
      [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
      i = smallest;
    }
  }

  private dropCancelledHead(): void {
    const heap = this.timerHeap;
    while (heap.length > 0 && heap[0].callback === null) {
      this.popTimer();
      this.cancelledTimers--;
    }
  }

  private rebuildTimerHeap(): void {
    this.timerHeap = this.timerHeap.filter((handle) => {
      if (handle.callback === null) handle.inHeap = false;
      return handle.callback !== null;
    });
    this.cancelledTimers = 0;
    for (let i = (this.timerHeap.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  /** Keeps exactly one Node timer, for the earliest live deadline, or none (so an idle loop never holds the process). */
  private armNodeTimer(): void {
    if (this.closed) return;
    this.dropCancelledHead();
    const heap = this.timerHeap;
    const deadline = heap.length > 0 ? heap[0].deadline : Infinity;
    if (deadline === this.armedDeadline) return;
    if (this.nodeTimer !== null) {
      clearTimeout(this.nodeTimer);
      this.nodeTimer = null;
    }
    this.armedDeadline = deadline;
    if (deadline === Infinity) return;
    const delayMs = (deadline - TIMER_SLACK_SECONDS - this.time()) * 1000;
    if (delayMs <= 0) {
      this.armedDeadline = Infinity;
      this.scheduleIteration();
      return;
    }
    // Node's timers have millisecond granularity and may fire a little early;
    // an early wake-up finds nothing due and re-arms. Beyond 2^31-1 ms Node
    // would fire after 1 ms instead (TimeoutOverflowWarning): cap the wait.
    this.nodeTimer = setTimeout(this.onNodeTimerBound, Math.min(Math.ceil(delayMs), MAX_NODE_TIMER_DELAY_MS));
  }

  private checkOpen(what: string): void {
    if (this.closed) throw new Error(`${what}() called on a closed IOLoop`);
  }

  private checkCallback(callback: unknown, what: string): void {
    if (typeof callback !== 'function') {
      throw new TypeError(`${what}: expected a function, got ${describeValue(callback)}`);
    }
  }

  toString(): string {
    return `<IOLoop iteration=${this.iteration} ready=${this.readyLength / 3} timers=${this.timerHeap.length - this.cancelledTimers}${this.closed ? ' closed' : ''}>`;
  }
}

/** Runs one `task(a, b)` as the drain does (errors logged), warns if it blocked; returns when it finished. */
function runTimed(task: Task, a: unknown, b: unknown, subject: unknown, started: number, thresholdMs: number): number {
  try {
    task(a, b);
  } catch (error) {
    logCallbackException(listenerCallback(a), error);
  }
  const finished = performance.now();
  const elapsedMs = finished - started;
  if (elapsedMs > thresholdMs) warnBlocked(elapsedMs, subject, task);
  return finished;
}

/** Naming the culprit reads user properties (a `coroutineFunction`, a `name` getter): it must not throw into the drain. */
function warnBlocked(elapsedMs: number, subject: unknown, task: Task): void {
  try {
    genLog.warning(
      'IOLoop blocked for %s seconds in %s',
      (elapsedMs / 1000).toFixed(3),
      describeBlocker(subject, task),
    );
  } catch (error) {
    reportLoggingFailure('blocking warning', error);
  }
}

// Futures, moments and waiters schedule on the current loop through
// internal/scheduling; with none current, they get IOLoop.current()'s.
provideDefaultLoop(() => IOLoop.current());

/** Undoes a temporary switch of the current loop, unless something else changed it meanwhile. */
function restorePreviousLoop(loop: IOLoop, previous: IOLoop | null): void {
  // A loop that closed itself meanwhile has already cleared the current loop: the previous one still comes back.
  const current = currentLoopOrNull();
  const stillSwitched = current === loop || (current === null && loop.isClosed());
  if (stillSwitched && previous !== loop) setCurrentLoop(previous !== null && !previous.isClosed() ? previous : null);
}

/** A loop made current by a pending `runSync`, and what was current before it. */
interface RunSyncCurrent {
  loop: IOLoop;
  previous: IOLoop | null;
}

/** Pending runSyncs' switches of the current loop, oldest first: they may end in any order. */
const runSyncCurrents: RunSyncCurrent[] = [];

/**
 * Makes `loop` current for a whole runSync, across Node turns: async
 * functions inside it resume in microtasks outside any iteration, and must
 * still find this loop (Tornado's blocking run_sync has it current throughout).
 */
function makeCurrentForRunSync(loop: IOLoop): RunSyncCurrent {
  const entry = { loop, previous: currentLoopOrNull() as IOLoop | null };
  runSyncCurrents.push(entry);
  setCurrentLoop(loop);
  return entry;
}

/** Ends a runSync's switch; safe to call twice. */
function restoreAfterRunSync(entry: RunSyncCurrent): void {
  const i = runSyncCurrents.indexOf(entry);
  if (i < 0) return;
  runSyncCurrents.splice(i, 1);
  const later = runSyncCurrents[i];
  if (later !== undefined) {
    // A runSync started after this one is still going: when it ends, it must
    // go back to what this one found, not to this loop.
    if (later.previous === entry.loop) later.previous = entry.previous;
    return;
  }
  restorePreviousLoop(entry.loop, entry.previous);
}

/** What `runSync(fn)` settles with: the awaited value of whatever `fn` returned. */
export type RunSyncResult<T> = T extends Future<infer R> ? R : Awaited<T>;

function startRunSyncWork(fn: () => unknown): Future<unknown> {
  try {
    const value = fn();
    return value === undefined || value === null ? resolvedFuture(value) : convertYielded(value);
  } catch (error) {
    return failedFuture(error);
  }
}

function runDueTimer(handle: TimeoutHandle): void {
  const callback = handle.callback;
  if (callback === null) return; // removed after it came due
  const args = handle.args;
  const context = handle.context;
  handle.callback = null;
  handle.args = NO_ARGS;
  handle.context = null;
  if (context !== null) context.runInAsyncScope(runUserCallback, null, callback, args);
  else runUserCallback(callback, args);
}

/** An `addCallback` entry: the callback, its arguments and the AsyncLocalStorage context it was added in. */
class ReadyCallback {
  readonly context: AsyncContextLike = new AsyncContext('whirlwind.Callback');
  constructor(
    readonly callback: (...args: unknown[]) => unknown,
    readonly args: unknown[],
  ) {}
}

function runReadyCallback(entry: ReadyCallback): void {
  entry.context.runInAsyncScope(runUserCallback, null, entry.callback, entry.args);
}

function runUserCallback(callback: (...args: unknown[]) => unknown, args: unknown[]): void {
  try {
    const returned = callback(...args);
    // Inside the try: a returned Proxy whose traps throw fails here, and is that callback's failure.
    if (returned !== undefined && returned !== null) observeReturnedYieldable(callback, returned);
  } catch (error) {
    logCallbackException(callback, error);
  }
}

/** A callback that returns a coroutine's Future must not fail silently: watch it and log a failure. */
function observeReturnedYieldable(callback: Function, returned: unknown): void {
  let future: Future<unknown>;
  if (returned instanceof Future) {
    future = returned;
  } else if (isThenable(returned) || Array.isArray(returned) || typeof returned === 'object') {
    try {
      future = convertYielded(returned);
    } catch (error) {
      if (error instanceof BadYieldError) return; // a plain return value: nothing to observe
      throw error;
    }
  } else {
    return;
  }
  futureAddDoneCallback(future, (done) => {
    if (done.cancelled()) return;
    const error = done.exception();
    if (error !== null) logCallbackException(callback, error);
  });
}

/**
 * Calls `callback` every `callbackTime` milliseconds (Tornado's unit here).
 * A slow call skips the periods it overran instead of bunching up; a callback
 * that returns a Future/Promise is awaited before the next one is scheduled,
 * so calls never overlap. `jitter` (0..1) varies each period by ±jitter/2.
 *
 * @example
 * ```ts
 * const heartbeat = new PeriodicCallback(() => console.log('tick'), 1000);
 * heartbeat.start();
 * // later
 * heartbeat.stop();
 * ```
 */
export class PeriodicCallback {
  /** What is called each period; its returned Future/Promise (if any) is awaited before the next call. */
  readonly callback: () => unknown;
  /** The period in milliseconds, as Tornado's `callback_time` (the loop's own clock is in seconds). */
  readonly callbackTime: number;
  /** Fraction of the period (0..1) by which each period is varied at random, ±jitter/2. */
  readonly jitter: number;
  private running = false;
  /** A call (maybe async) has started and not finished: it schedules the next one when it does. */
  private callInFlight = false;
  private timeout: TimeoutHandle | null = null;
  private loop: IOLoop | null = null;
  /** @internal Exposed for tests of the schedule arithmetic: deadline of the next call. */
  nextTimeout = 0;

  constructor(callback: () => unknown, callbackTime: number, jitter = 0) {
    if (typeof callback !== 'function') {
      throw new TypeError(`PeriodicCallback: expected a function, got ${describeValue(callback)}`);
    }
    if (typeof callbackTime !== 'number') {
      throw new TypeError(
        `PeriodicCallback: expected callbackTime in milliseconds (number), got ${describeValue(callbackTime)}`,
      );
    }
    if (!(callbackTime > 0) || !Number.isFinite(callbackTime)) {
      throw new RangeError(
        `PeriodicCallback: callbackTime must be a positive number of milliseconds, got ${describeValue(callbackTime)}`,
      );
    }
    if (typeof jitter !== 'number') {
      throw new TypeError(`PeriodicCallback: expected jitter as a number, got ${describeValue(jitter)}`);
    }
    // Above 1 a period can come out negative (jitter 3: 1 + 3 * (random - 0.5) < 0),
    // putting the next deadline in the past: the callback would fire every iteration.
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new RangeError(
        `PeriodicCallback: jitter must be a fraction of the period between 0 and 1, got ${describeValue(jitter)}`,
      );
    }
    this.callback = callback;
    this.callbackTime = callbackTime;
    this.jitter = jitter;
  }

  /** Starts the timer on the current loop; the first call is one period from now. */
  start(): void {
    if (this.running) return;
    this.loop = IOLoop.current();
    this.running = true;
    this.nextTimeout = this.loop.time();
    // Restarted while an async call from before stop() is still running: that
    // call schedules the next one when it ends, so two chains never overlap.
    if (!this.callInFlight) this.scheduleNext();
  }

  /** Stops calling; a call already running finishes. */
  stop(): void {
    this.running = false;
    if (this.timeout !== null && this.loop !== null && !this.loop.isClosed()) this.loop.removeTimeout(this.timeout);
    this.timeout = null;
  }

  /** True between `start()` and `stop()`. */
  isRunning(): boolean {
    return this.running;
  }

  private async run(): Promise<void> {
    if (!this.running) return;
    this.callInFlight = true;
    try {
      const returned = this.callback();
      if (returned !== undefined && returned !== null && (returned instanceof Future || isThenable(returned))) {
        await returned;
      }
    } catch (error) {
      logCallbackException(this.callback, error);
    } finally {
      this.callInFlight = false;
      this.scheduleNext();
    }
  }

  private scheduleNext(): void {
    if (!this.running || this.loop === null || this.loop.isClosed()) return;
    this.updateNext(this.loop.time());
    this.timeout = this.loop.callAt(this.nextTimeout, () => this.run());
  }

  /** @internal Advances `nextTimeout` past `currentTime` on the original schedule (skipping missed periods); public for tests. */
  updateNext(currentTime: number): void {
    let period = this.callbackTime / 1000;
    if (this.jitter) period *= 1 + this.jitter * (Math.random() - 0.5);
    if (this.nextTimeout <= currentTime) {
      // Measured start to start; after an overrun, skip to the next multiple of the period.
      this.nextTimeout += (Math.floor((currentTime - this.nextTimeout) / period) + 1) * period;
    } else {
      // The clock went backwards: still move forward one period rather than
      // recompute the same deadline and fire twice.
      this.nextTimeout += period;
    }
  }
}
