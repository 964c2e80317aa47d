/**
 * Error classes shared by several modules. Each public module re-exports the
 * ones that belong to it (concurrent: InvalidStateError, CancelledError; gen:
 * BadYieldError, TimeoutError, ReturnValueIgnoredError; queues: QueueEmpty,
 * QueueFull), so this file has no imports and can be loaded first by anyone.
 */

/** Base for whirlwind's errors: sets `name` to the class name, as API.md asks. */
export class WhirlwindError extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(messageText(message, new.target.name), causeOption(options, new.target.name));
    this.name = new.target.name;
  }
}

/**
 * As `Error` does, a message that is not a string is converted (a Symbol
 * too, which `Error` itself refuses); one that cannot be (a revoked Proxy,
 * an object whose toString throws) is a TypeError naming the class.
 */
function messageText(message: unknown, errorName: string): string | undefined {
  if (message === undefined || typeof message === 'string') return message;
  try {
    return String(message);
  } catch (error) {
    throw new TypeError(
      `${errorName}: expected a message string, got a ${typeof message} that cannot be converted to one`,
      {
        cause: error,
      },
    );
  }
}

/** The `{ cause }` option, read once; options that cannot be read are a TypeError naming the class. */
function causeOption(options: unknown, errorName: string): { cause?: unknown } | undefined {
  if (options === undefined) return undefined;
  try {
    if (options === null || typeof options !== 'object') throw new TypeError(`got ${String(options)}`);
    return 'cause' in options ? { cause: (options as { cause?: unknown }).cause } : undefined;
  } catch (error) {
    throw new TypeError(`${errorName}: expected options { cause? }, which could not be read`, { cause: error });
  }
}

/**
 * An operation was attempted on a Future in the wrong state: `result()` on a
 * pending one, `setResult()` on a done one.
 *
 * @example
 * ```ts
 * try { new Future().result(); } catch (e) { e instanceof InvalidStateError; } // true
 * ```
 */
export class InvalidStateError extends WhirlwindError {}

/**
 * The Future (or the coroutine awaiting it) was cancelled.
 *
 * @example
 * ```ts
 * const f = new Future(); f.cancel();
 * try { f.result(); } catch (e) { e instanceof CancelledError; } // true
 * ```
 */
export class CancelledError extends WhirlwindError {
  constructor(message = 'the operation was cancelled', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A coroutine yielded something the runner cannot wait on. The message names
 * the value and the coroutine: `yielded unknown object 42 in coroutine fetchAll`.
 * Teach the runner a new kind of value with `registerYieldable`.
 *
 * @example
 * ```ts
 * const broken = coroutine(function* fetchAll() {
 *   yield 42 as any; // BadYieldError thrown in here: yielded unknown object 42 in coroutine fetchAll
 * });
 * ```
 */
export class BadYieldError extends WhirlwindError {}

/**
 * A deadline passed: `withTimeout`, `runSync({ timeout })`, timed waits in
 * locks and queues, `genTest`. The operation that timed out is not
 * cancelled by it (as in Tornado): `withTimeout` only stops waiting.
 *
 * @example
 * ```ts
 * try {
 *   yield withTimeout({ seconds: 1 }, slowOperation());
 * } catch (e) {
 *   if (!(e instanceof TimeoutError)) throw e;
 * }
 * ```
 */
export class TimeoutError extends WhirlwindError {
  constructor(message = 'Timeout', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A value returned where nobody can receive it (Tornado's legacy
 * `engine`/callback paths): a function wrapped by `returnFuture` must deliver
 * its result through the callback, so returning one throws this at the call.
 *
 * @example
 * ```ts
 * const wrong = returnFuture(function wrong(callback: (e: unknown, n?: number) => void) {
 *   return 42; // calling wrong() throws ReturnValueIgnoredError: use callback(null, 42)
 * });
 * ```
 */
export class ReturnValueIgnoredError extends WhirlwindError {}

/**
 * `getNowait()` found no item.
 *
 * @example
 * ```ts
 * try { new Queue().getNowait(); } catch (e) { e instanceof QueueEmpty; } // true
 * ```
 */
export class QueueEmpty extends WhirlwindError {}

/**
 * `putNowait()` found the queue at its `maxsize`.
 *
 * @example
 * ```ts
 * const q = new Queue(1); q.putNowait(1);
 * try { q.putNowait(2); } catch (e) { e instanceof QueueFull; } // true
 * ```
 */
export class QueueFull extends WhirlwindError {}
