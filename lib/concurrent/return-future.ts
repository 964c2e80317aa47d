/** `returnFuture`: Tornado 4's `return_future`, for Node-style callback functions. */
import { Future } from './future.js';
import { checkFunction } from '../internal/arguments.js';
import { describeFunction, describeValue } from '../internal/describe-safely.js';
import { ReturnValueIgnoredError } from '../internal/errors.js';
import { settleOnce, type CollapsedValues } from '../internal/node-callback.js';

/** A Node-style callback whose values are `V`. */
type Callback<V extends unknown[]> = (error: unknown, ...values: V) => void;

/** The twin `returnFuture` makes: the same parameters with the callback optional, returning a Future. */
export interface FutureReturning<A extends unknown[], V extends unknown[]> {
  (...args: A): Future<CollapsedValues<V>>;
  (...args: [...A, Callback<V>]): Future<CollapsedValues<V>>;
}

/**
 * Gives a function whose last declared parameter is a Node-style callback
 * (`(error, ...values)`) a twin that returns a Future of its outcome
 * (Tornado 4.x's `concurrent.return_future`). Callers that still pass a
 * callback get it called as before — with the original values, on a later
 * loop iteration — and the Future too, so a module can move to Futures
 * without breaking one caller.
 *
 * As Tornado: the callback's position is `fn.length - 1` (so no default or
 * rest parameter may come before it); a synchronous throw is raised to the
 * caller directly; returning a value is a `ReturnValueIgnoredError`. As
 * `gen.Task`: values collapse (none → `undefined`, one → it, several → an
 * array) and a second call of the callback is logged and ignored. Cancelling
 * the Future makes a late outcome go nowhere; a caller's callback then gets
 * the `CancelledError`.
 *
 * @example
 * ```ts
 * const readConfig = returnFuture(function readConfig(path: string, callback: (e: unknown, text?: string) => void) {
 *   fs.readFile(path, 'utf8', callback);
 * });
 * const text = yield readConfig('app.json');        // a Future
 * readConfig('app.json', (e, text) => { ... });     // old callers keep working
 * ```
 */
export function returnFuture<A extends unknown[], V extends unknown[]>(
  fn: (...args: [...A, Callback<V>]) => void,
): FutureReturning<A, V> {
  checkFunction(fn, 'returnFuture', 'a function whose last parameter is a callback');
  const callbackIndex = fn.length - 1;
  if (callbackIndex < 0) {
    throw new TypeError(
      `returnFuture: ${describeFunction(fn)} declares no parameters; its last declared parameter must be the callback`,
    );
  }
  const wrapper = function (this: unknown, ...args: unknown[]): Future<unknown> {
    const callersCallback = args.length > callbackIndex ? args[callbackIndex] : undefined;
    if (callersCallback !== undefined && typeof callersCallback !== 'function') {
      throw new TypeError(
        `${describeFunction(fn)}: expected a callback (or nothing) as argument ${callbackIndex + 1}, got ${describeValue(callersCallback)}`,
      );
    }
    const future = new Future<unknown>();
    const settler = settleOnce(future, 'returnFuture', fn);
    let values: unknown[] = [];
    args.length = callbackIndex;
    args[callbackIndex] = (error: unknown, ...results: unknown[]) => {
      if (error !== null && error !== undefined) return settler.fail(error);
      if (!settler.called) values = results;
      settler.succeed(results);
    };
    const returned = fn.apply(this, args as [...A, Callback<V>]);
    if (returned !== undefined) {
      throw new ReturnValueIgnoredError(
        `returnFuture: ${describeFunction(fn)} returned ${describeValue(returned)}; it must deliver its result through the callback`,
      );
    }
    if (typeof callersCallback === 'function') {
      future.addDoneCallback((done) => {
        const error = done.cancelled() ? done.cancellationError() : done.exception();
        if (error !== null) callersCallback(error);
        else callersCallback(null, ...values);
      });
    }
    return future;
  };
  Object.defineProperty(wrapper, 'name', { value: fn.name, configurable: true });
  return wrapper as unknown as FutureReturning<A, V>;
}
