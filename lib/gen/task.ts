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
  const future = new TaskFuture(fn);
  const callback = settleTask.bind(future);
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
    if (!future.called) {
      future.called = true;
      if (!future.done()) future.setException(error);
    } else reportThrowAfterCallback('Task', fn, error);
  }
  return future;
}

/**
 * The Future of one `Task` call, which also holds what its callback needs:
 * the callback is `settleTask` bound to it, so a call allocates this object
 * and a bound function, no closure, context or settle-once object (bench/doxbee.ts,
 * whirlwind-task: they were half its time, in the garbage collector).
 */
class TaskFuture extends Future<unknown> {
  /** The callback was called (or `fn` threw first): a later call is logged and ignored. */
  called = false;
  constructor(readonly fn: Function) {
    super();
  }
}

/**
 * The Node-style callback `Task` passes, with `this` bound to its Future. It
 * declares one parameter, so its `length` is 1, as `(error, ...values) => …`
 * has; the values are read from `arguments` (its length, an element, and
 * `apply(…, arguments)` are what V8 serves without making an arguments object).
 */
function settleTask(this: TaskFuture, error: unknown): void {
  if (this.called) return warnCalledAgain('Task', this.fn);
  this.called = true;
  if (this.done()) return; // cancelled (or timed out and cancelled) meanwhile: nothing to do
  if (error !== null && error !== undefined) this.setException(error);
  else this.setResult(arguments.length > 2 ? valuesAfterError.apply(undefined, arguments as never) : arguments[1]);
}
// biome-ignore-end lint/complexity/noArguments: rest parameters would cost an array per call and per callback

function valuesAfterError(_error: unknown, ...values: unknown[]): unknown[] {
  return values;
}
