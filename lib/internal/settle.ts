/**
 * "Run this, then finish up" for APIs that accept both synchronous and
 * asynchronous work (`ExpectLog.use`, `recordTrace`): the finishing step runs
 * at once for a plain return value, or when a returned Future/Promise settles.
 */
import { isThenable } from './thenable.js';

/**
 * Calls `fn`; passes its value (awaited, if it is a thenable) to `onValue`,
 * and a throw or rejection to `onError` (which must rethrow or return a
 * replacement). Returns a Promise only if `fn` returned a thenable.
 */
export function finishAfter<R, V>(
  fn: () => R,
  onValue: (value: unknown) => V,
  onError: (error: unknown) => never,
): V | Promise<V> {
  let returned: R;
  try {
    returned = fn();
  } catch (error) {
    return onError(error);
  }
  if (isThenable(returned)) {
    return Promise.resolve(returned).then(onValue, onError);
  }
  return onValue(returned);
}
