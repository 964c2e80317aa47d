/**
 * Shared fixtures for the specs: a fresh IOLoop per test, ready-made futures,
 * and a log capture. Keep tests short by reaching for these first.
 */
import { Future } from '../../lib/concurrent.js';
import { IOLoop } from '../../lib/ioloop.js';
import { appLog, type LogRecord, type Logger } from '../../lib/log.js';

/** `resolved(value)`: a Future that already holds `value`; `rejected(error)`: one that already failed with `error`. */
export { resolvedFuture as resolved, failedFuture as rejected } from '../../lib/concurrent/future.js';

/** A Future resolved with `value` after `iterations` loop iterations. */
export function resolvedLater<T>(value: T, iterations = 1): Future<T> {
  const future = new Future<T>();
  const step = (left: number) => {
    if (left <= 1) future.setResult(value);
    else IOLoop.current().addCallback(step, left - 1);
  };
  IOLoop.current().addCallback(step, iterations);
  return future;
}

/** A Future that fails with `error` after one loop iteration. */
export function rejectedLater<T = never>(error: unknown): Future<T> {
  const future = new Future<T>();
  IOLoop.current().addCallback(() => future.setException(error));
  return future;
}

/**
 * Gives each test in the enclosing `describe` a fresh current IOLoop, closed
 * after the test. Returns a getter for it.
 */
export function useFreshLoop(): () => IOLoop {
  let loop: IOLoop | null = null;
  beforeEach(() => {
    loop = new IOLoop();
    loop.makeCurrent();
  });
  afterEach(() => {
    loop?.close();
    loop = null;
  });
  return () => loop!;
}

/** Resolves after `n` loop iterations of the current loop. */
export function iterations(n: number): Promise<void> {
  return new Promise((resolve) => {
    const step = (left: number) => {
      if (left === 0) resolve();
      else IOLoop.current().addCallback(step, left - 1);
    };
    step(n);
  });
}

/** Waits for `future` and returns what it failed with, or null if it succeeded: `expect(await failureOf(f)).to.be.instanceOf(E)`. */
export function failureOf(future: PromiseLike<unknown>): Promise<unknown> {
  return Promise.resolve(future).then(
    () => null,
    (error: unknown) => error,
  );
}

/**
 * Records what `logger` (appLog by default) emits while `fn` runs, hiding it
 * from stderr. Awaits `fn` if it returns a promise.
 */
export async function captureLog(fn: () => unknown, logger: Logger = appLog): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  const restore = logger.replaceHandlers([(record) => records.push(record)]);
  try {
    await fn();
  } finally {
    restore();
  }
  return records;
}

/** What `fn` throws synchronously; fails the test if it returns. */
export function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw, but the function returned');
}

/** What `promise` rejects with; fails the test if it resolves. */
export async function rejectionOf(promise: PromiseLike<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
