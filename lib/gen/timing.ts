/** Time in coroutines: `sleep` and `withTimeout`. */
import {
  chainFuture,
  type Future,
  futureAddDoneCallback,
  futureSetResultUnlessCancelled,
} from '../concurrent/future.js';
import { IOLoop, type TimeoutHandle } from '../ioloop.js';
import { checkOptions } from '../internal/arguments.js';
import { TimeoutError } from '../internal/errors.js';
import { futureWithCancelHook } from '../internal/cancel-hook.js';
import { checkSeconds, deadlineFromTimeout, timedOutMessage, type Timeout } from '../internal/timeout.js';
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
  const loop = IOLoop.current();
  // A cancelled sleep drops its timer (as asyncio's): left in the heap, it
  // would keep Node's process alive until the original deadline.
  const future: Future<void> = futureWithCancelHook(() => {
    if (!loop.isClosed()) loop.removeTimeout(handle);
  });
  const handle = loop.callAtQuietly(loop.time() + seconds, futureSetResultUnlessCancelled, future, undefined);
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
 * duration; 0 expires on the next iteration). A number far in the past or
 * absurdly far ahead is logged as a warning: it was likely meant as a
 * duration or a wall-clock time. The error's message says which deadline
 * passed. The wrapped work is *not* cancelled (as Tornado); if it fails
 * after the timeout, the failure is logged ("Exception in Future ... after
 * timeout") unless quiet.
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
export function withTimeout<Y extends object>(
  timeout: Timeout,
  yieldable: Y,
  options: WithTimeoutOptions = {},
): Future<YieldResult<Y>> {
  const loop = IOLoop.current();
  const givenAt = loop.time();
  const deadline = deadlineFromTimeout(() => givenAt, timeout, 'withTimeout');
  const quiet = checkOptions(options, 'withTimeout').quietExceptions;
  const wrapped = convertYielded(yieldable) as Future<YieldResult<Y>>;
  let handle: TimeoutHandle | null = null;
  const dropTimer = () => {
    if (handle !== null && !loop.isClosed()) loop.removeTimeout(handle);
    handle = null;
  };
  // A caller that gives up (cancels the result) must not leave the timer
  // holding Node's process open until the deadline.
  const result: Future<YieldResult<Y>> = futureWithCancelHook(dropTimer);
  chainFuture(wrapped, result);
  if (result.done()) return result; // already done: no timer at all
  const logLateFailure = (late: Future<YieldResult<Y>>) => {
    if (late.cancelled()) return;
    const error = late.exception();
    if (error !== null && !isQuiet(error, quiet)) {
      appLog.error('Exception in Future %s after timeout', late.toString(), error);
    }
  };
  handle = loop.callAtQuietly(deadline, () => {
    handle = null;
    if (result.done()) return;
    result.setException(new TimeoutError(timedOutMessage('Timeout', timeout, deadline, givenAt)));
    futureAddDoneCallback(wrapped, logLateFailure);
  });
  futureAddDoneCallback(wrapped, dropTimer);
  return result;
}
