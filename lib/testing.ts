/// <reference types="node" preserve="true" />
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
import { environmentVariable } from '#platform';
import type { Future } from './concurrent/future.js';
import { IOLoop } from './ioloop.js';
import { coroutine, Runner } from './gen/runner.js';
import { TimeoutError } from './internal/errors.js';
import { checkFunction, checkObject, checkOptions, refuse } from './internal/arguments.js';
import { describeValue, isRevokedProxy } from './internal/describe-safely.js';
import { finishAfter } from './internal/settle.js';
import type { LogRecord, Logger, LogLevel } from './log.js';

// Captured at load: a test that installs sinon's fake timers must not freeze
// the very timeout that is meant to catch it hanging.
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;
/** Node's setTimeout limit: beyond it (Infinity included) Node fires after 1 ms instead, so longer timeouts wait this long. */
const MAX_NODE_TIMER_DELAY_MS = 2 ** 31 - 1;
/** After the timeout is thrown in, how long (at most) the test may take to end: well inside the 2 s mocha adds. */
const MAX_GRACE_SECONDS = 1;

/** Options for {@link genTest}. */
export interface GenTestOptions {
  /**
   * Seconds before the test fails with TimeoutError. Default: `ASYNC_TEST_TIMEOUT`
   * from the environment (read when the test runs), else 5.
   */
  timeout?: number;
}

/**
 * The default `genTest` timeout: `ASYNC_TEST_TIMEOUT` seconds if set, else 5 (as Tornado).
 *
 * @example
 * ```ts
 * // ASYNC_TEST_TIMEOUT=30 npm test
 * getAsyncTestTimeout(); // 30
 * ```
 */
export function getAsyncTestTimeout(): number {
  const fromEnv = environmentVariable('ASYNC_TEST_TIMEOUT');
  if (fromEnv !== undefined && fromEnv !== '') {
    const seconds = Number(fromEnv);
    if (Number.isFinite(seconds) && seconds > 0) return seconds;
  }
  return 5;
}

/**
 * The part of mocha's test context (`this` in an `it` callback) that a test body may use: declared here,
 * structurally, so that `whirlwind` and `whirlwind/testing` compile in a project without `@types/mocha`.
 * Mocha's `Mocha.Context` has all of it, so `it('...', genTest(...))` type-checks; for the whole of
 * mocha's context inside the body, write `genTest<Mocha.Context>(...)`, and `genTest<void>(...)` for a
 * test called outside mocha.
 *
 * @example
 * ```ts
 * it('is slow on a cold cache', genTest(function* () {
 *   this.slow(500); // this: TestContext
 *   yield sleep(0.01);
 * }));
 * ```
 */
