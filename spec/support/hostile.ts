/**
 * Fixtures for hostile-input specs: values that fight back when touched
 * (revoked Proxies, throwing traps and getters), a watch for unhandled
 * rejections, and a check that a loop still works after a fault.
 */
import { expect } from 'chai';
import { Future } from '../../lib/concurrent.js';
import { coroutine } from '../../lib/gen.js';
import { IOLoop } from '../../lib/ioloop.js';
import { iterations } from './index.js';

/** What hostile getters and traps throw, so a spec can tell it from an error whirlwind made. */
export class HostileError extends Error {
  override name = 'HostileError';
}

/** A Proxy that was revoked: every operation on it (even `instanceof`) throws a raw TypeError. */
export function revokedProxy<T extends object>(target: T = {} as T): T {
  const { proxy, revoke } = Proxy.revocable(target, {});
  revoke();
  return proxy;
}

/** A live Proxy whose getPrototypeOf trap throws: `instanceof` and `Array.isArray`-style checks on it throw. */
export function proxyThrowingOnGetPrototypeOf<T extends object>(target: T = {} as T): T {
  return new Proxy(target, {
    getPrototypeOf() {
      throw new HostileError('getPrototypeOf trap');
    },
  });
}

/** A function whose `name` getter throws: naming it in a log message throws. */
export function functionWithThrowingName<F extends Function>(fn: F): F {
  Object.defineProperty(fn, 'name', {
    get() {
      throw new HostileError('name getter');
    },
  });
  return fn;
}

/** Runs `fn` and returns the unhandled rejections (and uncaught exceptions) that escaped meanwhile. */
export async function escapedDuring(fn: () => unknown): Promise<unknown[]> {
  const escaped: unknown[] = [];
  const onEscape = (reason: unknown) => escaped.push(reason);
  process.on('unhandledRejection', onEscape);
  process.on('uncaughtException', onEscape);
  try {
    await fn();
    // Rejections are reported after the microtask queue drains: give it a macrotask.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('unhandledRejection', onEscape);
    process.off('uncaughtException', onEscape);
  }
  return escaped;
}

/**
 * Checks that `loop` (the current one) still runs every callback and wakes
 * coroutines: a fan-out of `size` callbacks that each schedule two more
 * (so a ready queue aliased with the running batch would lose entries), and a
 * coroutine woken by a Future set from a callback.
 */
export async function expectLoopStillWorks(loop: IOLoop = IOLoop.current(), size = 5000): Promise<void> {
  let first = 0;
  let second = 0;
  for (let i = 0; i < size; i++) {
    loop.addCallback(() => {
      first++;
      // Two each: with the queues aliased, these writes overtake the batch being read and overwrite its entries.
      loop.addCallback(() => second++);
      loop.addCallback(() => second++);
    });
  }
  const wake = new Future<string>();
  const sleeper = coroutine(function* () {
    return `woken by ${yield wake}`;
  })();
  loop.addCallback(() => wake.setResult('a callback'));
  await iterations(3);
  expect({ first, second }, 'fan-out after the fault').to.deep.equal({ first: size, second: 2 * size });
  expect(sleeper.done(), 'coroutine woken').to.equal(true);
  expect(sleeper.result()).to.equal('woken by a callback');
}
