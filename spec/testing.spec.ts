import { expect } from 'chai';
import sinon from 'sinon';
import { Future } from '../lib/concurrent.js';
import { coroutine, moment, sleep, TimeoutError } from '../lib/gen.js';
import { IOLoop } from '../lib/ioloop.js';
import { appLog, Logger, LogLevel, type LogRecord } from '../lib/log.js';
import { ExpectLog, genTest, getAsyncTestTimeout } from '../lib/testing.js';
import { captureLog, rejectionOf } from './support/index.js';

/** A stand-in for mocha's `this`, recording the timeout genTest asks for. */
function fakeMochaContext(): { timeout: sinon.SinonSpy } {
  return { timeout: sinon.spy() };
}

/** Runs a wrapped test as mocha would. */
function runWrapped(wrapped: (this: any) => Promise<void>, context: object = fakeMochaContext()): Promise<void> {
  return wrapped.call(context);
}

/** Sets ASYNC_TEST_TIMEOUT for each test of the enclosing describe; restores it after. */
function withAsyncTestTimeoutEnv(): (value: string | undefined) => void {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.ASYNC_TEST_TIMEOUT;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.ASYNC_TEST_TIMEOUT;
    else process.env.ASYNC_TEST_TIMEOUT = saved;
  });
  return (value) => {
    if (value === undefined) delete process.env.ASYNC_TEST_TIMEOUT;
    else process.env.ASYNC_TEST_TIMEOUT = value;
  };
}

