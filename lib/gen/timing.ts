/** Time in coroutines: `sleep` and `withTimeout`. */
import { chainFuture, Future, futureAddDoneCallback, futureSetResultUnlessCancelled } from '../concurrent.js';
import { currentIOLoop } from '../ioloop.js';
import { TimeoutError } from '../internal/errors.js';
import { checkSeconds, deadlineFromTimeout, type Timeout } from '../internal/timeout.js';
import { appLog } from '../log.js';
import { convertYielded, type YieldResult } from './convert.js';
import { isQuiet, type QuietExceptions } from './multi.js';

/**
 * A Future that resolves (with `undefined`) after `seconds` (relative).
 *
 * @example
 * ```ts
 * const slow = coroutine(function* () {
 *   yield sleep(0.5);
 *   return 'done';
 * });
 * ```
 */
export function sleep(seconds: number): Future<void> {
  checkSeconds(seconds, 'sleep');
  const future = new Future<void>();
  currentIOLoop().callLater(seconds, futureSetResultUnlessCancelled, future, undefined);
  return future;
}

/** Options for `withTimeout`. */
export interface WithTimeoutOptions {
  /** A late failure of the wrapped future of these classes is not logged. */
  quietExceptions?: QuietExceptions;
}

/**
 * Wraps a yieldable in a Future that fails with `TimeoutError` at `timeout`
 * (a number is an absolute deadline on `IOLoop.time()`, `{ seconds }` a
 * duration; 0 expires on the next iteration). The wrapped work is *not*
 * cancelled (as Tornado); if it fails after the timeout, the failure is
 * logged ("Exception in Future ... after timeout") unless quiet.
 *
 * @example
 * ```ts
 * try {
 *   const response = yield withTimeout({ seconds: 2 }, client.fetch(url));
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log('too slow');
 * }
 * ```
 */
export function withTimeout<Y extends object>(timeout: Timeout, yieldable: Y, options: WithTimeoutOptions = {}): Future<YieldResult<Y>> {
  const loop = currentIOLoop();
  const deadline = deadlineFromTimeout(() => loop.time(), timeout, 'withTimeout');
  const quiet = options.quietExceptions;
  const wrapped = convertYielded(yieldable) as Future<YieldResult<Y>>;
  const result = new Future<YieldResult<Y>>();
  chainFuture(wrapped, result);
  const logLateFailure = (late: Future<YieldResult<Y>>) => {
    if (late.cancelled()) return;
    const error = late.exception();
    if (error !== null && !isQuiet(error, quiet)) {
      appLog.error('Exception in Future %s after timeout', late.toString(), error);
    }
  };
  const handle = loop.callAt(deadline, () => {
    if (result.done()) return;
    result.setException(new TimeoutError('Timeout'));
    futureAddDoneCallback(wrapped, logLateFailure);
  });
  futureAddDoneCallback(wrapped, () => {
    if (!loop.isClosed()) loop.removeTimeout(handle);
  });
  return result;
}
