/**
 * Testing coroutine code with mocha, as Tornado's `tornado.testing`:
 * `genTest` runs a test on a fresh IOLoop with a timeout, `ExpectLog`
 * asserts (and hides) expected log lines.
 *
 * @example
 * ```ts
 * import { genTest, ExpectLog } from 'whirlwind/testing';
 * it('fetches', genTest(function* () {
 *   const response = yield client.fetch(url);
 *   expect(response.code).to.equal(200);
 * }, { timeout: 10 }));
 * ```
 * @module
 */
import { Future } from './concurrent.js';
import { IOLoop } from './ioloop.js';
import { coroutine, Runner } from './gen/runner.js';
import { TimeoutError } from './internal/errors.js';
import { describeValue } from './internal/describe.js';
import type { LogRecord, Logger, LogLevel } from './log.js';

/** Options for {@link genTest}. */
export interface GenTestOptions {
  /** Seconds before the test fails with TimeoutError; default 5, or `ASYNC_TEST_TIMEOUT` from the environment. */
  timeout?: number;
}

/** The default `genTest` timeout: `ASYNC_TEST_TIMEOUT` seconds if set, else 5 (as Tornado). */
export function getAsyncTestTimeout(): number {
  const fromEnv = process.env.ASYNC_TEST_TIMEOUT;
  if (fromEnv !== undefined && fromEnv !== '') {
    const seconds = Number(fromEnv);
    if (Number.isFinite(seconds) && seconds > 0) return seconds;
  }
  return 5;
}

type TestBody<This> =
  | ((this: This) => Generator<unknown, unknown, any>)
  | ((this: This) => PromiseLike<unknown> | Future<unknown> | void);

/**
 * Wraps a generator (or async) test function for mocha: it runs as a
 * coroutine on a fresh IOLoop made current for the test and closed after.
 * On timeout a `TimeoutError` is thrown *into* the generator, so the failure's
 * stack points at the `yield` that was still pending.
 *
 * @example
 * ```ts
 * it('sleeps', genTest(function* () {
 *   yield sleep(0.01);
 * }));
 * ```
 */
export function genTest<This = Mocha.Context>(
  body: TestBody<This>,
  options: GenTestOptions = {},
): (this: This) => Promise<void> {
  if (typeof body !== 'function') {
    throw new TypeError(`genTest: expected a generator function or async function, got ${describeValue(body)}`);
  }
  const timeout = options.timeout ?? getAsyncTestTimeout();
  if (typeof timeout !== 'number' || !(timeout > 0)) {
    throw new RangeError(`genTest: timeout must be a positive number of seconds, got ${describeValue(timeout)}`);
  }
  const asCoroutine = coroutine(body as (this: This) => unknown);
  const wrapped = function (this: This): Promise<void> {
    const mochaContext = this as unknown as { timeout?: (ms: number) => void } | undefined;
    // Our own timeout must fire first, so mocha's is set a little longer.
    if (mochaContext && typeof mochaContext.timeout === 'function') mochaContext.timeout(timeout * 1000 + 2000);
    return runOnFreshLoop(() => asCoroutine.call(this), timeout);
  };
  Object.defineProperty(wrapped, 'name', { value: body.name, configurable: true });
  return wrapped;
}

function runOnFreshLoop(start: () => Future<unknown>, timeout: number): Promise<void> {
  const loop = new IOLoop();
  loop.makeCurrent();
  const cleanUp = () => loop.close();
  return new Promise<void>((resolve, reject) => {
    let work: Future<unknown>;
    try {
      work = start();
    } catch (error) {
      cleanUp();
      reject(error);
      return;
    }
    let timedOut: TimeoutError | null = null;
    const timer = setTimeout(() => {
      timedOut = new TimeoutError(`Async operation timed out after ${timeout} seconds`);
      if (work instanceof Runner && work.throwIn(timedOut)) {
        // The generator now sees the error at its pending yield; if it swallows it, still fail.
        return;
      }
      cleanUp();
      reject(timedOut);
    }, timeout * 1000);
    work.addDoneCallback((done) => {
      clearTimeout(timer);
      cleanUp();
      const error = done.cancelled() ? done.cancellationError() : done.exception();
      if (error !== null) reject(error);
      else if (timedOut !== null) reject(timedOut);
      else resolve();
    });
  });
}

/** Options for {@link ExpectLog}. */
export interface ExpectLogOptions {
  /** Fail in `end()` if no line matched (default true). */
  required?: boolean;
  /** Only records at this level or above can match. */
  level?: LogLevel;
}

/**
 * Expects a log line matching `regex` (anchored at the start, as Python's
 * `re.match`) on `logger` while it is active: matching lines are hidden, and
 * `end()` throws if a required one never came.
 *
 * @example
 * ```ts
 * await new ExpectLog(appLog, /Exception in callback/).use(async () => {
 *   IOLoop.current().addCallback(() => { throw new Error('boom'); });
 *   await moment;
 * });
 * ```
 */
export class ExpectLog {
  readonly logger: Logger;
  readonly regex: RegExp;
  readonly required: boolean;
  readonly level: LogLevel | undefined;
  /** How many records matched so far. */
  matched = 0;
  private active = false;
  private readonly filter = (record: LogRecord): boolean => {
    if (this.level !== undefined && record.level < this.level) return true;
    if (!this.regex.test(record.message)) return true;
    this.matched++;
    return false;
  };

  constructor(logger: Logger, regex: RegExp | string, options: ExpectLogOptions = {}) {
    if (logger === null || typeof logger !== 'object' || typeof (logger as Logger).addFilter !== 'function') {
      throw new TypeError(`ExpectLog: expected a Logger (appLog, genLog, ...), got ${describeValue(logger)}`);
    }
    const source = typeof regex === 'string' ? regex : regex.source;
    const flags = typeof regex === 'string' ? '' : regex.flags.replace(/[gy]/g, '');
    this.logger = logger;
    this.regex = new RegExp(`^(?:${source})`, flags);
    this.required = options.required ?? true;
    this.level = options.level;
  }

  /** Starts capturing. */
  begin(): this {
    if (!this.active) {
      this.active = true;
      this.logger.addFilter(this.filter);
    }
    return this;
  }

  /** Stops capturing; throws if a required line never matched. */
  end(): void {
    if (this.active) {
      this.active = false;
      this.logger.removeFilter(this.filter);
    }
    if (this.required && this.matched === 0) {
      throw new Error(`did not get expected log message matching ${this.regex} on ${this.logger.name}`);
    }
  }

  /** `using _ = new ExpectLog(...).begin()` ends at block exit. */
  [Symbol.dispose](): void {
    this.end();
  }

  /**
   * Runs `fn` with capturing on and ends afterwards; if `fn` returns a
   * Future or Promise, ends when it settles (and returns a Promise).
   */
  use<R>(fn: () => R): R extends PromiseLike<infer V> ? Promise<V> : R {
    this.begin();
    let returned: R;
    try {
      returned = fn();
    } catch (error) {
      this.stopQuietly();
      throw error;
    }
    if (returned !== null && typeof returned === 'object' && typeof (returned as { then?: unknown }).then === 'function') {
      return Promise.resolve(returned as unknown as PromiseLike<unknown>).then(
        (value) => {
          this.end();
          return value;
        },
        (error) => {
          this.stopQuietly();
          throw error;
        },
      ) as never;
    }
    this.end();
    return returned as never;
  }

  private stopQuietly(): void {
    if (this.active) {
      this.active = false;
      this.logger.removeFilter(this.filter);
    }
  }
}
