/// <reference types="node" preserve="true" />
/**
 * Queues for coordinating producer and consumer coroutines, as Tornado's
 * `tornado.queues`: `Queue` (FIFO), `PriorityQueue` (lowest first),
 * `LifoQueue` (newest first), and the errors `QueueEmpty` and `QueueFull`.
 *
 * A getter waiting when an item is put receives that item synchronously,
 * inside `put` (it resumes on a later loop iteration); a putter waiting for
 * room is admitted synchronously inside `get`. A timed-out `put` never adds
 * its item and a timed-out `get` never takes one, so nothing is lost or
 * duplicated. Timeouts are `Timeout`s: a number is an absolute deadline on
 * `IOLoop.time()`, `{ seconds }` a duration, `0` expires on the next iteration.
 *
 * @example
 * ```ts
 * import { gen, IOLoop } from 'whirlwind';
 * import { Queue } from 'whirlwind/queues';
 *
 * const q = new Queue<number>(2);
 * const consumer = gen.coroutine(function* () {
 *   for (;;) {
 *     const item: number = yield q.get();
 *     try { console.log('working on', item); } finally { q.taskDone(); }
 *   }
 * });
 * const main = gen.coroutine(function* () {
 *   consumer();
 *   for (let i = 0; i < 5; i++) yield q.put(i); // waits while 2 items are queued
 *   yield q.join(); // until every item is taskDone()
 * });
 * await IOLoop.current().runSync(main);
 * ```
 * @module
 */
import { type Future, resolvedFuture } from './concurrent/future.js';
import { checkOptions } from './internal/arguments.js';
import { describeValue } from './internal/describe-safely.js';
import { QueueEmpty, QueueFull } from './internal/errors.js';
import type { Timeout } from './internal/timeout.js';
import { checkedDeadline, checkMaxsize, Deque, OnTimeout, Waiter, WaiterList } from './internal/waiters.js';
import { Event } from './locks.js';

export { QueueEmpty, QueueFull } from './internal/errors.js';
export type { Timeout } from './internal/timeout.js';

/** `console.log` and error messages (e.g. BadYieldError) show `toString()` instead of internals. */
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/**
 * Where a queue keeps its items: the three queue kinds differ only here. A
 * subclass of `Queue` may set its `store` to change the order, as Tornado's
 * `_init`/`_put`/`_get` overrides do.
 */
export interface ItemStore<T> {
  readonly size: number;
  put(item: T): void;
  /** Only called when `size > 0`. */
  take(): T;
  /** The items in the order they would come out, for `toString()`. */
  snapshot(): T[];
}

class FifoStore<T> implements ItemStore<T> {
  private readonly items = new Deque<T>();
  get size(): number {
    return this.items.length;
  }
  put(item: T): void {
    this.items.push(item);
  }
  take(): T {
    return this.items.shift() as T;
  }
  snapshot(): T[] {
    return this.items.toArray();
  }
}

class LifoStore<T> implements ItemStore<T> {
  private readonly items: T[] = [];
  get size(): number {
    return this.items.length;
  }
  put(item: T): void {
    this.items.push(item);
  }
  take(): T {
    return this.items.pop() as T;
  }
  snapshot(): T[] {
    return this.items.slice().reverse();
  }
}

/**
 * A binary min-heap. Items that compare equal come out in the order they were
 * put (a sequence number breaks ties), which Python's heapq does not promise
 * but which makes "same priority" mean "first come, first served".
 */
class HeapStore<T> implements ItemStore<T> {
  private readonly items: T[] = [];
  private readonly sequences: number[] = [];
  private nextSequence = 0;

  constructor(private readonly compare: (a: T, b: T) => number) {}

  get size(): number {
    return this.items.length;
  }

