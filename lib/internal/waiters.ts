/**
 * What locks and queues share: a ring-buffer `Deque`, the `Waiter` future a
 * blocked caller holds, and `WaiterList`, the FIFO line of waiters that drops
 * timed-out and cancelled ones lazily.
 *
 * Why lazily: removing a waiter from the middle of a line is O(n), and the
 * common loop `while (true) yield condition.wait({ seconds: 1 })` times out
 * over and over. Tornado rebuilds the line every 100 timeouts; we rebuild once
 * more than 100 waiters have left it early *and* they are at least half of it,
 * so dead entries never outnumber live ones by more than 100 and a rebuild is
 * O(1) amortised per abandoned waiter.
 */
import { Future } from '../concurrent/future.js';
import { describeValue } from './describe-safely.js';
import { TimeoutError } from './errors.js';
import { currentLoop, type ScheduledTimer, type SchedulingLoop } from './scheduling.js';
import { deadlineFromTimeout, timedOutMessage, type Timeout } from './timeout.js';

/** More abandoned waiters than this (and at least half the line) triggers a rebuild. */
export const ABANDONED_WAITERS_BEFORE_REBUILD = 100;

/**
 * A FIFO double-ended queue on a power-of-two ring buffer: O(1) `push` and
 * `shift` without the O(n) `Array.prototype.shift`, and no garbage per item.
 */
export class Deque<T> {
  private buffer: (T | undefined)[] = new Array(8);
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size === this.buffer.length) this.grow();
    this.buffer[(this.head + this.size) & (this.buffer.length - 1)] = item;
    this.size++;
  }

  /** Removes and returns the first item; `undefined` if empty. */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.buffer[this.head];
    this.buffer[this.head] = undefined; // let the item be collected
    this.head = (this.head + 1) & (this.buffer.length - 1);
    this.size--;
    return item;
  }

  /** The first item without removing it; `undefined` if empty. */
  peek(): T | undefined {
    return this.size === 0 ? undefined : this.buffer[this.head];
  }

  /** Keeps only the items for which `keep` is true, in order. */
  retain(keep: (item: T) => boolean): void {
    const kept = this.toArray().filter(keep);
    let capacity = 8;
    while (capacity < kept.length) capacity *= 2;
    this.buffer = new Array(capacity);
    for (let i = 0; i < kept.length; i++) this.buffer[i] = kept[i];
    this.head = 0;
    this.size = kept.length;
  }

  toArray(): T[] {
    const items: T[] = new Array(this.size);
    const mask = this.buffer.length - 1;
    for (let i = 0; i < this.size; i++) items[i] = this.buffer[(this.head + i) & mask] as T;
    return items;
  }

  private grow(): void {
    const items = this.toArray();
    this.buffer = new Array(this.buffer.length * 2);
    for (let i = 0; i < items.length; i++) this.buffer[i] = items[i];
    this.head = 0;
  }
}

/** Whoever holds waiters hears when one leaves early (timed out or cancelled). */
export interface WaiterOwner {
  onWaiterAbandoned(waiter: Waiter<any, any>): void;
}

/** What a waiter does at its deadline: resolve with `false` (Condition) or fail with TimeoutError. */
export const enum OnTimeout {
  ResolveFalse,
  Fail,
}

/**
 * The Future a blocked caller gets. It carries an optional payload (the item
 * of a blocked `put`), stops its timer itself when it is resolved, and tells
 * its owner when it is abandoned, so no done callback per waiter is needed.
 */
export class Waiter<T, P = undefined> extends Future<T> {
  /**
   * @internal Its result hands something over (a lock, a queue item): the
   * coroutine runner delivers it even to a coroutine cancelled after the
   * hand-off, instead of dropping it for CancelledError.
   */
  readonly handsOff = true;
  private timer: ScheduledTimer | null = null;
  private loop: SchedulingLoop | null = null;
  private onTimeout: OnTimeout = OnTimeout.Fail;
  private timeoutMessage = '';
  /** The caller's timeout argument, the deadline it made, and the loop time of the call: for the TimeoutError's message. */
  private timeout: Timeout = 0;
  private deadline = 0;
  private givenAt = 0;

  constructor(
    private readonly owner: WaiterOwner,
    readonly payload: P,
  ) {
    super();
  }

