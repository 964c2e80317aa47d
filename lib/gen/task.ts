/** `Task`: the legacy bridge from Node-style callback APIs to Futures. */
import { Future } from '../concurrent/future.js';
import { checkFunction } from '../internal/arguments.js';
import { reportThrowAfterCallback, warnCalledAgain } from '../internal/node-callback.js';

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
export function Task<R = any>(fn: (...args: any[]) => unknown, ...args: unknown[]): Future<R>;
// biome-ignore-start lint/complexity/noArguments: rest parameters would cost an array per call and per callback
export function Task(fn: (...args: any[]) => unknown): Future<unknown> {
  checkFunction(fn, 'Task', 'a function taking a Node-style callback');
  // One Future and one closure per call, nothing else (bench/doxbee.ts, whirlwind-task): no rest arrays for
  // the arguments or the callback's values, no spread, no settle-once object.
  const future = new Future<unknown>();
  let called = false;
  const callback = function (error: unknown, value?: unknown): void {
    if (called) return warnCalledAgain('Task', fn);
    called = true;
    if (future.done()) return; // cancelled (or timed out and cancelled) meanwhile: nothing to do
    if (error !== null && error !== undefined) future.setException(error);
    else future.setResult(arguments.length > 2 ? valuesAfterError(arguments) : value);
  };
  try {
    // The common arities by hand: `fn(...args, callback)` builds an array for the call.
    switch (arguments.length) {
      case 1:
        fn(callback);
        break;
      case 2:
        fn(arguments[1], callback);
        break;
      case 3:
        fn(arguments[1], arguments[2], callback);
        break;
      default: {
        const args = Array.prototype.slice.call(arguments, 1);
        args.push(callback);
        fn(...args);
      }
    }
  } catch (error) {
    if (!called) {
      called = true;
      if (!future.done()) future.setException(error);
    } else reportThrowAfterCallback('Task', fn, error);
  }
  return future;
}
// biome-ignore-end lint/complexity/noArguments: rest parameters would cost an array per call and per callback

function valuesAfterError(values: IArguments): unknown[] {
  return Array.prototype.slice.call(values, 1);
}
