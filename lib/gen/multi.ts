/**
 * Waiting for many yieldables at once: `multi` / `multiFuture`.
 *
 * Results come back in input order (array → array, object → object with the
 * same keys). Every child is waited for; then the first failure in input
 * order wins and the others are logged ("Multiple exceptions in yield list")
 * unless they are instances of `quietExceptions`. Children are never cancelled.
 */
import { Future } from '../concurrent.js';
import { describeValue } from '../internal/describe.js';
import { appLog } from '../log.js';
import { convertYielded, type YieldResult } from './convert.js';

/** Error classes whose extra failures `multi` and `withTimeout` should not log. */
export type QuietExceptions = (abstract new (...args: any[]) => unknown) | ReadonlyArray<abstract new (...args: any[]) => unknown>;

/** Options for `multi` / `multiFuture`. */
export interface MultiOptions {
  /** Failures of these classes are not logged when another failure is raised. */
  quietExceptions?: QuietExceptions;
}

/** @internal True if `error` is an instance of one of the quiet classes. */
export function isQuiet(error: unknown, quiet: QuietExceptions | undefined): boolean {
  if (quiet === undefined) return false;
  if (Array.isArray(quiet)) return quiet.some((cls) => error instanceof cls);
  return error instanceof (quiet as abstract new (...args: any[]) => unknown);
}

/** @internal True for `{...}` literals and `Object.create(null)`: what multi (and a yield) treat as a dict. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkQuiet(quiet: unknown, what: string): void {
  if (quiet === undefined) return;
  const list = Array.isArray(quiet) ? quiet : [quiet];
  for (const cls of list) {
    if (typeof cls !== 'function') {
      throw new TypeError(`${what}: quietExceptions must be an error class or an array of them, got ${describeValue(quiet)}`);
    }
  }
}

/**
 * Waits for every child and resolves with their results in input order.
 * Same as {@link multiFuture}; Tornado keeps both names.
 *
 * @example
 * ```ts
 * const [a, b] = yield multi([fetch(urlA), fetch(urlB)]);
 * const { user, posts } = yield multi({ user: getUser(id), posts: getPosts(id) });
 * ```
 */
export function multi<const C extends readonly unknown[] | Record<string, unknown>>(
  children: C,
  options: MultiOptions = {},
): Future<YieldResult<C>> {
  return multiFuture(children, options);
}

/**
 * The same function as {@link multi}, under Tornado's other name: waits for
 * every child (never cancelling the others when one fails) and raises the
 * first failure in input order; later failures are logged unless their class
 * is in `quietExceptions`.
 *
 * @example
 * ```ts
 * const [user, posts] = yield multiFuture([getUser(id), getPosts(id)], { quietExceptions: TimeoutError });
 * ```
 */
export function multiFuture<const C extends readonly unknown[] | Record<string, unknown>>(
  children: C,
  options: MultiOptions = {},
): Future<YieldResult<C>> {
  const quiet = options.quietExceptions;
  checkQuiet(quiet, 'multi');
  const isList = Array.isArray(children);
  if (!isList && !isPlainObject(children)) {
    // A Map, a Set or a class instance has no keys of its own to wait on: it would resolve to {} at once.
    throw new TypeError(`multi: expected an array or a plain object of yieldables, got ${describeValue(children)}`);
  }
  const keys = isList ? null : Object.keys(children);
  const values: readonly unknown[] = isList ? (children as readonly unknown[]) : keys!.map((k) => (children as Record<string, unknown>)[k]);
  // Array.from, not map: map skips the holes of a sparse array, which then crashed below; a hole is undefined (a moment).
  const futures = Array.from(values, (value) => convertYielded(value));
  const result = new Future<YieldResult<C>>();
  let pending = 0;
  for (const child of futures) if (!child.done()) pending++;
  const settle = () => {
    const results: unknown[] = new Array(futures.length);
    // Once `result` is done (it failed, or the caller cancelled it) every
    // further failure has nowhere to go but the log, as in Tornado.
    let failed = result.done();
    for (let i = 0; i < futures.length; i++) {
      const child = futures[i];
      if (child.cancelled()) {
        // A cancelled child is not an error worth logging, but it does fail the multi.
        if (!failed) {
          failed = true;
          result.setException(child.cancellationError());
        }
      } else if (child.exception() !== null) {
        const error = child.exception();
        if (!failed) {
          failed = true;
          result.setException(error);
        } else if (!isQuiet(error, quiet)) {
          appLog.error('Multiple exceptions in yield list', error);
        }
      } else {
        results[i] = child.result();
      }
    }
    if (failed) return;
    if (isList) {
      result.setResult(results as YieldResult<C>);
    } else {
      const byKey: Record<string, unknown> = {};
      keys!.forEach((k, i) => (byKey[k] = results[i]));
      result.setResult(byKey as YieldResult<C>);
    }
  };
  // Already-done children need no wait: like a done Future, a multi of done
  // children completes at once (and an empty one is done immediately).
  if (pending === 0) {
    settle();
    return result;
  }
  const onChildDone = () => {
    if (--pending === 0) settle();
  };
  for (const child of futures) if (!child.done()) child.addListener(onChildDone);
  return result;
}
