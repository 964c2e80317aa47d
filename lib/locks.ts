/// <reference types="node" preserve="true" />
/**
 * Synchronisation primitives for coroutines, as Tornado's `tornado.locks`:
 * `Condition`, `Event`, `Semaphore`, `BoundedSemaphore`, `Lock`.
 *
 * They coordinate coroutines on one IOLoop, not threads. Waiters are served
 * FIFO and resolved synchronously inside `notify`/`set`/`release`; the waiting
 * coroutine itself resumes on a later loop iteration. A timeout is a `Timeout`:
 * a number is an absolute deadline on `IOLoop.time()`, `{ seconds }` a
 * duration from now, and `0` expires on the next iteration.
 *
 * @example
 * ```ts
 * import { gen } from 'whirlwind';
 * import { Lock } from 'whirlwind/locks';
 *
 * const lock = new Lock();
 * const critical = gen.coroutine(function* (name: string) {
 *   using _ = yield lock.acquire(); // released when the block ends, even on throw
 *   yield gen.sleep(0.01);
 *   return name;
 * });
 * ```
 * @module
 */
// Waiters time out and wake on the IOLoop: loading it here registers it as
// the loop they schedule on (internal/scheduling), for code that imports only this entry.
import './ioloop.js';
import { type Future, resolvedFuture } from './concurrent/future.js';
import { checkObject, refuse } from './internal/arguments.js';
import { describeValue } from './internal/describe-safely.js';
import { checkedDeadline, OnTimeout, Waiter, WaiterList, type WaiterOwner } from './internal/waiters.js';
import type { Timeout } from './internal/timeout.js';

export type { Timeout } from './internal/timeout.js';

/** `console.log` and error messages (e.g. BadYieldError) show `toString()` instead of internals. */
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * Lets one or more coroutines wait until another notifies them. Unlike a
 * thread condition variable it needs no lock: coroutines only switch at a
 * `yield`.
 *
 * @example
 * ```ts
 * const condition = new Condition();
 * const waiter = gen.coroutine(function* () {
 *   const notified: boolean = yield condition.wait({ seconds: 1 });
 *   console.log(notified ? 'notified' : 'timed out');
 * });
 * waiter();
 * condition.notify();
 * ```
 */
export class Condition {
  private readonly waiters = new WaiterList<Waiter<boolean>>();

  /**
   * Waits for `notify`. The Future resolves `true` when notified, or `false`
   * once `timeout` passes (it never rejects with TimeoutError).
   */
  wait(timeout?: Timeout): Future<boolean> {
    const deadline = checkedDeadline(timeout, 'Condition', 'wait');
    const waiter = new Waiter<boolean>(this.waiters, undefined);
    this.waiters.push(waiter);
    if (deadline !== undefined)
      waiter.expireAt(deadline, OnTimeout.ResolveFalse, 'Condition.wait() timed out', timeout!);
    return waiter;
  }

  /**
   * Wakes up to `n` waiters, oldest first. Waiters that already timed out are
   * skipped without counting against `n`.
   */
  notify(n = 1): void {
    if (typeof n !== 'number' || Number.isNaN(n)) {
      throw new TypeError(`Condition.notify: expected a number of waiters, got ${describeValue(n)}`);
    }
    // Each waiter leaves the line before it is resolved, and resolving runs no
    // user code (done callbacks are scheduled), so a waiter that notifies again
    // when it resumes finds a consistent line: no notification is lost.
    while (n > 0) {
      const waiter = this.waiters.shiftLive();
      if (waiter === undefined) return;
      n--;
      waiter.resolve(true);
    }
  }

  /** Wakes every waiter. */
  notifyAll(): void {
    this.notify(this.waiters.length);
  }

