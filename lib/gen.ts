/// <reference types="node" preserve="true" />
/**
 * Coroutines, as Tornado's `tornado.gen`: `coroutine`, `Return`, `multi`,
 * `withTimeout`, `sleep`, `moment`, `WaitIterator`, `convertYielded`.
 *
 * @example
 * ```ts
 * import { coroutine, sleep, multi } from 'whirlwind/gen';
 * const main = coroutine(function* () {
 *   const [a, b] = yield multi([sleep(0.1).then(() => 'a'), Promise.resolve('b')]);
 *   return a + b;
 * });
 * ```
 * @module
 */
import { convertYielded, type YieldResult } from './gen/convert.js';
import type { Future } from './concurrent/future.js';

export { BadYieldError, ReturnValueIgnoredError, TimeoutError } from './internal/errors.js';
export {
  convertYielded,
  isMoment,
  maybeFuture,
  moment,
  registerYieldable,
  type Yieldable,
  type YieldResult,
} from './gen/convert.js';
export { multi, multiFuture } from './gen/convert.js';
export type { MultiOptions, QuietExceptions } from './gen/multi.js';
export { coroutine, isCoroutineFunction, Return, type CoroutineResult } from './gen/runner.js';
export { coroutineKind, type CoroutineKind, type YieldRule } from './gen/kind.js';
export { sleep, withTimeout, type WithTimeoutOptions } from './gen/timing.js';
export { WaitIterator } from './gen/wait-iterator.js';
export { Task, type NodeCallback } from './gen/task.js';
export {
  addSignalHandler,
  callbackify,
  events,
  futureFromCallback,
  futureFromSignal,
  once,
  signalFromFuture,
  type CollapsedValues,
  type EmitterLike,
  type EventsOptions,
  type EventTargetLike,
  type OnceOptions,
  type OutcomeOf,
  type OverflowPolicy,
} from './gen/callbacks.js';

/**
 * Typed yields: `yield* take(x)` evaluates to `x`'s result with its type, where
 * a plain `yield x` is `any`. Works on any yieldable (Future, Promise, arrays
 * and objects of them); a Future can also be `yield*`-ed directly.
 *
 * @example
 * ```ts
 * const main = coroutine(function* () {
 *   const n = yield* take(Promise.resolve(41)); // n: number
 *   return n + 1;                                // Future<number>
 * });
 * ```
 */
// `object | null | undefined` rejects primitives (`take(42)` can only be a BadYieldError)
// while still admitting class instances that registerYieldable teaches the runner.
// `const`: an array literal is read as a tuple, as multi reads it (`take([a, b])` types each position).
export function take<const Y extends object | null | undefined>(yieldable: Y): Future<YieldResult<Y>> {
  return convertYielded(yieldable) as Future<YieldResult<Y>>;
}
