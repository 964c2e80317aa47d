/**
 * Argument checks at the public entry points (issue 11, point 9): each bad
 * argument is refused at the call with a TypeError that names the entry
 * point and what it expected, never the engine's own "Cannot read
 * properties of null" or "Cannot perform 'get' on a proxy that has been
 * revoked". The API fuzz (spec/reliability/api-fuzz.spec.ts) sweeps every
 * entry point; these are the cases the issue names, pinned message by message.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { Future, futureSetExceptionUnlessCancelled, futureSetResultUnlessCancelled } from '../lib/concurrent.js';
import { CancelledError } from '../lib/concurrent.js';
import { coroutine, events, multi, once, withTimeout } from '../lib/gen.js';
import { IOLoop } from '../lib/ioloop.js';
import { Logger } from '../lib/log.js';
import { PriorityQueue } from '../lib/queues.js';
import { revokedProxy } from './support/hostile.js';
import { thrownBy, useFreshLoop } from './support/index.js';

function expectRefusal(fn: () => unknown, message: string): void {
  const error = thrownBy(fn);
  expect(error).to.be.instanceOf(TypeError);
  expect(error.message).to.equal(message);
}

describe('argument checks', () => {
  useFreshLoop();

  describe('a null options argument', () => {
    it('is refused by multi', () => {
      expectRefusal(() => multi([], null as never), 'multi: expected an options object (or nothing), got null');
    });

    it('is refused by withTimeout', () => {
      expectRefusal(
        () => withTimeout({ seconds: 1 }, new Future(), null as never),
        'withTimeout: expected an options object (or nothing), got null',
      );
    });

    it('is refused by once', () => {
      expectRefusal(
        () => once(new EventEmitter(), 'x', null as never),
        'once: expected an options object (or nothing), got null',
      );
    });

    it('is refused by events', () => {
      expectRefusal(
        () => events(new EventEmitter(), 'x', null as never),
        'events: expected an options object (or nothing), got null',
      );
    });

    it('is refused by runSync', () => {
      expectRefusal(
        () => new IOLoop().runSync(() => undefined, null as never),
        'runSync: expected an options object (or nothing), got null',
      );
    });

    it('is refused by new PriorityQueue', () => {
      expectRefusal(
        () => new PriorityQueue(0, null as never),
        'PriorityQueue: expected an options object (or nothing), got null',
      );
    });
  });

  it('refuses a number as once() options, which used to be accepted and never settle', () => {
    expectRefusal(
      () => once(new EventEmitter(), 'x', 5 as never),
      'once: expected an options object (or nothing), got 5',
    );
  });

  it('refuses something that is not a Future in futureSetResultUnlessCancelled and futureSetExceptionUnlessCancelled', () => {
    expectRefusal(
      () => futureSetResultUnlessCancelled({} as never, 1),
      'futureSetResultUnlessCancelled: expected a Future, got {}',
    );
    expectRefusal(
      () => futureSetExceptionUnlessCancelled(Promise.resolve() as never, new Error()),
      'futureSetExceptionUnlessCancelled: expected a Future, got Promise { undefined }',
    );
  });

  it('refuses a cancel message that is not a string, on a Future and on a coroutine', () => {
    expectRefusal(
      () => new Future().cancel(Symbol('why') as never),
      'cancel: expected a message string (or nothing), got Symbol(why)',
    );
    const running = coroutine(function* () {
      yield new Future();
    })();
    expectRefusal(
      () => running.cancel(Symbol('why') as never),
      'cancel: expected a message string (or nothing), got Symbol(why)',
    );
  });

  it('turns a Symbol given to an error class as its message into text, as Error does with other values', () => {
    expect(new CancelledError(Symbol('why') as never).message).to.equal('Symbol(why)');
  });

  describe('a revoked Proxy', () => {
    it('is refused by name where a function is expected', () => {
      expectRefusal(
        () => coroutine(revokedProxy(function* () {})),
        'coroutine: expected a generator function or function, got <Revoked Proxy>',
      );
    });

    it('is refused by name where options are expected', () => {
      expectRefusal(
        () => multi([], revokedProxy()),
        'multi: expected an options object (or nothing), got <Revoked Proxy>',
      );
    });

    it('is refused by name where a Timeout is expected', () => {
      expectRefusal(
        () => withTimeout(revokedProxy(), new Future()),
        'withTimeout: timeout must be an absolute deadline (number) or { seconds?, milliseconds? }, got <Revoked Proxy>',
      );
    });

    it('is refused by name where a Future is expected', () => {
      expectRefusal(
        () => futureSetResultUnlessCancelled(revokedProxy() as never, 1),
        'futureSetResultUnlessCancelled: expected a Future, got <Revoked Proxy>',
      );
    });

    it('is refused by name as a log message', () => {
      expectRefusal(
        () => new Logger('test').info(revokedProxy() as never),
        'log: expected a message string, got <Revoked Proxy>',
      );
    });
  });
});