  toString(): string {
    const waiting = this.waiters.liveCount;
    return waiting > 0 ? `<Condition waiters[${waiting}]>` : '<Condition>';
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/**
 * A flag coroutines can wait for. While it is set, `wait()` returns at once;
 * `clear()` makes them block again.
 *
 * @example
 * ```ts
 * const ready = new Event();
 * const worker = gen.coroutine(function* () {
 *   yield ready.wait();
 *   console.log('go');
 * });
 * worker();
 * ready.set();
 * ```
 */
export class Event {
  private value = false;
  // A Set, not a line: set() wakes everyone, so order only matters for
  // fairness (insertion order is kept) and a timed-out waiter leaves in O(1).
  private readonly waiters = new Set<Waiter<void>>();
  private readonly owner: WaiterOwner = {
    onWaiterAbandoned: (waiter: Waiter<void>) => this.waiters.delete(waiter),
  };

  /** True while the flag is set. */
  isSet(): boolean {
    return this.value;
  }

  /**
   * Sets the flag and resolves every waiter now (they resume on a later
   * iteration). Setting a set event does nothing.
   */
  set(): void {
    if (this.value) return;
    this.value = true;
    // Resolving runs no user code (callbacks are scheduled), so the set cannot change under us.
    for (const waiter of this.waiters) waiter.resolve(undefined);
    this.waiters.clear();
  }

  /** Resets the flag: later `wait()` calls block until the next `set()`. */
  clear(): void {
    this.value = false;
  }

  /**
   * Resolves once the flag is set; at `timeout`, rejects with
   * `gen.TimeoutError` instead.
   */
  wait(timeout?: Timeout): Future<void> {
    return this.waitFor(timeout, 'Event', 'wait');
  }

  /** `wait`, naming another API in errors and timeouts (Queue.join waits on an Event). */
  protected waitFor(timeout: Timeout | undefined, owner: string, method: string): Future<void> {
    const deadline = checkedDeadline(timeout, owner, method);
    if (this.value) return resolvedFuture(undefined);
    const waiter = new Waiter<void>(this.owner, undefined);
    this.waiters.add(waiter);
    if (deadline !== undefined) waiter.expireAt(deadline, OnTimeout.Fail, `${owner}.${method}() timed out`, timeout!);
    return waiter;
  }

  toString(): string {
    const state = this.value ? 'set' : 'clear';
    return this.waiters.size > 0 ? `<Event ${state} waiters[${this.waiters.size}]>` : `<Event ${state}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

// `using` (compiled by tsc to tslib's __addDisposableResource) looks up
// Symbol.dispose at run time. Node defines it as Symbol.for('nodejs.dispose');
// on an early Node 20 release that predates that, define the same symbol, so
// releasers work there and agree with Node once it has its own.
if (typeof Symbol.dispose !== 'symbol') {
  Object.defineProperty(Symbol, 'dispose', { value: Symbol.for('nodejs.dispose') });
}

/** Something a releaser can release: a Semaphore or a Lock. */
type Releasable = { release(): void };

/**
 * What `acquire()` resolves to: one acquisition, released by `release()` or
 * at the end of a `using` block. It releases at most once, so an early
 * `release()` inside a `using` block is safe.
 *
 * @example
 * ```ts
 * const worker = gen.coroutine(function* () {
 *   using _ = yield semaphore.acquire();
 *   yield doWork();
 * }); // released here, also when doWork() throws
 * ```
 */
export class Releaser implements Disposable {
  private target: Releasable | null;

  /** @internal */
  constructor(target: Releasable) {
    // Made by acquire(), but the class is exported: a hand-made one must not fail later, at release().
    checkObject(target, 'Releaser', 'something with release()');
    if (typeof target.release !== 'function') refuse('Releaser', 'something with release()', target);
    this.target = target;
  }

  /** Releases the acquisition this releaser stands for; later calls do nothing. */
  release(): void {
    const target = this.target;
    if (target === null) return;
    this.target = null;
    target.release();
  }

  /** `using` calls this at block end. */
  [Symbol.dispose](): void {
    this.release();
  }

  toString(): string {
    return this.target === null ? '<Releaser released>' : `<Releaser of ${String(this.target)}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

function checkSemaphoreValue(value: unknown, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${what}: initial value must be a number, got ${describeValue(value)}`);
  }
  if (value < 0) throw new RangeError(`${what}: initial value must be >= 0, got ${value}`);
  return value;
}

/**
 * A counter of free slots: `acquire()` takes one (waiting while none is
 * free), `release()` gives one back and hands it to the oldest waiter.
 * Use it to bound concurrency, e.g. two workers at a time.
 *
 * `release()` without a matching `acquire()` is allowed and raises the count;
 * use `BoundedSemaphore` to catch that.
 *
 * @example
 * ```ts
 * const slots = new Semaphore(2);
 * const worker = gen.coroutine(function* (id: number) {
 *   using _ = yield slots.acquire();
 *   console.log(`worker ${id} is working`); // at most two at a time
 *   yield gen.sleep(0.01);
 * });
 * yield [worker(0), worker(1), worker(2)];
 * ```
 */
export class Semaphore {
  /** Free slots. */
  protected value: number;
  private readonly waiters = new WaiterList<Waiter<Releaser>>();
  /** What releasers release: the semaphore, or the Lock built on it. */
  protected releaseTarget: Releasable = this;
  /** The class name errors and `toString()` use ("Lock" for a Lock's semaphore). */
  protected displayName: string;

  constructor(value = 1) {
    this.displayName = new.target.name;
    this.value = checkSemaphoreValue(value, this.displayName);
  }

  /**
   * Takes a slot: the Future resolves to a `Releaser` at once if one is free,
   * else when a `release()` reaches this caller (FIFO). At `timeout` it
   * rejects with `gen.TimeoutError` and takes nothing.
   */
  acquire(timeout?: Timeout): Future<Releaser> {
    const deadline = checkedDeadline(timeout, this.displayName, 'acquire');
    if (this.value > 0) {
      this.value--;
      return resolvedFuture(new Releaser(this.releaseTarget));
    }
    const waiter = new Waiter<Releaser>(this.waiters, undefined);
    this.waiters.push(waiter);
    if (deadline !== undefined) {
      waiter.expireAt(deadline, OnTimeout.Fail, `${this.displayName}.acquire() timed out`, timeout!);
    }
    return waiter;
  }

  /** Gives a slot back; the oldest live waiter gets it now and resumes on a later iteration. */
  release(): void {
    const waiter = this.waiters.shiftLive();
    if (waiter === undefined) this.value++;
    else waiter.resolve(new Releaser(this.releaseTarget));
  }

  /** Coroutines waiting to acquire. */
  protected waiterCount(): number {
    return this.waiters.liveCount;
  }

  toString(): string {
    let state = this.value === 0 ? 'locked' : `unlocked,value:${this.value}`;
    if (this.waiters.liveCount > 0) state += `,waiters:${this.waiters.liveCount}`;
    return `<${this.displayName} [${state}]>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/**
 * A Semaphore that refuses to be released more often than it was acquired:
 * over-releasing is a bug, and this one raises `RangeError("Semaphore
 * released too many times")` instead of silently growing.
 *
 * @example
 * ```ts
 * const pool = new BoundedSemaphore(3);
 * pool.release(); // RangeError: Semaphore released too many times
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  private readonly initialValue: number;

  constructor(value = 1) {
    super(value);
    this.initialValue = value;
  }

  /** As `Semaphore.release`, but throws `RangeError` instead of raising the counter past its initial value. */
  override release(): void {
    if (this.value >= this.initialValue) throw new RangeError('Semaphore released too many times');
    super.release();
  }
}

/**
 * The semaphore inside a Lock: it calls itself "Lock" in errors, and its
 * releasers call `Lock.release`, so misuse reports the Lock's own error.
 */
class LockSemaphore extends BoundedSemaphore {
  constructor(lock: Lock) {
    super(1);
    this.releaseTarget = lock;
    this.displayName = 'Lock';
  }

  get locked(): boolean {
    return this.value === 0;
  }

  get waiting(): number {
    return this.waiterCount();
  }
}

/**
 * Mutual exclusion for coroutines. `acquire()` locks it (waiting while it is
 * held); `release()` hands it to the oldest waiter, so waiters get the lock
 * in the order they asked (FIFO). Releasing an unlocked lock is an `Error`.
 *
 * @example
 * ```ts
 * const lock = new Lock();
 * const update = gen.coroutine(function* () {
 *   using _ = yield lock.acquire();
 *   const value: number = yield readValue();
 *   yield writeValue(value + 1); // no other `update` runs in between
 * });
 * ```
 */
export class Lock {
  private readonly block = new LockSemaphore(this);

  /** Locks; resolves to a `Releaser` once the lock is ours, rejects with `gen.TimeoutError` at `timeout`. */
  acquire(timeout?: Timeout): Future<Releaser> {
    return this.block.acquire(timeout);
  }

  /** Unlocks, handing the lock to the oldest waiter; `Error("release unlocked lock")` if not locked. */
  release(): void {
    if (!this.block.locked) throw new Error('release unlocked lock');
    this.block.release();
  }

  toString(): string {
    const waiters = this.block.waiting;
    const state = this.block.locked ? 'locked' : 'unlocked';
    return waiters > 0 ? `<Lock [${state},waiters:${waiters}]>` : `<Lock [${state}]>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}