  put(item: T): void {
    const items = this.items;
    const sequences = this.sequences;
    const sequence = this.nextSequence++;
    const last = items.length;
    let i = last;
    items.push(item);
    sequences.push(sequence);
    try {
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.before(item, sequence, items[parent], sequences[parent])) break;
        items[i] = items[parent];
        sequences[i] = sequences[parent];
        i = parent;
      }
    } catch (error) {
      // The compare function threw (items it cannot order): move the parents
      // that were shifted down back up and drop the new item, so the queue is
      // exactly as before.
      const path = [last];
      while (path[path.length - 1] !== i) path.push((path[path.length - 1] - 1) >> 1);
      for (let j = path.length - 2; j >= 0; j--) {
        items[path[j + 1]] = items[path[j]];
        sequences[path[j + 1]] = sequences[path[j]];
      }
      items.pop();
      sequences.pop();
      throw error;
    }
    items[i] = item;
    sequences[i] = sequence;
  }

  take(): T {
    const items = this.items;
    const sequences = this.sequences;
    const top = items[0];
    const topSequence = sequences[0];
    const lastItem = items.pop() as T;
    const lastSequence = sequences.pop() as number;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      const path = [0];
      try {
        for (;;) {
          const left = 2 * i + 1;
          if (left >= n) break;
          const right = left + 1;
          const child =
            right < n && this.before(items[right], sequences[right], items[left], sequences[left]) ? right : left;
          if (!this.before(items[child], sequences[child], lastItem, lastSequence)) break;
          items[i] = items[child];
          sequences[i] = sequences[child];
          i = child;
          path.push(i);
        }
      } catch (error) {
        // The compare function threw (items it cannot order): move the
        // children that were shifted up back down and put the top and the
        // last item back, so no item is lost and the heap is as before.
        for (let j = path.length - 2; j >= 0; j--) {
          items[path[j + 1]] = items[path[j]];
          sequences[path[j + 1]] = sequences[path[j]];
        }
        items[0] = top;
        sequences[0] = topSequence;
        items.push(lastItem);
        sequences.push(lastSequence);
        throw error;
      }
      items[i] = lastItem;
      sequences[i] = lastSequence;
    }
    return top;
  }

  snapshot(): T[] {
    const order = this.items.map((item, i) => ({ item, sequence: this.sequences[i] }));
    try {
      order.sort((a, b) => (this.before(a.item, a.sequence, b.item, b.sequence) ? -1 : 1));
    } catch {
      // Items compare cannot order (a get would throw too): toString() and
      // console.log still work, showing them in heap order.
      return this.items.slice();
    }
    return order.map((entry) => entry.item);
  }

  private before(a: T, aSequence: number, b: T, bSequence: number): boolean {
    const order = this.compare(a, b);
    return order < 0 || (order === 0 && aSequence < bSequence);
  }
}

/**
 * PriorityQueue's default order, Python's for the usual cases: numbers,
 * bigints and strings by `<`, arrays (tuples like `[priority, data]`)
 * element by element. Anything else needs a `compare` option.
 */
