/** `Task`: the legacy bridge from Node-style callback APIs to Futures. */
import { Future } from '../concurrent/future.js';
import { checkFunction } from '../internal/arguments.js';
import { callWithTrailingCallback, settleOnce } from '../internal/node-callback.js';

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
  checkFunction(fn, 'Task', 'a function taking a Node-style callback');
  const future = new Future<R>();
  const settler = settleOnce(future, 'Task', fn);
  const callback: NodeCallback = (error, ...values) => {
    if (error !== null && error !== undefined) settler.fail(error);
    else settler.succeed(values);
  };
  callWithTrailingCallback(fn, args, callback, settler, 'Task');
  return future;
}
