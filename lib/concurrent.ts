/// <reference types="node" preserve="true" />
/**
 * Futures, as Tornado's `tornado.concurrent` (which uses asyncio's Future):
 * a placeholder for a result that is not there yet.
 *
 * State changes synchronously (`setResult` → `done()` is true at once), while
 * done callbacks always run later, on the IOLoop's FIFO ready queue, in the
 * order they were added. A Future is also a thenable (`await future` works in
 * native async functions) and a single-shot iterable (`yield* future` in a
 * coroutine is typed).
 *
 * @example
 * ```ts
 * const f = new Future<number>();
 * f.addDoneCallback((done) => console.log('result', done.result()));
 * f.setResult(42);
 * console.log(f.done()); // true, the callback has not run yet
 * ```
 * @module
 */
// Done callbacks run on the IOLoop: loading it here registers it as the
// loop Futures schedule on (internal/scheduling), for code that imports only this entry.
import './ioloop.js';

export {
  CancelledError,
  chainFuture,
  Future,
  futureAddDoneCallback,
  futureSetExceptionUnlessCancelled,
  futureSetResultUnlessCancelled,
  InvalidStateError,
  isFuture,
} from './concurrent/future.js';
export { returnFuture, type FutureReturning } from './concurrent/return-future.js';
export {
  runOnExecutor,
  ThreadPoolExecutor,
  workerFunction,
  WorkerCrashedError,
  type Executor,
  type RunOnExecutorOptions,
  type ShutdownOptions,
} from './concurrent/executor.js';
