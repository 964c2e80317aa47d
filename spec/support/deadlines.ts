/**
 * Fixtures for specs where deadlines matter (locks, queues): a fake clock
 * (sinon fakes `setTimeout` and `performance.now`, all the IOLoop's timers
 * use, while the loop's own iteration hop stays real) and a typed check of
 * what a timed-out wait rejects with.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { iterations, rejectionOf } from './index.js';

/** Expects `future` to reject with an instance of `errorClass`; returns the error for further checks. */
export async function expectRejection<E>(
  future: PromiseLike<unknown>,
  errorClass: new (...args: any[]) => E,
): Promise<E> {
  const error = await rejectionOf(future);
  expect(error).to.be.instanceOf(errorClass);
  return error as E;
}

/** Installs a fake clock around each test of the enclosing `describe`; returns `advance(seconds)`. */
export function useFakeClock(): (seconds: number) => Promise<void> {
  let clock: sinon.SinonFakeTimers | null = null;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    clock?.restore();
    clock = null;
  });
  // After the timers, two iterations: one runs what the timers queued, the next their done callbacks.
  return async (seconds: number) => {
    await clock!.tickAsync(seconds * 1000);
    await iterations(2);
  };
}
