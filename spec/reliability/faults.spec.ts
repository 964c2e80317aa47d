/**
 * Fault tests: user code that throws from a done callback, a timer, a
 * PeriodicCallback, a `finally` block or a `registerYieldable` converter is
 * reported ("Exception in callback", or the coroutine's own failure), the
 * loop keeps going, and coroutines that had nothing to do with it finish
 * exactly as they would have.
 *
 * Each test runs a few *bystander* coroutines (moments, sleeps, a Promise, a
 * timer-resolved Future) alongside the fault on a fresh loop with a fake
 * clock, and checks their step logs at the end.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { Future } from '../../lib/concurrent.js';
import { IOLoop, PeriodicCallback } from '../../lib/ioloop.js';
import { coroutine, moment, multi, registerYieldable, sleep } from '../../lib/gen.js';
import { appLog, type LogRecord } from '../../lib/log.js';
import { useFakeClock } from '../support/deadlines.js';
import { escapedDuring, expectLoopStillWorks, functionWithThrowingName, revokedProxy } from '../support/hostile.js';
import { captureLog, failureOf, iterations, useFreshLoop } from '../support/index.js';

const bystander = coroutine(function* (name: string) {
  const steps: string[] = [];
  yield moment;
  steps.push('moment');
  yield sleep(0.01);
  steps.push('slept');
  steps.push(`promise ${yield Promise.resolve(name)}`);
  const fromTimer = new Future<string>();
  IOLoop.current().callLater(0.02, () => fromTimer.setResult('timer'));
  steps.push(`${yield fromTimer}`);
  for (let i = 0; i < 3; i++) yield moment;
  steps.push('done');
  return steps;
});

const BYSTANDER_STEPS = (name: string) => ['moment', 'slept', `promise ${name}`, 'timer', 'done'];

function startBystanders(): Future<string[][]> {
  return multi(['a', 'b', 'c'].map((name) => bystander(name)));
}

async function expectBystandersUnaffected(
  bystanders: Future<string[][]>,
  advance: (s: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; i < 10 && !bystanders.done(); i++) await advance(0.01);
  expect(bystanders.done(), 'bystanders finished').to.equal(true);
  expect(bystanders.result()).to.deep.equal(['a', 'b', 'c'].map(BYSTANDER_STEPS));
}

function callbackErrors(records: LogRecord[]): unknown[] {
  return records.filter((r) => r.message.startsWith('Exception in callback')).map((r) => r.error);
}

class Boom extends Error {
  override name = 'Boom';
}

describe('faults in user code', () => {
  const currentLoop = useFreshLoop();
  const advance = useFakeClock();

  describe('a done callback that throws', () => {
    it('is logged once, and the callbacks after it still run', async () => {
      const boom = new Boom('in done callback');
      const ran: string[] = [];
      let bystanders!: Future<string[][]>;
      const records = await captureLog(async () => {
        bystanders = startBystanders();
        const future = new Future<number>();
        future.addDoneCallback(() => ran.push('first'));
        future.addDoneCallback(() => {
          throw boom;
        });
        future.addDoneCallback((f) => ran.push(`third ${f.result()}`));
        future.setResult(7);
        await expectBystandersUnaffected(bystanders, advance);
      });
      expect(ran).to.deep.equal(['first', 'third 7']);
      expect(callbackErrors(records)).to.deep.equal([boom]);
    });

    it('does not change what a coroutine waiting on the same Future receives', async () => {
      const boom = new Boom('in done callback');
      const shared = new Future<string>();
      const waiter = coroutine(function* () {
        return `got ${yield shared}`;
      });
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        shared.addDoneCallback(() => {
          throw boom;
        });
        const waiting = waiter();
        shared.setResult('value');
        await expectBystandersUnaffected(bystanders, advance);
        expect(await waiting).to.equal('got value');
      });
      expect(callbackErrors(records)).to.deep.equal([boom]);
    });
  });

  describe('a timer that throws', () => {
    it('is logged, and the timers due at the same time and later still run', async () => {
      const boom = new Boom('in timer');
      const ran: string[] = [];
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        const loop = currentLoop();
        loop.callLater(0.005, () => ran.push('before'));
        loop.callLater(0.005, () => {
          throw boom;
        });
        loop.callLater(0.005, () => ran.push('same deadline'));
        loop.addTimeout({ milliseconds: 30 }, () => ran.push('later'));
        await expectBystandersUnaffected(bystanders, advance);
      });
      expect(ran).to.deep.equal(['before', 'same deadline', 'later']);
      expect(callbackErrors(records)).to.deep.equal([boom]);
    });

    it('is logged when what it throws is not an Error', async () => {
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        currentLoop().callLater(0.001, () => {
          throw 'a string'; // eslint-disable-line no-throw-literal -- user code does this
        });
        await expectBystandersUnaffected(bystanders, advance);
      });
      expect(callbackErrors(records)).to.deep.equal(['a string']);
    });

    it('is logged when it returns a Future that fails later, and the loop goes on', async () => {
      const boom = new Boom('in the coroutine a timer started');
      const failingLater = coroutine(function* () {
        yield sleep(0.005);
        throw boom;
      });
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        currentLoop().callLater(0.001, failingLater);
        await expectBystandersUnaffected(bystanders, advance);
      });
      expect(callbackErrors(records)).to.deep.equal([boom]);
    });
  });

  describe('a PeriodicCallback that throws', () => {
    it('is logged at every call and keeps being called on schedule', async () => {
      let calls = 0;
      const errors: Boom[] = [];
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        const periodic = new PeriodicCallback(() => {
          calls++;
          const error = new Boom(`call ${calls}`);
          errors.push(error);
          throw error;
        }, 10);
        periodic.start();
        for (let i = 0; i < 5; i++) await advance(0.01);
        periodic.stop();
        await expectBystandersUnaffected(bystanders, advance);
        await advance(0.05);
      });
      expect(calls).to.equal(5);
      expect(callbackErrors(records)).to.deep.equal(errors);
    });

    it('is logged when its returned Future fails, and keeps being called', async () => {
      let calls = 0;
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        const periodic = new PeriodicCallback(() => {
          calls++;
          return Promise.reject(new Boom(`async call ${calls}`));
        }, 10);
        periodic.start();
        for (let i = 0; i < 3; i++) await advance(0.01);
        periodic.stop();
        await expectBystandersUnaffected(bystanders, advance);
      });
      expect(calls).to.equal(3);
      expect(callbackErrors(records).map((e) => (e as Error).message)).to.deep.equal([
        'async call 1',
        'async call 2',
        'async call 3',
      ]);
    });
  });

  describe('a finally block that throws', () => {
    it('fails its own coroutine with that error, which the caller can catch', async () => {
      const boom = new Boom('in finally');
      const inner = coroutine(function* () {
        try {
          yield sleep(0.001);
          return 'never seen';
        } finally {
          throw boom; // eslint-disable-line no-unsafe-finally -- the fault under test
        }
      });
      const outer = coroutine(function* () {
        try {
          yield inner();
        } catch (error) {
          return error;
        }
      });
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        const caught = outer();
        await expectBystandersUnaffected(bystanders, advance);
        expect(await caught).to.equal(boom);
      });
      expect(records).to.deep.equal([]);
    });

    it('replaces the CancelledError of a cancelled coroutine, as in asyncio', async () => {
      const boom = new Boom('in finally during cancellation');
      const cancelled = coroutine(function* () {
        try {
          yield new Future<void>();
        } finally {
          throw boom; // eslint-disable-line no-unsafe-finally -- the fault under test
        }
      });
      const bystanders = startBystanders();
      const future = cancelled();
      expect(future.cancel()).to.equal(true);
      await expectBystandersUnaffected(bystanders, advance);
      expect(future.cancelled()).to.equal(false);
      expect(await failureOf(future)).to.equal(boom);
    });

    it('is logged once when the coroutine was spawned and nobody waits for it', async () => {
      const boom = new Boom('in finally of a spawned coroutine');
      const spawned = coroutine(function* () {
        try {
          yield moment;
        } finally {
          throw boom; // eslint-disable-line no-unsafe-finally -- the fault under test
        }
      });
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        currentLoop().spawnCallback(spawned);
        await expectBystandersUnaffected(bystanders, advance);
      });
      expect(callbackErrors(records)).to.deep.equal([boom]);
    });

    it('fails a multi with that error only after every sibling has finished', async () => {
      const boom = new Boom('in finally of one child');
      const finished: string[] = [];
      const child = coroutine(function* (name: string, fails: boolean) {
        try {
          yield sleep(name === 'slow' ? 0.03 : 0.001);
        } finally {
          finished.push(name);
          if (fails) throw boom; // eslint-disable-line no-unsafe-finally -- the fault under test
        }
        return name;
      });
      const bystanders = startBystanders();
      const all = multi([child('fast', true), child('slow', false)]);
      await expectBystandersUnaffected(bystanders, advance);
      await advance(0.05);
      expect(await failureOf(all)).to.equal(boom);
      expect(finished).to.deep.equal(['fast', 'slow']);
    });
  });

  describe('a registerYieldable converter that throws', () => {
    class Widget {
      constructor(readonly name: string) {}
    }
    let unregister: (() => void) | null = null;
    afterEach(() => {
      unregister?.();
      unregister = null;
    });

    it('throws into the yielding coroutine at its yield, which can catch it and go on', async () => {
      const boom = new Boom('in converter');
      unregister = registerYieldable(
        (value): value is Widget => value instanceof Widget,
        () => {
          throw boom;
        },
      );
      const user = coroutine(function* () {
        const steps: unknown[] = [];
        try {
          yield new Widget('w');
        } catch (error) {
          steps.push(error);
        }
        yield moment;
        steps.push('went on');
        return steps;
      });
      const bystanders = startBystanders();
      const steps = user();
      await expectBystandersUnaffected(bystanders, advance);
      expect(await steps).to.deep.equal([boom, 'went on']);
    });

    it('is logged once when the coroutine was spawned and does not catch it', async () => {
      const boom = new Boom('in converter, uncaught');
      unregister = registerYieldable(
        (value): value is Widget => value instanceof Widget,
        () => {
          throw boom;
        },
      );
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        currentLoop().spawnCallback(
          coroutine(function* () {
            yield new Widget('w');
          }),
        );
        await expectBystandersUnaffected(bystanders, advance);
      });
      expect(callbackErrors(records)).to.deep.equal([boom]);
    });

    it('does not affect coroutines yielding other things when its test function throws', async () => {
      const boom = new Boom('in converter test');
      unregister = registerYieldable(
        (value): value is Widget => {
          if (value instanceof Promise) throw boom; // a careless test that trips over other values
          return value instanceof Widget;
        },
        (widget: Widget) => Promise.resolve(widget.name),
      );
      const user = coroutine(function* () {
        return yield new Widget('converted');
      });
      const records = await captureLog(async () => {
        const bystanders = startBystanders();
        const converted = user();
        await expectBystandersUnaffected(bystanders, advance);
        expect(await converted).to.equal('converted');
        await iterations(2);
      });
      // Logged at each yield that tripped it (the bystanders' Promises), and nothing else.
      expect(records.length).to.be.above(0);
      for (const record of records) {
        expect(record.message).to.match(/^Exception in registerYieldable test /);
        expect(record.error).to.equal(boom);
      }
    });
  });
  describe('a fault while reporting a failed callback', () => {
    /** Runs `fn` with stderr captured (nothing reaches the real one); returns what was written. */
    async function stderrDuring(fn: () => Promise<void>): Promise<string> {
      const writes: string[] = [];
      const write = sinon.stub(process.stderr, 'write').callsFake((chunk: string | Uint8Array) => {
        writes.push(String(chunk));
        return true;
      });
      try {
        await fn();
      } finally {
        write.restore();
      }
      return writes.join('');
    }

    /**
     * Schedules `fault` between two callbacks, with a coroutine waiting on a
     * Future that the callback after the fault sets; checks that all of it
     * ran, that nothing escaped, and that the loop is whole afterwards.
     */
    async function expectBatchSurvives(scheduleFault: () => void): Promise<{ records: LogRecord[]; stderr: string }> {
      const ran: string[] = [];
      const unrelated = new Future<string>();
      const waiter = coroutine(function* () {
        return yield unrelated;
      })();
      let records: LogRecord[] = [];
      let stderr = '';
      const escaped = await escapedDuring(async () => {
        stderr = await stderrDuring(async () => {
          records = await captureLog(async () => {
            const bystanders = startBystanders();
            currentLoop().addCallback(() => ran.push('before'));
            scheduleFault();
            currentLoop().addCallback(() => {
              ran.push('after');
              unrelated.setResult('resumed');
            });
            await expectBystandersUnaffected(bystanders, advance);
          });
        });
      });
      expect(ran).to.deep.equal(['before', 'after']);
      expect(await waiter).to.equal('resumed');
      expect(escaped, 'unhandled rejections').to.deep.equal([]);
      await expectLoopStillWorks(currentLoop());
      return { records, stderr };
    }

    it('goes on when a log filter throws, and the failure still reaches the handlers', async () => {
      const boom = new Boom('in callback');
      const filter = () => {
        throw new Error('filter broke');
      };
      appLog.addFilter(filter);
      try {
        const { records, stderr } = await expectBatchSurvives(() =>
          currentLoop().addCallback(() => {
            throw boom;
          }),
        );
        expect(callbackErrors(records)).to.deep.equal([boom]);
        expect(stderr).to.contain('whirlwind: log filter failed: Error: filter broke');
      } finally {
        appLog.removeFilter(filter);
      }
    });

    it('goes on when the callback is a revoked Proxy, logged as <Revoked Proxy>', async () => {
      const { records } = await expectBatchSurvives(() => currentLoop().addCallback(revokedProxy(() => {})));
      expect(records.map((r) => r.message)).to.deep.equal(['Exception in callback <Revoked Proxy>']);
      expect(records[0].error).to.be.instanceOf(TypeError);
    });

    it('goes on when the callback that threw has a name getter that throws', async () => {
      const boom = new Boom('in callback');
      const { records } = await expectBatchSurvives(() =>
        currentLoop().addCallback(
          functionWithThrowingName(() => {
            throw boom;
          }),
        ),
      );
      expect(callbackErrors(records)).to.deep.equal([boom]);
      expect(records[0].message).to.equal('Exception in callback <a function that cannot be described>');
    });

    it('goes on when a done callback with a throwing name getter fails among other listeners', async () => {
      const boom = new Boom('in done callback');
      const heard: string[] = [];
      const { records } = await expectBatchSurvives(() => {
        const future = new Future<number>();
        future.addDoneCallback(() => heard.push('first'));
        future.addDoneCallback(
          functionWithThrowingName(() => {
            throw boom;
          }),
        );
        future.addDoneCallback(() => heard.push('third'));
        future.setResult(1);
      });
      expect(heard).to.deep.equal(['first', 'third']);
      expect(callbackErrors(records)).to.deep.equal([boom]);
    });

    it('goes on when appLog.error itself throws, and says so on stderr', async () => {
      const error = sinon.stub(appLog, 'error').throws(new Error('logger broke'));
      try {
        const { stderr } = await expectBatchSurvives(() =>
          currentLoop().addCallback(() => {
            throw new Boom('in callback');
          }),
        );
        expect(stderr).to.contain('whirlwind: logging an exception in a callback failed: Error: logger broke');
      } finally {
        error.restore();
      }
    });

    it('runs the rest of the batch even when reporting an internal entry throws', async () => {
      // enqueue() is internal: its entries are named through their first argument, here one that cannot be inspected.
      const { stderr } = await expectBatchSurvives(() =>
        currentLoop().enqueue(() => {
          throw new Boom('in internal entry');
        }, revokedProxy()),
      );
      expect(stderr).to.contain('whirlwind: IOLoop iteration failed: TypeError');
    });
  });
});