function defaultCompare(a: unknown, b: unknown): number {
  const typeA = typeof a;
  if ((typeA === 'number' || typeA === 'string' || typeA === 'bigint') && typeof b === typeA) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const order = defaultCompare(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  throw new TypeError(
    `PriorityQueue cannot order ${describeValue(a)} and ${describeValue(b)}: ` +
      'items must be numbers, strings, bigints or arrays of them, or pass a compare option',
  );
}

/** Set while no task is unfinished; its timeouts name `Queue.join`, not `Event.wait`. */
class JoinEvent extends Event {
  waitForJoin(timeout: Timeout | undefined, queueName: string): Future<void> {
    return this.waitFor(timeout, queueName, 'join');
  }
}

/** The async iterator behind `for await (const item of queue)`: every step is a `get()`. */
class QueueIterator<T> implements AsyncIterator<T> {
  constructor(private readonly queue: Queue<T>) {}
  next(): Promise<IteratorResult<T>> {
    return this.queue.get().then(wrapIteratorValue<T>);
  }
}

function wrapIteratorValue<T>(value: T): IteratorResult<T> {
  return { value, done: false };
}

/**
 * A FIFO queue for coroutines. With `maxsize` 0 (the default) it is
 * unbounded; otherwise `put` waits while `maxsize` items are queued. A float
 * maxsize is honoured as Python does (1.3 admits 2 items).
 *
 * `taskDone()` and `join()` track work: every item put counts as an
 * unfinished task until a consumer calls `taskDone()` for it, and `join()`
 * waits until none is left.
 *
 * @example
 * ```ts
 * const q = new Queue<string>();
 * const consumer = gen.coroutine(function* () {
 *   for (;;) {
 *     const url: string = yield q.get();
 *     try { yield fetchAndStore(url); } finally { q.taskDone(); }
 *   }
 * });
 * ```
 */
export class Queue<T = unknown> {
  /** Where the items live; subclasses choose the order by setting it in their constructor. */
  protected store: ItemStore<T> = new FifoStore<T>();
  private readonly limit: number;
  private readonly getters = new WaiterList<Waiter<T>>();
  private readonly putters = new WaiterList<Waiter<void, T>>();
  private unfinishedTasks = 0;
  private readonly finished = new JoinEvent();

  constructor(maxsize = 0) {
    this.limit = checkMaxsize(maxsize, new.target.name);
    this.finished.set();
  }

  /** How many items the queue holds before `put` waits; 0 means unbounded. */
  get maxsize(): number {
    return this.limit;
  }

  /** Items in the queue now. */
  qsize(): number {
    return this.store.size;
  }

  /** True if the queue holds no items (a `get` would wait). */
  empty(): boolean {
    return this.store.size === 0;
  }

  /** True if the queue is bounded and at `maxsize` (a `put` would wait); never true when unbounded. */
  full(): boolean {
    return this.limit !== 0 && this.store.size >= this.limit;
  }

  /**
   * Puts `item` in the queue, waiting while it is full. The Future resolves
   * once the item is in (at once if there is room); at `timeout` it rejects
   * with `gen.TimeoutError` and the item is *not* added.
   */
  put(item: T, timeout?: Timeout): Future<void> {
    const deadline = timeout === undefined ? undefined : checkedDeadline(timeout, this.constructor.name, 'put');
    if (this.tryPut(item)) return resolvedFuture(undefined);
    const putter = new Waiter<void, T>(this.putters, item);
    this.putters.dropAbandonedHead();
    this.putters.push(putter);
    if (deadline !== undefined)
      putter.expireAt(deadline, OnTimeout.Fail, `${this.constructor.name}.put() timed out`, timeout!);
    return putter;
  }

  /** Puts `item` without waiting; `QueueFull` if there is no room. */
  putNowait(item: T): void {
    if (!this.tryPut(item)) {
      throw new QueueFull(
        `${this.constructor.name} is full (maxsize ${this.limit}): cannot put ${describeValue(item)}`,
      );
    }
  }

  /**
   * Takes the next item, waiting until there is one. At `timeout` the Future
   * rejects with `gen.TimeoutError` and no item is taken.
   */
  get(timeout?: Timeout): Future<T> {
    const deadline = timeout === undefined ? undefined : checkedDeadline(timeout, this.constructor.name, 'get');
    const future = new Waiter<T>(this.getters, undefined);
    if (this.hasItemOrPutter()) {
      future.setResult(this.takeNext());
      return future;
    }
    this.getters.dropAbandonedHead();
    this.getters.push(future);
    if (deadline !== undefined)
      future.expireAt(deadline, OnTimeout.Fail, `${this.constructor.name}.get() timed out`, timeout!);
    return future;
  }

  /** Takes the next item without waiting; `QueueEmpty` if there is none. */
  getNowait(): T {
    if (!this.hasItemOrPutter()) throw new QueueEmpty(`${this.constructor.name} is empty: nothing to get`);
    return this.takeNext();
  }

  /**
   * Marks one item taken with `get` as processed. When every item put has
   * been marked, `join()` resolves. `RangeError("taskDone() called too many
   * times")` if there is no unfinished task.
   */
  taskDone(): void {
    if (this.unfinishedTasks <= 0) throw new RangeError('taskDone() called too many times');
    this.unfinishedTasks--;
    if (this.unfinishedTasks === 0) this.finished.set();
  }

  /**
   * Resolves when every item put so far has been `taskDone()`; at `timeout`,
   * rejects with `gen.TimeoutError`.
   */
  join(timeout?: Timeout): Future<void> {
    return this.finished.waitForJoin(timeout, this.constructor.name);
  }

  /**
   * `for await (const item of queue)` gets items forever (until you `break`);
   * each step is a `get()`.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new QueueIterator(this);
  }

  toString(): string {
    let text = `<${this.constructor.name} maxsize=${this.limit}`;
    if (this.store.size > 0) text += ` queue=${describeValue(this.store.snapshot())}`;
    if (this.getters.liveCount > 0) text += ` getters[${this.getters.liveCount}]`;
    if (this.putters.liveCount > 0) text += ` putters[${this.putters.liveCount}]`;
    if (this.unfinishedTasks > 0) text += ` tasks=${this.unfinishedTasks}`;
    return text + '>';
  }

  [inspectCustom](): string {
    return this.toString();
  }

  /** Adds `item` (handing it straight to a waiting getter if any); false if full. */
  private tryPut(item: T): boolean {
    const getter = this.getters.shiftLive();
    if (getter !== undefined) {
      // A live getter means the queue is empty: the item goes in and straight
      // out again, so join() and the store see the same path as any item.
      this.addItem(item);
      getter.resolve(this.store.take());
      return true;
    }
    if (this.full()) return false;
    this.addItem(item);
    return true;
  }

  private hasItemOrPutter(): boolean {
    return this.store.size > 0 || this.putters.hasLive();
  }

  /** Takes the next item, first admitting the oldest waiting putter (the queue was full). */
  private takeNext(): T {
    for (let putter = this.putters.shiftLive(); putter !== undefined; putter = this.putters.shiftLive()) {
      try {
        this.addItem(putter.payload);
      } catch (error) {
        // The store refused the item (a PriorityQueue's compare threw): that
        // put fails, as putNowait would have, and the next putter gets the room.
        putter.reject(error);
        continue;
      }
      putter.resolve(undefined);
      break;
    }
    return this.store.take();
  }

  private addItem(item: T): void {
    this.store.put(item); // first: if a PriorityQueue's compare throws, nothing has changed
    this.unfinishedTasks++;
    this.finished.clear();
  }
}

/**
 * A queue that hands out the lowest item first: numbers, strings, or tuples
 * such as `[priority, data]` (compared element by element, as Python). For
 * other items pass `compare`. Items that compare equal come out in the order
 * they were put.
 *
 * @example
 * ```ts
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([1, 'medium']);
 * q.putNowait([0, 'high']);
 * q.putNowait([10, 'low']);
 * q.getNowait(); // [0, 'high']
 *
 * const jobs = new PriorityQueue<Job>(0, { compare: (a, b) => a.deadline - b.deadline });
 * ```
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  constructor(maxsize = 0, options: { compare?: (a: T, b: T) => number } = {}) {
    super(maxsize);
    const compare = checkOptions(options, 'PriorityQueue').compare ?? defaultCompare;
    if (typeof compare !== 'function') {
      throw new TypeError(`PriorityQueue: compare must be a function, got ${describeValue(compare)}`);
    }
    this.store = new HeapStore<T>(compare);
  }
}

/**
 * A queue that hands out the most recently put item first.
 *
 * @example
 * ```ts
 * const q = new LifoQueue<number>();
 * q.putNowait(3); q.putNowait(2); q.putNowait(1);
 * q.getNowait(); // 1
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  constructor(maxsize = 0) {
    super(maxsize);
    this.store = new LifoStore<T>();
  }
}
