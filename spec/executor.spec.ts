import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  CancelledError,
  Future,
  runOnExecutor,
  ThreadPoolExecutor,
  workerFunction,
  WorkerCrashedError,
} from '../lib/concurrent.js';
import { TimeoutError, withTimeout } from '../lib/gen.js';
import { PeriodicCallback } from '../lib/ioloop.js';
import type * as jobs from './support/executor-jobs.js';
import { failureOf, useFreshLoop } from './support/index.js';

const jobsModule = new URL('./support/executor-jobs.js', import.meta.url);
const add = workerFunction<typeof jobs.add>(jobsModule, 'add');
const addLater = workerFunction<typeof jobs.addLater>(jobsModule, 'addLater');
const whichThread = workerFunction<typeof jobs.whichThread>(jobsModule, 'whichThread');
const failWithCode = workerFunction<typeof jobs.failWithCode>(jobsModule, 'failWithCode');
const exitWorker = workerFunction<typeof jobs.exitWorker>(jobsModule, 'exitWorker');
const throwOutsideTheJob = workerFunction<typeof jobs.throwOutsideTheJob>(jobsModule, 'throwOutsideTheJob');
const blockUntilReleased = workerFunction<typeof jobs.blockUntilReleased>(jobsModule, 'blockUntilReleased');
const countRun = workerFunction<typeof jobs.countRun>(jobsModule, 'countRun');
const hashUntilTicks = workerFunction<typeof jobs.hashUntilTicks>(jobsModule, 'hashUntilTicks');
const unsendableResult = workerFunction<typeof jobs.unsendableResult>(jobsModule, 'unsendableResult');

/** Slots: 0 = release flag, 1 = runs finished, 2 = runs started. */
function controlBlock(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(3 * Int32Array.BYTES_PER_ELEMENT));
}

function release(control: Int32Array): void {
  Atomics.store(control, 0, 1);
  Atomics.notify(control, 0);
}

