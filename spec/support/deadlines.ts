/**
 * A fake clock for specs where deadlines matter (locks, queues): sinon fakes
 * `setTimeout` and `performance.now`, which is all the IOLoop's timers use,
 * while the loop's own iteration hop (microtasks) stays real.
 */
import sinon from 'sinon';
import { iterations } from './index.js';

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