describe('genTest', () => {
  const setEnv = withAsyncTestTimeoutEnv();
  beforeEach(() => setEnv(undefined));

  it('runs a generator test to completion', async () => {
    const steps: string[] = [];
    await runWrapped(
      genTest(function* () {
        steps.push('start');
        yield moment;
        yield sleep(0.001);
        steps.push('end');
      }),
    );
    expect(steps).to.deep.equal(['start', 'end']);
  });

  it('runs the test on a fresh loop made current for it, closes it after, and restores the previous one', async () => {
    const outer = IOLoop.current();
    let inside: IOLoop | null = null;
    await runWrapped(
      genTest(function* () {
        inside = IOLoop.current();
        yield moment;
      }),
    );
    expect(inside).to.be.instanceOf(IOLoop);
    expect(inside).to.not.equal(outer);
    expect(inside!.isClosed()).to.equal(true);
    expect(IOLoop.current()).to.equal(outer);
  });

  it('gives each test its own loop', async () => {
    const loops: IOLoop[] = [];
    const test = genTest(function* () {
      loops.push(IOLoop.current());
      yield moment;
    });
    await runWrapped(test);
    await runWrapped(test);
    expect(loops[0]).to.not.equal(loops[1]);
  });

  it('rejects with what the test throws, and still closes its loop', async () => {
    let loop: IOLoop | null = null;
    const error = await rejectionOf(
      runWrapped(
        genTest(function* () {
          loop = IOLoop.current();
          yield moment;
          expect(1).to.equal(2);
        }),
      ),
    );
    expect(error.name).to.equal('AssertionError');
    expect(loop!.isClosed()).to.equal(true);
  });

  it('runs async function tests too', async () => {
    let loop: IOLoop | null = null;
    await runWrapped(
      genTest(async () => {
        loop = IOLoop.current();
        await sleep(0.001);
      }),
    );
    expect(loop!.isClosed()).to.equal(true);
    const error = new Error('async failure');
    expect(
      await rejectionOf(
        runWrapped(
          genTest(async () => {
            await moment;
            throw error;
          }),
        ),
      ),
    ).to.equal(error);
  });

  it('runs plain synchronous tests', async () => {
    let ran = false;
    await runWrapped(
      genTest(() => {
        ran = true;
      }),
    );
    expect(ran).to.equal(true);
  });

  it("passes mocha's this to the test and keeps the test's name", async () => {
    const context = fakeMochaContext();
    let seen: unknown = null;
    const wrapped = genTest(function* namedTest(this: unknown) {
      seen = this;
      yield moment;
    });
    await runWrapped(wrapped, context);
    expect(seen).to.equal(context);
    expect(wrapped.name).to.equal('namedTest');
  });

  it('takes no parameters, so mocha never waits for a done callback', () => {
    expect(genTest(function* (this: unknown) {}).length).to.equal(0);
  });

  it('ends quietly with a coroutine it spawned still waiting', async () => {
    const never = new Future<void>();
    const records = await captureLog(() =>
      runWrapped(
        genTest(function* () {
          IOLoop.current().spawnCallback(
            coroutine(function* () {
              yield never;
            }),
          );
          yield moment;
        }),
      ),
    );
    expect(records).to.deep.equal([]);
  });

  it("sets mocha's timeout a little beyond its own, so its own fires first", async () => {
    const context = fakeMochaContext();
    await runWrapped(
      genTest(function* () {}, { timeout: 3 }),
      context,
    );
    expect(context.timeout.calledOnceWith(5000)).to.equal(true);
  });

  describe('timeout', () => {
    it('fails a test still pending after the timeout with TimeoutError', async () => {
      const error = await rejectionOf(
        runWrapped(
          genTest(
            function* () {
              yield new Future();
            },
            { timeout: 0.02 },
          ),
        ),
      );
      expect(error).to.be.instanceOf(TimeoutError);
      expect(error.message).to.equal('Async operation timed out after 0.02 seconds');
    });

    it('throws the TimeoutError into the generator at the pending yield', async () => {
      const seenInside: string[] = [];
      const error = await rejectionOf(
        runWrapped(
          genTest(
            function* () {
              try {
                yield new Future();
              } catch (e) {
                seenInside.push(`caught ${(e as Error).name}`);
                throw e;
              } finally {
                seenInside.push('finally');
              }
            },
            { timeout: 0.02 },
          ),
        ),
      );
      expect(seenInside).to.deep.equal(['caught TimeoutError', 'finally']);
      expect(error).to.be.instanceOf(TimeoutError);
    });

    it('still fails when the generator swallows the TimeoutError and finishes', async () => {
      const error = await rejectionOf(
        runWrapped(
          genTest(
            function* () {
              try {
                yield new Future();
              } catch {
                return 'swallowed';
              }
            },
            { timeout: 0.02 },
          ),
        ),
      );
      expect(error).to.be.instanceOf(TimeoutError);
    });

    it('still fails, and closes its loop, when the generator swallows the TimeoutError and waits again', async () => {
      let testLoop: IOLoop | undefined;
      const error = await rejectionOf(
        runWrapped(
          genTest(
            function* () {
              testLoop = IOLoop.current();
              for (;;) {
                try {
                  yield new Future();
                } catch {
                  // a retry loop: try again
                }
              }
            },
            { timeout: 0.02 },
          ),
        ),
      );
      expect(error).to.be.instanceOf(TimeoutError);
      expect(testLoop!.isClosed()).to.equal(true);
    });

    it('fails an async function test that is still pending', async () => {
      const error = await rejectionOf(runWrapped(genTest(() => new Future<void>(), { timeout: 0.02 })));
      expect(error).to.be.instanceOf(TimeoutError);
    });

    it("treats a timeout beyond Node's timer limit, or Infinity, as that long, not as 1 ms", async () => {
      for (const timeout of [Infinity, 3e6]) {
        await runWrapped(
          genTest(
            function* () {
              yield sleep(0.01);
            },
            { timeout },
          ),
        );
      }
    });

    it("is not frozen by a test's fake timers", async () => {
      const error = await rejectionOf(
        runWrapped(
          genTest(
            function* () {
              const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
              try {
                yield new Future();
              } finally {
                clock.restore();
              }
            },
            { timeout: 0.02 },
          ),
        ),
      );
      expect(error).to.be.instanceOf(TimeoutError);
    });

    it('defaults to 5 seconds', () => {
      expect(getAsyncTestTimeout()).to.equal(5);
    });

    it('defaults to ASYNC_TEST_TIMEOUT when set to a positive number', () => {
      setEnv('0.25');
      expect(getAsyncTestTimeout()).to.equal(0.25);
      setEnv('not a number');
      expect(getAsyncTestTimeout()).to.equal(5);
      setEnv('');
      expect(getAsyncTestTimeout()).to.equal(5);
    });

    it('reads ASYNC_TEST_TIMEOUT when the test runs', async () => {
      const hanging = genTest(function* () {
        yield new Future();
      });
      setEnv('0.02');
      const error = await rejectionOf(runWrapped(hanging));
      expect(error.message).to.equal('Async operation timed out after 0.02 seconds');
    });

    it('prefers an explicit timeout to ASYNC_TEST_TIMEOUT', async () => {
      setEnv('0.001');
      await runWrapped(
        genTest(
          function* () {
            // Outlives the environment's timeout by far, on Node's own clock.
            yield new Promise((resolve) => setTimeout(resolve, 50));
          },
          { timeout: 5 },
        ),
      );
    });
  });

  it('rejects a body that is not a function, or a timeout that is not a positive number', () => {
    expect(() => genTest(42 as never)).to.throw(
      TypeError,
      'genTest: expected a generator function or async function, got 42',
    );
    expect(() => genTest(function* () {}, { timeout: 0 })).to.throw(RangeError, 'got 0');
    expect(() => genTest(function* () {}, { timeout: '1' as never })).to.throw(RangeError, "got '1'");
  });
});

