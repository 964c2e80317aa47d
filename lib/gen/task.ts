/** `Task`: the legacy bridge from Node-style callback APIs to Futures. */
import { Future } from '../concurrent/future.js';
import { describeFunction, describeValue } from '../internal/describe-safely.js';
import { appLog } from '../log.js';

/** A Node-style callback: `(error, ...values)`. */
export type NodeCallback<V extends unknown[] = unknown[]> = (error: unknown, ...values: V) => void;

/**
 * Calls `fn(...args, callback)` with a Node-style callback and returns a
 * Future of its outcome: one value → that value, several → an array, none →
 * `undefined`; an error argument (or a synchronous throw) fails the Future. A
 * second call of the callback is logged and ignored (the first outcome wins).
 *
 * @example
 * ```ts
 * import { readFile } from 'node:fs';
 * const readConfig = coroutine(function* () {
 *   const text = yield Task(readFile, 'config.json', 'utf8');
 *   return JSON.parse(text);
 * });
 * ```
 */
export function Task<R = any>(fn: (...args: any[]) => unknown, ...args: unknown[]): Future<R> {
  if (typeof fn !== 'function') {
    throw new TypeError(`Task: expected a function taking a Node-style callback, got ${describeValue(fn)}`);
  }
  const future = new Future<R>();
  let called = false;
  const callback: NodeCallback = (error, ...values) => {
    if (called) {
      appLog.warning('Task: callback of %s called more than once; ignoring the later call', describeFunction(fn));
      return;
    }
    called = true;
    if (future.done()) return; // cancelled meanwhile
    if (error !== null && error !== undefined) future.setException(error);
    else future.setResult((values.length === 0 ? undefined : values.length === 1 ? values[0] : values) as R);
  };
  try {
    fn(...args, callback);
  } catch (error) {
    if (!called) {
      called = true;
      if (!future.done()) future.setException(error);
    } else {
      appLog.error('Task: %s threw after calling its callback', describeFunction(fn), error);
    }
  }
  return future;
}
