/**
 * Waiting for many yieldables at once: the machinery behind `multi` /
 * `multiFuture` (which convert the children, in convert.ts: converting an
 * array is itself a multi) and the `quietExceptions` rule `withTimeout` shares.
 *
 * Results come back in input order (array → array, object → object with the
 * same keys). Every child is waited for; then the first failure in input
 * order wins and the others are logged ("Multiple exceptions in yield list")
 * unless they are instances of `quietExceptions`. Children are never cancelled.
 */
import { Future } from '../concurrent/future.js';
import { describeValue, isRevokedProxy } from '../internal/describe-safely.js';
import { appLog } from '../log.js';

/** Error classes whose extra failures `multi` and `withTimeout` should not log. */
export type QuietExceptions =
  | (abstract new (
      ...args: any[]
    ) => unknown)
  | ReadonlyArray<abstract new (...args: any[]) => unknown>;

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

/** @internal Validates a `quietExceptions` option up front. */
export function checkQuiet(quiet: unknown, what: string): void {
  if (quiet === undefined) return;
  const list = !isRevokedProxy(quiet) && Array.isArray(quiet) ? quiet : [quiet];
  for (const cls of list) {
    if (typeof cls !== 'function' || isRevokedProxy(cls)) {
      throw new TypeError(
        `${what}: quietExceptions must be an error class or an array of them, got ${describeValue(quiet)}`,
      );
    }
  }
}

/**
 * @internal The waiting half of `multiFuture`: settles with the results of
 * `futures` (already converted children, in input order; by `keys` if it
 * came from an object) once every one is done, or with the first failure.
 */
export function waitForAll(
  futures: readonly Future<unknown>[],
  keys: readonly string[] | null,
  quiet: QuietExceptions | undefined,
): Future<unknown> {
  const result = new Future<unknown>();
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
    if (keys === null) {
      result.setResult(results);
    } else {
      const byKey: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) byKey[keys[i]] = results[i];
      result.setResult(byKey);
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
