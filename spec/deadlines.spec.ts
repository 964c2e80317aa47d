/**
 * A number timeout is an absolute deadline on `IOLoop.time()` (Tornado's
 * meaning, kept). The two usual mistakes, a duration (`q.get(5)`) or a
 * wall-clock time (`Date.now() / 1000 + 5`) passed as that number, draw a
 * warning on genLog; and every TimeoutError says which deadline passed.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { Future } from '../lib/concurrent.js';
import { once, withTimeout } from '../lib/gen.js';
import { FUTURE_DEADLINE_WARNING_SECONDS, PAST_DEADLINE_WARNING_SECONDS } from '../lib/internal/timeout.js';
import { Condition, Lock } from '../lib/locks.js';
import { genLog, type LogRecord } from '../lib/log.js';
import { Queue } from '../lib/queues.js';
import { captureLog, failureOf, iterations, useFreshLoop } from './support/index.js';
import { EventEmitter } from 'node:events';

describe('number deadlines', () => {
  const loop = useFreshLoop();
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    // The loop's clock reads 100 s: a process that has been up a while.
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    clock.tick(100_000);
  });
  afterEach(() => clock.restore());

  /** Warnings genLog emits while `fn` runs (the Future it makes is observed and cancelled after). */
  async function warningsOf(fn: () => unknown): Promise<string[]> {
    const made: unknown[] = [];
    const records: LogRecord[] = await captureLog(() => {
      made.push(fn());
    }, genLog);
    for (const f of made) {
      if (!(f instanceof Future)) continue;
      f.addDoneCallback(() => {});
      f.cancel();
    }
    return records.map((r) => r.message);
  }

  describe('a deadline far in the past', () => {
    it('warns naming the API, the value, IOLoop.current().time() and the relative form', async () => {
      expect(await warningsOf(() => new Queue().get(5))).to.deep.equal([
        'Queue.get: the deadline 5 is 95 s in the past, so it expires at once. A number is an absolute deadline on ' +
          'IOLoop.current().time() (now 100), not a duration: for a relative timeout pass { seconds: 5 }',
      ]);
    });

    it(`warns only beyond ${PAST_DEADLINE_WARNING_SECONDS} s: a deadline that just passed expires at once, silently`, async () => {
      expect(await warningsOf(() => new Lock().acquire(100 - PAST_DEADLINE_WARNING_SECONDS))).to.deep.equal([]);
      expect(await warningsOf(() => new Lock().acquire(100 - PAST_DEADLINE_WARNING_SECONDS - 0.01))).to.have.length(1);
    });

    it('warns from every API that takes a Timeout, and from callAt', async () => {
      const lock = new Lock();
      await lock.acquire();
      const warned = [
        ...(await warningsOf(() => withTimeout(3, new Future()))),
        ...(await warningsOf(() => new Condition().wait(3))),
        ...(await warningsOf(() => lock.acquire(3))),
        ...(await warningsOf(() => new Queue(1).join(3).catch(() => {}))),
        ...(await warningsOf(() => once(new EventEmitter(), 'ready', { timeout: 3 }))),
        ...(await warningsOf(() => loop().addTimeout(3, () => {}))),
        ...(await warningsOf(() => loop().callAt(3, () => {}))),
      ];
      expect(warned.map((m) => m.slice(0, m.indexOf(':')))).to.deep.equal([
        'withTimeout',
        'Condition.wait',
        'Lock.acquire',
        'Queue.join',
        'once',
        'addTimeout',
        'callAt',
      ]);
    });
  });

  describe('a deadline absurdly far ahead', () => {
    it('warns for a wall-clock time in seconds, which would never pass', async () => {
      const wallClock = 1_780_000_000.05;
      const [warning] = await warningsOf(() => withTimeout(wallClock, new Future()));
      expect(warning).to.equal(
        'withTimeout: the deadline 1780000000.05 is 56 years ahead of IOLoop.current().time() (now 100), so it will ' +
          'never pass. A number is an absolute deadline on that monotonic clock, which counts from the process start ' +
          '(not Date.now()): for a relative timeout pass { seconds: n }, or IOLoop.current().time() + n',
      );
    });

    it('warns only beyond a year ahead', async () => {
      expect(await warningsOf(() => new Queue().get(100 + FUTURE_DEADLINE_WARNING_SECONDS))).to.deep.equal([]);
      expect(await warningsOf(() => new Queue().get(100 + FUTURE_DEADLINE_WARNING_SECONDS + 1))).to.have.length(1);
    });

    it('takes Infinity as meant (never), without a warning', async () => {
      expect(await warningsOf(() => new Queue().get(Infinity))).to.deep.equal([]);
    });
  });

  it('never warns about a relative timeout, however long', async () => {
    expect(await warningsOf(() => new Queue().get({ seconds: 0 }))).to.deep.equal([]);
    expect(
      await warningsOf(() => withTimeout({ seconds: 2 * FUTURE_DEADLINE_WARNING_SECONDS }, new Future())),
    ).to.deep.equal([]);
    expect(await warningsOf(() => loop().callLater(2 * FUTURE_DEADLINE_WARNING_SECONDS, () => {}))).to.deep.equal([]);
  });

  it('warns once for addTimeout, which schedules through callAt', async () => {
    expect(await warningsOf(() => loop().addTimeout(1, () => {}))).to.have.length(1);
  });

  describe('the TimeoutError', () => {
    async function timeoutMessage(future: Future<unknown>): Promise<string> {
      await clock.tickAsync(1000);
      await iterations(2);
      return ((await failureOf(future)) as Error).message;
    }

    it('says that a number deadline had already passed when given, and how to pass a relative timeout', async () => {
      let get!: Future<unknown>;
      await captureLog(() => {
        get = new Queue().get(0.05); // its warning is tested above
      }, genLog);
      expect(await timeoutMessage(get)).to.equal(
        'Queue.get() timed out: the deadline 0.05 on IOLoop.time() passed; it had already passed when given, ' +
          'at 100 (a number is an absolute deadline; for a relative timeout pass { seconds: 0.05 })',
      );
    });

    it('names the number deadline that passed', async () => {
      const get = new Queue().get(100.25);
      expect(await timeoutMessage(get)).to.equal('Queue.get() timed out: the deadline 100.25 on IOLoop.time() passed');
    });

    it('names the relative timeout and the deadline it made', async () => {
      const wrapped = withTimeout({ milliseconds: 250 }, new Future());
      expect(await timeoutMessage(wrapped)).to.equal(
        'Timeout after { milliseconds: 250 }: the deadline 100.25 on IOLoop.time() passed',
      );
    });
  });
});
