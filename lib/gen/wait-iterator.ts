/** `WaitIterator`: futures in the order they finish. */
import { chainFuture, Future, futureAddDoneCallback, isFuture } from '../concurrent/future.js';
import { refuse } from '../internal/arguments.js';
import { describeValue, isRevokedProxy } from '../internal/describe-safely.js';
import { isThenable } from '../internal/thenable.js';
import { convertYielded, type YieldResult } from './convert.js';

// The class behind the exported interface and constructor (see the end of the file).
class WaitIteratorImpl<T = unknown> implements WaitIterator<T> {
  currentIndex: number | string | null = null;
  currentFuture: Future<T> | null = null;
  // Positions, not futures, identify entries: the same future may be passed twice.
  private readonly keys: Array<number | string>;
  private readonly futures: Future<T>[];
  /** Positions that finished but were not handed out yet, in completion order. */
  private readonly finished: number[] = [];
  private handedOut = 0;
  private runningFuture: Future<T> | null = null;

  constructor(...args: unknown[]) {
    let entries: Array<[number | string, unknown]>;
    const only = args[0];
    if (isRevokedProxy(only)) refuse('WaitIterator', 'Futures or thenables, or one object of them', only);
    if (args.length === 1 && only !== null && typeof only === 'object' && !isFuture(only) && !isThenable(only)) {
      if (Array.isArray(only)) {
        throw new TypeError(
          `WaitIterator: pass futures as separate arguments (new WaitIterator(...list)), got an array ${describeValue(only)}`,
        );
      }
      entries = Object.entries(only as Record<string, unknown>);
    } else {
      entries = args.map((f, i) => [i, f]);
    }
    this.keys = entries.map(([key]) => key);
    this.futures = entries.map(([, value]) => convertYielded(value) as Future<T>);
    // Already-done futures are queued at once, in argument order.
    this.futures.forEach((future, position) => {
      futureAddDoneCallback(future, () => this.onDone(position));
    });
  }

  done(): boolean {
    if (this.handedOut < this.futures.length) return false;
    this.currentIndex = null;
    this.currentFuture = null;
    return true;
  }

  next(): Future<T> {
    if (this.runningFuture !== null && !this.runningFuture.done()) {
      throw new Error('WaitIterator.next() called again before the previous next() future finished');
    }
    if (this.handedOut >= this.futures.length) {
      throw new Error('WaitIterator.next() called after every future was handed out: check done() first');
    }
    this.runningFuture = new Future<T>();
    const first = this.finished.shift();
    if (first !== undefined) return this.handOut(first);
    return this.runningFuture;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (!this.done()) yield await this.next();
  }

  private onDone(position: number): void {
    if (this.runningFuture !== null && !this.runningFuture.done()) this.handOut(position);
    else this.finished.push(position);
  }

  private handOut(position: number): Future<T> {
    const running = this.runningFuture!;
    const done = this.futures[position];
    chainFuture(done, running);
    this.runningFuture = null;
    this.handedOut++;
    this.currentFuture = done;
    this.currentIndex = this.keys[position];
    return running;
  }
}

Object.defineProperty(WaitIteratorImpl, 'name', { value: 'WaitIterator' });

/** A Future or thenable that a WaitIterator can wait for. */
type Awaitable = Future<unknown> | PromiseLike<unknown>;

/**
 * Hands out futures in the order they complete, with `currentIndex` (the
 * position or key of the one that just finished) and `currentFuture`.
 * Construct with futures as arguments, or one plain object of them (then
 * `currentIndex` is the key).
 *
 * @example
 * ```ts
 * const waiter = new WaitIterator(fetchA(), fetchB());
 * while (!waiter.done()) {
 *   try {
 *     const result = yield waiter.next();
 *     console.log('finished', waiter.currentIndex, result);
 *   } catch (e) {
 *     console.log('failed', waiter.currentIndex, e);
 *   }
 * }
 * // or, in async code:
 * for await (const result of new WaitIterator(fetchA(), fetchB())) console.log(result);
 * ```
 */
export interface WaitIterator<T = unknown> extends AsyncIterable<T> {
  /** The position (or key) of the future that finished last; null before the first and after the end. */
  currentIndex: number | string | null;
  /** The future that finished last. */
  currentFuture: Future<T> | null;
  /** True when every future has been handed out by `next()`. */
  done(): boolean;
  /**
   * A Future that settles like the next future to finish. Throws if the
   * previous one is still pending, or if every future was handed out already
   * (it would never settle).
   */
  next(): Future<T>;
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

/**
 * `WaitIterator`'s constructor: futures of one type give `WaitIterator<T>`;
 * futures of different types give the union of their results (a class's own
 * type parameter is inferred from the first future alone, and the call
 * failed). An interface rather than a class, so no private member shows in
 * a type error.
 *
 * @example
 * ```ts
 * const results = new WaitIterator(fetchCount(), fetchName()); // WaitIterator<number | string>
 * ```
 */
export interface WaitIteratorConstructor {
  new <T = unknown>(...futures: Array<Future<T> | PromiseLike<T>>): WaitIterator<T>;
  new <T = unknown>(futures: Record<string, Future<T> | PromiseLike<T>>): WaitIterator<T>;
  new <const F extends readonly Awaitable[]>(...futures: F): WaitIterator<YieldResult<F[number]>>;
  new <const R extends Readonly<Record<string, Awaitable>>>(futures: R): WaitIterator<YieldResult<R[keyof R]>>;
  readonly prototype: WaitIterator<unknown>;
}

/** The constructor of {@link WaitIterator}s (see the interface for what one does). */
export const WaitIterator: WaitIteratorConstructor = WaitIteratorImpl as WaitIteratorConstructor;