  /**
   * Arms the deadline (already checked by {@link checkedDeadline}) made from
   * the caller's `timeout`: at it, a still-pending waiter resolves `false` or
   * fails with a `TimeoutError` whose message starts with `message` and says
   * which deadline passed.
   */
  expireAt(deadline: number, onTimeout: OnTimeout, message: string, timeout: Timeout): void {
    this.onTimeout = onTimeout;
    this.timeoutMessage = message;
    this.timeout = timeout;
    this.deadline = deadline;
    this.loop = currentLoop();
    this.givenAt = this.loop.time();
    this.timer = this.loop.callAtQuietly(deadline, expireWaiter, this);
  }

  /** Hands the waiter its value: the waiting coroutine resumes on a later iteration. */
  resolve(value: T): void {
    this.stopTimer();
    this.setResult(value);
  }

  /** Fails the waiter (a blocked `put` whose item the queue refused): its coroutine resumes with `error`. */
  reject(error: unknown): void {
    this.stopTimer();
    this.setException(error);
  }

  /** @internal The deadline passed. */
  expire(): void {
    this.timer = null;
    if (this.done()) return;
    if (this.onTimeout === OnTimeout.ResolveFalse) this.setResult(false as T);
    else
      this.setException(
        new TimeoutError(timedOutMessage(this.timeoutMessage, this.timeout, this.deadline, this.givenAt)),
      );
    this.owner.onWaiterAbandoned(this);
  }

  /** Cancelling a waiter (e.g. by cancelling the coroutine that waits on it) takes it out of line. */
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.stopTimer();
    this.owner.onWaiterAbandoned(this);
    return true;
  }

  private stopTimer(): void {
    const timer = this.timer;
    if (timer === null) return;
    this.timer = null;
    if (!this.loop!.isClosed()) this.loop!.removeTimeout(timer);
  }
}

function expireWaiter(waiter: Waiter<unknown, unknown>): void {
  waiter.expire();
}

/** Validates a `maxsize` (0 for unbounded) for a queue or an event buffer; `what` names the caller in the error. */
export function checkMaxsize(maxsize: unknown, what: string): number {
  if (typeof maxsize !== 'number' || Number.isNaN(maxsize)) {
    throw new TypeError(`${what}: maxsize must be a number (0 for unbounded), got ${describeValue(maxsize)}`);
  }
  if (maxsize < 0) throw new RangeError(`${what}: maxsize must be >= 0, got ${maxsize}`);
  return maxsize;
}

/**
 * Validates a `Timeout` argument up front (so bad input throws before anything
 * changes) and returns its absolute deadline, or `undefined` for no timeout.
 */
export function checkedDeadline(timeout: Timeout | undefined, owner: string, method: string): number | undefined {
  if (timeout === undefined) return undefined; // the hot path: no string building
  return deadlineFromTimeout(() => currentLoop().time(), timeout, `${owner}.${method}`);
}

/**
 * A FIFO line of waiters. Resolved waiters leave it when they are served;
 * abandoned ones (timed out, cancelled) stay until they reach the head or a
 * rebuild drops them.
 */
export class WaiterList<W extends Waiter<any, any>> implements WaiterOwner {
  private readonly line = new Deque<W>();
  /** Abandoned waiters still in `line`. */
  private abandoned = 0;

  /** Entries held, abandoned ones not yet dropped included. */
  get length(): number {
    return this.line.length;
  }

  /** Waiters still waiting: what `toString()` reports. Every abandoned waiter in line was counted. */
  get liveCount(): number {
    return this.line.length - this.abandoned;
  }

  push(waiter: W): void {
    this.line.push(waiter);
  }

  /** Removes abandoned waiters from the head; afterwards the head (if any) is live. */
  dropAbandonedHead(): void {
    let head = this.line.peek();
    while (head !== undefined && head.done()) {
      this.line.shift();
      this.abandoned--;
      head = this.line.peek();
    }
  }

  /** Removes and returns the first live waiter, or `undefined`. */
  shiftLive(): W | undefined {
    this.dropAbandonedHead();
    return this.line.shift();
  }

  /** True if some waiter in line is still waiting. */
  hasLive(): boolean {
    this.dropAbandonedHead();
    return this.line.length > 0;
  }

  onWaiterAbandoned(): void {
    this.abandoned++;
    if (this.abandoned > ABANDONED_WAITERS_BEFORE_REBUILD && this.abandoned * 2 >= this.line.length) {
      this.line.retain(isPending);
      this.abandoned = 0;
    }
  }
}

function isPending(waiter: Waiter<any, any>): boolean {
  return !waiter.done();
}