describe('ExpectLog', () => {
  let logger: Logger;
  let passedThrough: LogRecord[];
  beforeEach(() => {
    logger = new Logger('test.expectlog');
    passedThrough = [];
    logger.replaceHandlers([(record) => passedThrough.push(record)]);
  });

  it('hides matching records and counts them', () => {
    const expectLog = new ExpectLog(logger, /Exception in callback/);
    expectLog.use(() => {
      logger.error('Exception in callback tick', new Error('boom'));
      logger.error('Exception in callback tock');
    });
    expect(expectLog.matched).to.equal(2);
    expect(passedThrough).to.deep.equal([]);
  });

  it('lets records that do not match through to the handlers', () => {
    new ExpectLog(logger, /expected/).use(() => {
      logger.warning('expected line');
      logger.warning('something else');
    });
    expect(passedThrough.map((r) => r.message)).to.deep.equal(['something else']);
  });

  it('anchors the pattern at the start of the message, as re.match', () => {
    const expectLog = new ExpectLog(logger, 'callback', { required: false });
    expectLog.use(() => {
      logger.error('Exception in callback');
      logger.error('callback failed');
    });
    expect(expectLog.matched).to.equal(1);
    expect(passedThrough.map((r) => r.message)).to.deep.equal(['Exception in callback']);
  });

  it('keeps the flags of a RegExp pattern, and matches the same way every time', () => {
    const expectLog = new ExpectLog(logger, /exception/gi);
    expectLog.use(() => {
      logger.error('Exception one');
      logger.error('EXCEPTION two');
    });
    expect(expectLog.matched).to.equal(2);
  });

  it('is required by default: end() throws when nothing matched', () => {
    const expectLog = new ExpectLog(logger, /never logged/).begin();
    logger.info('something else');
    expect(() => expectLog.end()).to.throw(
      Error,
      'did not get expected log message matching /^(?:never logged)/ on test.expectlog',
    );
  });

  it('does not throw when nothing matched and required is false', () => {
    const expectLog = new ExpectLog(logger, /never logged/, { required: false }).begin();
    expect(() => expectLog.end()).to.not.throw();
  });

  it('stops hiding records after end()', () => {
    const expectLog = new ExpectLog(logger, /hidden/).begin();
    logger.info('hidden once');
    expectLog.end();
    logger.info('hidden no more');
    expect(passedThrough.map((r) => r.message)).to.deep.equal(['hidden no more']);
  });

  it('ends at the close of a using block', () => {
    {
      using _expectLog = new ExpectLog(logger, /inside/).begin();
      logger.info('inside the block');
    }
    logger.info('inside? no, after');
    expect(passedThrough.map((r) => r.message)).to.deep.equal(['inside? no, after']);
  });

  it('returns what a synchronous function given to use() returns', () => {
    const value = new ExpectLog(logger, /x/).use(() => {
      logger.info('x marks the spot');
      return 42;
    });
    expect(value).to.equal(42);
  });

  it('waits for a Promise returned to use() before ending, and resolves with its value', async () => {
    const expectLog = new ExpectLog(logger, /late/);
    const value = await expectLog.use(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      logger.info('late line');
      return 'done';
    });
    expect(value).to.equal('done');
    expect(expectLog.matched).to.equal(1);
  });

  it('rejects from use() when the async function ends without a required match', async () => {
    const error = await rejectionOf(new ExpectLog(logger, /never/).use(async () => {}));
    expect(error.message).to.match(/^did not get expected log message/);
  });

  it("lets use()'s own failure through instead of complaining about the missing line", async () => {
    const syncError = new Error('sync failure');
    expect(() =>
      new ExpectLog(logger, /never/).use(() => {
        throw syncError;
      }),
    ).to.throw(syncError);
    const asyncError = new Error('async failure');
    expect(
      await rejectionOf(
        new ExpectLog(logger, /never/).use(async () => {
          throw asyncError;
        }),
      ),
    ).to.equal(asyncError);
    logger.info('never');
    expect(passedThrough.map((r) => r.message)).to.deep.equal(['never']);
  });

  it('works with a Future returned to use()', async () => {
    const future = new Future<string>();
    const pending = new ExpectLog(logger, /from the loop/).use(() => future);
    IOLoop.current().addCallback(() => {
      logger.info('from the loop');
      future.setResult('ok');
    });
    expect(await pending).to.equal('ok');
  });

  it('matches only records at exactly the given level', () => {
    const expectLog = new ExpectLog(logger, /disk/, { level: LogLevel.WARNING });
    expectLog.use(() => {
      logger.warning('disk almost full');
      logger.error('disk full');
    });
    expect(expectLog.matched).to.equal(1);
    expect(passedThrough.map((r) => r.message)).to.deep.equal(['disk full']);
  });

  it('lowers the logger level while active so the expected record is emitted, then restores it', () => {
    const expectLog = new ExpectLog(logger, /debug detail/, { level: LogLevel.DEBUG });
    expectLog.use(() => {
      expect(logger.level).to.equal(LogLevel.DEBUG);
      logger.debug('debug detail');
    });
    expect(logger.level).to.equal(LogLevel.INFO);
    expect(expectLog.matched).to.equal(1);
  });

  it('records whether any record carried an error', () => {
    const withStack = new ExpectLog(logger, /failed/);
    withStack.use(() => logger.error('failed', new Error('stack')));
    expect(withStack.loggedStack).to.equal(true);
    const withoutStack = new ExpectLog(logger, /failed/);
    withoutStack.use(() => logger.error('failed'));
    expect(withoutStack.loggedStack).to.equal(false);
  });

  it('catches what the loop logs to appLog', async () => {
    const loop = new IOLoop();
    try {
      await new ExpectLog(appLog, /Exception in callback/).use(() =>
        loop.runSync(() => {
          loop.addCallback(() => {
            throw new Error('boom');
          });
          return sleep(0.001);
        }),
      );
    } finally {
      loop.close();
    }
  });

  it('rejects a logger or pattern of the wrong kind with a TypeError naming it', () => {
    expect(() => new ExpectLog('whirlwind.application' as never, /x/)).to.throw(
      TypeError,
      "ExpectLog: expected a Logger (appLog, genLog, ...), got 'whirlwind.application'",
    );
    expect(() => new ExpectLog(logger, 42 as never)).to.throw(
      TypeError,
      'ExpectLog: expected a RegExp or a pattern string, got 42',
    );
  });
});