export interface TestContext {
  /** Sets the test's timeout in milliseconds (genTest sets it a little above its own timeout). */
  timeout(ms: number): unknown;
  /** Sets the duration in milliseconds above which the test counts as slow. */
  slow(ms: number): unknown;
  /** Marks the test skipped and stops it. */
  skip(): never;
  /** Sets how many times a failing test is retried. */
  retries(n: number): unknown;
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
export function genTest<This = TestContext>(
  body: TestBody<This>,
  options: GenTestOptions = {},
): (this: This) => Promise<void> {
  checkFunction(body, 'genTest', 'a generator function or async function');
  const explicitTimeout = checkOptions(options, 'genTest').timeout;
  if (explicitTimeout !== undefined && (typeof explicitTimeout !== 'number' || !(explicitTimeout > 0))) {
    throw new RangeError(
      `genTest: timeout must be a positive number of seconds, got ${describeValue(explicitTimeout)}`,
    );
  }
  const asCoroutine = coroutine(body as (this: This) => unknown);
  const wrapped = function (this: This): Promise<void> {
    const timeout = explicitTimeout ?? getAsyncTestTimeout();
    const mochaContext = this as unknown as { timeout?: (ms: number) => void } | undefined;
    // Our own timeout must fire first, so mocha's is set a little longer.
    if (mochaContext && typeof mochaContext.timeout === 'function') mochaContext.timeout(timeout * 1000 + 2000);
    return runOnFreshLoop(() => asCoroutine.call(this), timeout);
  };
  Object.defineProperty(wrapped, 'name', { value: body.name, configurable: true });
  return wrapped;
}

function runOnFreshLoop(start: () => Future<unknown>, timeout: number): Promise<void> {
  const previous = IOLoop.current();
  const loop = new IOLoop();
  loop.makeCurrent();
  const cleanUp = () => {
    loop.close();
    if (!previous.isClosed()) previous.makeCurrent();
  };
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
    const timer = realSetTimeout(
      () => {
        timedOut = new TimeoutError(`Async operation timed out after ${timeout} seconds`);
        // throwIn schedules on the current loop: make sure that is the test's.
        if (!loop.isClosed()) loop.makeCurrent();
        if (work instanceof Runner && work.throwIn(timedOut)) {
          // The generator now sees the error at its pending yield; if it swallows it, still fail.
          // One that swallows it and waits again (a retry loop) gets a short grace for its
          // finally blocks, then fails anyway: else it hung until mocha's timeout with its
          // loop left open, running into the next tests.
          graceTimer = realSetTimeout(() => {
            cleanUp();
            reject(timedOut);
          }, Math.min(timeout, MAX_GRACE_SECONDS) * 1000);
          return;
        }
        cleanUp();
        reject(timedOut);
      },
      Math.min(timeout * 1000, MAX_NODE_TIMER_DELAY_MS),
    );
    let graceTimer: ReturnType<typeof setTimeout> | undefined;
    work.addDoneCallback((done) => {
      realClearTimeout(timer);
      if (graceTimer !== undefined) realClearTimeout(graceTimer);
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
  /**
   * Only records at exactly this level match (as Tornado); while active, the
   * logger's level is lowered to it if needed so the record is emitted at all.
   */
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
  /** The logger watched. */
  readonly logger: Logger;
  /** The pattern, anchored at the start of the message (a string pattern is compiled; `g`/`y` flags dropped). */
  readonly regex: RegExp;
  /** Whether `end()` throws when nothing matched (default true). */
  readonly required: boolean;
  /** Only records at exactly this level match; undefined matches any level. */
  readonly level: LogLevel | undefined;
  /** How many records matched so far. */
  matched = 0;
  /** True once any record carrying an error (a stack) went through, matched or not. */
  loggedStack = false;
  private active = false;
  private savedLoggerLevel: LogLevel | null = null;
  private readonly filter = (record: LogRecord): boolean => {
    if (record.error !== undefined) this.loggedStack = true;
    if (this.level !== undefined && record.level !== this.level) return true;
    if (!this.regex.test(record.message)) return true;
    this.matched++;
    return false;
  };

  constructor(logger: Logger, regex: RegExp | string, options: ExpectLogOptions = {}) {
    checkObject(logger, 'ExpectLog', 'a Logger (appLog, genLog, ...)');
    if (typeof (logger as Logger).addFilter !== 'function')
      refuse('ExpectLog', 'a Logger (appLog, genLog, ...)', logger);
    if (typeof regex !== 'string' && (isRevokedProxy(regex) || !(regex instanceof RegExp))) {
      refuse('ExpectLog', 'a RegExp or a pattern string', regex);
    }
    options = checkOptions(options, 'ExpectLog');
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
      if (this.level !== undefined && this.logger.level > this.level) {
        this.savedLoggerLevel = this.logger.level;
        this.logger.setLevel(this.level);
      }
      this.logger.addFilter(this.filter);
    }
    return this;
  }

  /** Stops capturing; throws if a required line never matched. */
  end(): void {
    this.stopQuietly();
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
    checkFunction(fn, 'ExpectLog.use');
    this.begin();
    return finishAfter(
      fn,
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

  private stopQuietly(): void {
    if (!this.active) return;
    this.active = false;
    this.logger.removeFilter(this.filter);
    if (this.savedLoggerLevel !== null) {
      this.logger.setLevel(this.savedLoggerLevel);
      this.savedLoggerLevel = null;
    }
  }
}