/** Resolves once a worker has started a blockUntilReleased job (slot 2 reaches `count`). */
async function started(control: Int32Array, count = 1): Promise<void> {
  while (Atomics.load(control, 2) < count) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('ThreadPoolExecutor', function () {
  // Starting a worker thread takes tens of milliseconds on a loaded machine.
  this.timeout(30_000);
  const loop = useFreshLoop();
  let pool: ThreadPoolExecutor;

  beforeEach(() => {
    pool = new ThreadPoolExecutor(2);
  });

  afterEach(async () => {
    await pool.shutdown(true, { cancelFutures: true });
  });

  describe('submit', () => {
    it('runs a self-contained function in a worker and resolves with its result', async () => {
      const future = pool.submit((a: number, b: number) => a * b, 6, 7);
      expect(future).to.be.instanceOf(Future);
      expect(await future).to.equal(42);
    });

    it('awaits an async function and gives its value', async () => {
      expect(await pool.submit(async (text: string) => text.toUpperCase(), 'loud')).to.equal('LOUD');
    });

    it('gives serialised functions require() for built-in modules', async () => {
      const digest = await pool.submit(
        (text: string) => require('node:crypto').createHash('sha256').update(text).digest('hex') as string,
        'abc',
      );
      expect(digest).to.equal('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });

    it('runs a module export given by workerFunction', async () => {
      expect(await pool.submit(add, 2, 3)).to.equal(5);
      expect(await pool.submit(addLater, 4, 5)).to.equal(9);
    });

    it('copies arguments and results by structured clone', async () => {
      const input = { when: new Date(0), tags: new Set(['a']), bytes: new Uint8Array([1, 2]) };
      const echoed = await pool.submit((value: typeof input) => value, input);
      expect(echoed).to.deep.equal(input);
      expect(echoed).to.not.equal(input);
    });

    it('refuses a native function, which has no source to send', () => {
      expect(() => pool.submit(Math.max as (...n: number[]) => number, 1, 2)).to.throw(
        TypeError,
        'max is a native or bound function',
      );
    });

    it('refuses a relative module path, naming it', () => {
      expect(() => workerFunction('./jobs.js', 'add')).to.throw(TypeError, "'./jobs.js' is relative");
    });

    it('names a long relative module path whole', () => {
      const relative = `../${'nested-folder/'.repeat(20)}jobs.js`;
      expect(() => workerFunction(relative, 'add')).to.throw(TypeError, `'${relative}' is relative`);
    });

    it('refuses submissions after shutdown', async () => {
      await pool.shutdown();
      expect(() => pool.submit(add, 1, 2)).to.throw(Error, 'submit() called on a ThreadPoolExecutor after shutdown()');
    });
  });

  describe('failures', () => {
    it("comes back with the error's class, message, stack and properties", async () => {
      const error = (await failureOf(pool.submit(failWithCode, 'bad job'))) as RangeError & { code: string };
      expect(error).to.be.instanceOf(RangeError);
      expect(error.message).to.equal('bad job');
      expect(error.code).to.equal('E_JOB');
      expect(error.stack).to.contain('failWithCode').and.to.contain('executor-jobs.js');
    });

    it('explains a ReferenceError of a function sent as source: no variables from around it, use workerFunction', async () => {
      const factor = 3;
      const error = (await failureOf(pool.submit((n: number) => n * factor, 2))) as ReferenceError;
      expect(error).to.be.instanceOf(ReferenceError);
      expect(error.message).to.equal(
        'factor is not defined (the function was sent to the worker thread as its source text, so it cannot use ' +
          'variables from around it: closures, imports, this; pass them as arguments, or run a module export with ' +
          'workerFunction(module, exportName))',
      );
      expect(error.stack).to.contain(error.message);
    });

    it('leaves a ReferenceError from a module export as it is', async () => {
      const referenceError = workerFunction<typeof jobs.referenceError>(jobsModule, 'referenceError');
      const error = (await failureOf(pool.submit(referenceError))) as ReferenceError;
      expect(error).to.be.instanceOf(ReferenceError);
      expect(error.message).to.equal('notDefinedAnywhere is not defined');
    });

    it('keeps the name of an error class the loop thread does not know', async () => {
      const error = await failureOf(
        pool.submit(() => {
          class QuotaError extends Error {
            name = 'QuotaError';
          }
          throw new QuotaError('over quota');
        }),
      );
      expect(error).to.be.instanceOf(Error).and.include({ name: 'QuotaError', message: 'over quota' });
    });

    it('passes a thrown non-Error value through as is', async () => {
      expect(
        await failureOf(
          pool.submit(() => {
            throw { reason: 42 };
          }),
        ),
      ).to.deep.equal({ reason: 42 });
    });

    it('fails the job, not the pool, when an argument cannot be cloned', async () => {
      const error = await failureOf(
        pool.submit(
          (f: unknown) => typeof f,
          () => 1,
        ),
      );
      expect(error).to.have.property('name', 'DataCloneError');
      expect(await pool.submit(add, 1, 1)).to.equal(2);
    });

    it('fails the job with a TypeError when its result cannot be cloned', async () => {
      const error = await failureOf(pool.submit(unsendableResult));
      expect(error).to.be.instanceOf(TypeError).with.property('message').that.contains('structured clone');
    });

    it('fails with WorkerCrashedError when the worker exits, and replaces the worker', async () => {
      const error = await failureOf(pool.submit(exitWorker, 3));
      expect(error).to.be.instanceOf(WorkerCrashedError);
      expect((error as Error).message).to.equal(
        `worker thread exited with code 3 while running exitWorker from ${jobsModule.href}`,
      );
      expect(await pool.submit(add, 20, 22)).to.equal(42);
    });

    it('fails with WorkerCrashedError caused by an exception that escaped the job', async () => {
      const error = (await failureOf(pool.submit(throwOutsideTheJob))) as WorkerCrashedError;
      expect(error).to.be.instanceOf(WorkerCrashedError);
      expect(error.message).to.contain('Error: escaped the job');
      expect(error.cause).to.have.property('message', 'escaped the job');
    });
  });

  describe('scheduling', () => {
    it('uses at most maxWorkers threads', async () => {
      const threads = await Promise.all(Array.from({ length: 8 }, () => pool.submit(whichThread)));
      expect(new Set(threads).size).to.be.at.most(2);
      expect(String(pool)).to.match(/^<ThreadPoolExecutor workers=[12]\/2 busy=0 queued=0>$/);
    });

    it('runs 1,000 queued jobs and gives each its own result', async () => {
      const futures = Array.from({ length: 1000 }, (_, i) => pool.submit((n: number) => n * n, i));
      const results = await Promise.all(futures);
      expect(results).to.deep.equal(Array.from({ length: 1000 }, (_, i) => i * i));
    });

    it('keeps the loop answering a 10 ms timer while a worker hashes', async () => {
      const ticksSeen = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
      const timer = new PeriodicCallback(() => {
        Atomics.add(ticksSeen, 0, 1);
      }, 10);
      timer.start();
      try {
        // The job only finishes after the loop's timer has fired five times while it computes.
        const { rounds, ticksWhileHashing } = await pool.submit(hashUntilTicks, ticksSeen, 5);
        expect(rounds).to.be.at.least(1);
        expect(ticksWhileHashing).to.be.at.least(5);
      } finally {
        timer.stop();
      }
    });

    it('is what IOLoop.runInExecutor submits to', async () => {
      expect(await loop().runInExecutor(pool, (a: number, b: number) => a - b, 10, 4)).to.equal(6);
    });
  });

  describe('cancellation and timeouts', () => {
    it('never runs a job cancelled while it waits for a worker', async () => {
      const single = new ThreadPoolExecutor(1);
      const control = controlBlock();
      try {
        const blocking = single.submit(blockUntilReleased, control);
        const cancelled = single.submit(countRun, control);
        expect(cancelled.cancel()).to.equal(true);
        release(control);
        expect(await blocking).to.equal(1);
        expect(await single.submit(add, 1, 2)).to.equal(3);
        expect(Atomics.load(control, 1)).to.equal(1);
      } finally {
        await single.shutdown(true, { cancelFutures: true });
      }
    });

    it('terminates the worker of a running job that is cancelled, and goes on with a new one', async () => {
      const control = controlBlock();
      const running = pool.submit(blockUntilReleased, control);
      await started(control);
      expect(running.cancel()).to.equal(true);
      expect(await failureOf(running)).to.be.instanceOf(CancelledError);
      expect(await pool.submit(add, 2, 2)).to.equal(4);
      expect(Atomics.load(control, 1)).to.equal(0);
    });

    it('lets withTimeout give up on a job without stopping it', async () => {
      const control = controlBlock();
      const job = pool.submit(blockUntilReleased, control);
      expect(await failureOf(withTimeout({ seconds: 0.01 }, job))).to.be.instanceOf(TimeoutError);
      release(control);
      expect(await job).to.equal(1);
    });

    it("stops the job when runSync's timeout cancels it", async () => {
      const control = controlBlock();
      const error = await failureOf(loop().runSync(() => pool.submit(blockUntilReleased, control), { timeout: 0.05 }));
      expect(error).to.be.instanceOf(TimeoutError);
      release(control);
      expect(await pool.submit(add, 0, 1)).to.equal(1);
      expect(Atomics.load(control, 1)).to.equal(0);
    });
  });

  describe('shutdown', () => {
    it('waits for queued and running jobs before resolving', async () => {
      const control = controlBlock();
      const first = pool.submit(blockUntilReleased, control);
      const queued = [1, 2, 3].map((n) => pool.submit(add, n, n));
      const stopped = pool.shutdown();
      release(control);
      await stopped;
      expect(first.done()).to.equal(true);
      expect(queued.map((f) => f.result())).to.deep.equal([2, 4, 6]);
      expect(String(pool)).to.equal('<ThreadPoolExecutor workers=0/2 busy=0 queued=0 shut down>');
    });

    it('returns at once without wait, and still finishes the queued work', async () => {
      const job = pool.submit(add, 5, 5);
      expect(pool.shutdown(false).done()).to.equal(true);
      expect(await job).to.equal(10);
    });

    it('cancels the jobs that have not started with cancelFutures', async () => {
      const control = controlBlock();
      const running = [pool.submit(blockUntilReleased, control), pool.submit(blockUntilReleased, control)];
      const queued = pool.submit(countRun, control);
      await started(control, 2);
      const stopped = pool.shutdown(true, { cancelFutures: true });
      expect(queued.cancelled()).to.equal(true);
      release(control);
      await stopped;
      expect(running.map((f) => f.result()).sort()).to.deep.equal([1, 2]);
      expect(Atomics.load(control, 1)).to.equal(2);
    });

    for (const mode of ['idle', 'shutdown']) {
      it(`lets the process exit by itself with ${mode === 'idle' ? 'an idle pool' : 'a pool shut down'}`, async () => {
        const script = new URL('./support/executor-exit.js', import.meta.url);
        const { stdout } = await promisify(execFile)(process.execPath, [script.pathname, mode], { timeout: 20_000 });
        expect(stdout.trim()).to.equal('sum 5');
      });
    }
  });
});

describe('runOnExecutor', function () {
  this.timeout(30_000);
  useFreshLoop();

  class Hasher {
    executor = new ThreadPoolExecutor(1);
    pool = new ThreadPoolExecutor(1);

    @runOnExecutor
    square(n: number): number {
      return n * n;
    }

    @runOnExecutor({ executor: 'pool' })
    async describe(n: number): Promise<string> {
      return `n=${n}`;
    }

    async close(): Promise<void> {
      await Promise.all([this.executor.shutdown(), this.pool.shutdown()]);
    }
  }

  it('runs the method on this.executor and returns a Future', async () => {
    const hasher = new Hasher();
    try {
      const result = hasher.square(7) as unknown as Future<number>;
      expect(result).to.be.instanceOf(Future);
      expect(await result).to.equal(49);
    } finally {
      await hasher.close();
    }
  });

  it('uses the property named by the executor option', async () => {
    const hasher = new Hasher();
    try {
      expect(await hasher.describe(3)).to.equal('n=3');
    } finally {
      await hasher.close();
    }
  });

  it('keeps the method name', () => {
    expect(Hasher.prototype.square.name).to.equal('square');
  });

  it('works with any executor that has submit()', async () => {
    const inline = {
      submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A) {
        const future = new Future<R>();
        future.setResult(fn(...args));
        return future;
      },
    };
    class Local {
      executor = inline;
      @runOnExecutor
      twice(n: number): number {
        return n * 2;
      }
    }
    expect(await new Local().twice(21)).to.equal(42);
  });

  it('throws a TypeError naming the property when this has no executor', () => {
    class Orphan {
      @runOnExecutor
      work(): number {
        return 1;
      }
    }
    expect(() => new Orphan().work()).to.throw(
      TypeError,
      'runOnExecutor: work needs this.executor to be an executor with submit(), got undefined',
    );
  });
});

describe('IOLoop.runInExecutor(null, ...): the default executor', function () {
  this.timeout(30_000);
  const loop = useFreshLoop();

  /** An executor that runs the function here, recording calls and shutdowns. */
  function recordingExecutor() {
    const calls: unknown[][] = [];
    const shutdowns: unknown[] = [];
    return {
      calls,
      shutdowns,
      submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Promise<Awaited<R>> {
        calls.push(args);
        return Promise.resolve(fn(...args)) as Promise<Awaited<R>>;
      },
      shutdown(wait: boolean) {
        shutdowns.push(wait);
      },
    };
  }

  it('runs the function on a worker thread of a pool the loop makes on first use, and reuses it', async () => {
    const first = await loop().runInExecutor(null, (a: number, b: number) => a * b, 6, 7);
    expect(first).to.equal(42);
    const threads = [];
    for (let i = 0; i < 3; i++) threads.push(await loop().runInExecutor(null, whichThread));
    expect(threads.every((id) => id !== 0)).to.equal(true); // 0 is the main thread
    expect(new Set(threads).size).to.equal(1); // one idle worker, reused
  });

  it('uses the executor given to setDefaultExecutor instead', async () => {
    const executor = recordingExecutor();
    loop().setDefaultExecutor(executor);
    expect(await loop().runInExecutor(null, (n: number) => n + 1, 1)).to.equal(2);
    expect(executor.calls).to.deep.equal([[1]]);
  });

  it('shuts the default executor down, without waiting, when the loop closes', () => {
    const executor = recordingExecutor();
    loop().setDefaultExecutor(executor);
    loop().close();
    expect(executor.shutdowns).to.deep.equal([false]);
  });

  it('refuses to make a pool for a closed loop', () => {
    loop().close();
    expect(() => loop().runInExecutor(null, () => 1)).to.throw(Error, 'runInExecutor() called on a closed IOLoop');
  });

  it('refuses a default executor without submit(), naming what was given', () => {
    expect(() => loop().setDefaultExecutor(5 as never)).to.throw(
      TypeError,
      'setDefaultExecutor: expected an executor with submit(), got 5',
    );
  });
});
