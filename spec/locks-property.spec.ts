/**
 * whirlwind/locks under random interleavings: fast-check drives acquire
 * (with and without timeouts), release, cancellation and clock advances on a
 * BoundedSemaphore, and checks after every step that no more coroutines hold
 * it than it has slots, that slots are granted in the order they were asked
 * for, and, at the end, that every acquire that neither timed out nor was
 * cancelled was granted.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import sinon from 'sinon';
import type { Future } from '../lib/concurrent.js';
import { TimeoutError } from '../lib/gen.js';
import { IOLoop } from '../lib/ioloop.js';
import { BoundedSemaphore, type Releaser } from '../lib/locks.js';

type Operation =
  | { kind: 'acquire'; timeoutMs: number | undefined }
  | { kind: 'release' }
  | { kind: 'cancel' }
  | { kind: 'advance'; milliseconds: number };

const operationArbitrary: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .option(fc.integer({ min: 0, max: 4 }), { nil: undefined })
      .map((timeoutMs) => ({ kind: 'acquire' as const, timeoutMs })),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'release' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'cancel' as const }) },
  {
    weight: 2,
    arbitrary: fc.integer({ min: 0, max: 3 }).map((milliseconds) => ({ kind: 'advance' as const, milliseconds })),
  },
);

async function runScenario(slots: number, operations: Operation[]): Promise<void> {
  const loop = new IOLoop();
  loop.makeCurrent();
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  try {
    const semaphore = new BoundedSemaphore(slots);
    const requests: { id: number; future: Future<Releaser>; seen: boolean }[] = [];
    const granted: number[] = [];
    const held: Releaser[] = [];

    const collectGrants = () => {
      for (const request of requests) {
        if (request.seen || !request.future.done()) continue;
        request.seen = true;
        if (request.future.cancelled()) continue;
        const error = request.future.exception();
        if (error !== null) {
          expect(error).to.be.instanceOf(TimeoutError);
          continue;
        }
        granted.push(request.id);
        held.push(request.future.result());
      }
    };

    for (const operation of operations) {
      switch (operation.kind) {
        case 'acquire':
          requests.push({
            id: requests.length,
            future: semaphore.acquire(
              operation.timeoutMs === undefined ? undefined : { milliseconds: operation.timeoutMs },
            ),
            seen: false,
          });
          break;
        case 'release':
          if (held.length > 0) held.shift()!.release();
          else expect(() => semaphore.release()).to.throw(RangeError, 'Semaphore released too many times');
          break;
        case 'cancel':
          requests.find((request) => !request.future.done())?.future.cancel();
          break;
        case 'advance':
          await clock.tickAsync(operation.milliseconds);
          break;
      }
      collectGrants();
      expect(held.length, 'holders never exceed the slots').to.be.at.most(slots);
      expect(granted, 'slots are granted in the order they were asked for').to.deep.equal(
        [...granted].sort((a, b) => a - b),
      );
    }

    // Let every timeout fire, then release everything: every request still waiting gets its turn.
    await clock.tickAsync(10);
    collectGrants();
    while (held.length > 0) {
      held.shift()!.release();
      collectGrants();
    }
    for (const request of requests) expect(request.future.done(), `request ${request.id} settled`).to.equal(true);
    expect(String(semaphore)).to.equal(`<BoundedSemaphore [unlocked,value:${slots}]>`);
  } finally {
    clock.restore();
    loop.close();
  }
}

describe('random interleavings of acquire, release, timeouts and cancellation on a BoundedSemaphore', () => {
  it('never over-grant, grant in request order, and leave no request hanging', async function () {
    this.timeout(30_000);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.array(operationArbitrary, { maxLength: 50 }), runScenario),
      { numRuns: 500 },
    );
  });
});
