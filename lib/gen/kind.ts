/**
 * Kinds of coroutine: coroutines that share yield rules of their own, next to
 * the global ones `registerYieldable` adds (see `coroutineKind`).
 */
import type { Future } from '../concurrent/future.js';
import { checkFunction, refuse } from '../internal/arguments.js';
import { runGenerator, wrapAsCoroutine, type CoroutineResult } from './runner.js';
import type { YieldRule } from './yield-rule.js';

export type { YieldRule } from './yield-rule.js';

/**
 * `coroutine` for one kind of coroutine: wraps generator functions into coroutines whose yields go through
 * the kind's rule first; `run` steps a generator object that is already made.
 */
export interface CoroutineKind {
  /** As `coroutine(fn)`: calling the result starts the generator at once and returns a Future of its result. */
  <This, A extends unknown[], R>(
    fn: (this: This, ...args: A) => Generator<unknown, R, any>,
  ): (this: This, ...args: A) => Future<CoroutineResult<R>>;
  /**
   * Runs `generator` as a coroutine of this kind, with `self` as the `this` the rule sees; `origin`, the
   * function that made the generator, names the coroutine in errors and traces.
   */
  run<R>(generator: Generator<unknown, R, any>, self?: unknown, origin?: Function): Future<CoroutineResult<R>>;
}

/**
 * Makes a kind of coroutine with its own yield rule: the rule belongs to that kind only (other coroutines,
 * `gen.coroutine`'s included, keep theirs, unlike `registerYieldable`, which changes every coroutine) and
 * sees the yielding coroutine's `this`. The rule is asked first for every value but a Future or a native Promise; it returns a
 * Future or thenable to wait on, or `undefined` to leave the value to the built-in rules, and what it throws
 * is thrown into the generator at the `yield`. Everything else is `coroutine`'s: eager start, cancellation,
 * tracing. `whirlwind/co` is built on it.
 *
 * @example
 * ```ts
 * // Node-style thunks, `fn(callback)`, called with the coroutine's `this`, for these coroutines only.
 * const thunky = coroutineKind((value, self) =>
 *   typeof value === 'function' && !isCoroutineFunction(value)
 *     ? new Promise((resolve, reject) => value.call(self, (err: unknown, res: unknown) => (err ? reject(err) : resolve(res))))
 *     : undefined,
 * );
 * const readConfig = thunky(function* (this: { path: string }) {
 *   return yield (done: NodeCallback<string>) => fs.readFile(this.path, 'utf8', done);
 * });
 * ```
 */
export function coroutineKind(rule: YieldRule): CoroutineKind {
  checkFunction(rule, 'coroutineKind', 'a yield rule function');
  const kind = (fn: Function) => {
    checkFunction(fn, 'coroutineKind', 'a generator function');
    return wrapAsCoroutine(fn, rule);
  };
  kind.run = (generator: Generator<unknown, unknown, unknown>, self?: unknown, origin?: Function) => {
    // A `next` method is all the runner needs until a failure is thrown in (co asks no more either).
    if (!hasNextMethod(generator)) refuse('coroutineKind.run', 'a generator object', generator);
    if (origin !== undefined) checkFunction(origin, 'coroutineKind.run', 'the function that made the generator');
    return runGenerator(generator, origin ?? rule, { rule, self });
  };
  return kind as unknown as CoroutineKind;
}

function hasNextMethod(value: unknown): boolean {
  try {
    return value !== null && typeof value === 'object' && typeof (value as { next?: unknown }).next === 'function';
  } catch {
    return false; // a Proxy whose get trap throws, a revoked one
  }
}
