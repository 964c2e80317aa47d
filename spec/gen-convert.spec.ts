/**
 * What can be yielded: `convertYielded`, `registerYieldable`, `maybeFuture`,
 * `take`, and the legacy `Task` bridge from Node-style callbacks.
 */
import { expect } from 'chai';
import { Future } from '../lib/concurrent.js';
import {
  BadYieldError,
  convertYielded,
  coroutine,
  maybeFuture,
  moment,
  registerYieldable,
  take,
  Task,
} from '../lib/gen.js';
import { appLog } from '../lib/log.js';
import { captureLog, failureOf, resolved, useFreshLoop } from './support/index.js';

/** Something no built-in rule accepts, for registerYieldable to teach. */
class Ticket {
  constructor(readonly value: string) {}
}

describe('convertYielded', () => {
  useFreshLoop();

  it('returns a Future unchanged', () => {
    const future = new Future();
    expect(convertYielded(future)).to.equal(future);
  });

  it('turns a Promise into a Future with its value', async () => {
    const future = convertYielded(Promise.resolve(5));
    expect(future).to.be.instanceOf(Future);
    expect(await future).to.equal(5);
  });

  it('turns a rejected Promise into a failed Future', async () => {
    expect(await failureOf(convertYielded(Promise.reject(new RangeError('no'))))).to.be.instanceOf(RangeError);
  });

  for (const [label, value] of [
    ['moment', moment],
    ['undefined', undefined],
    ['null', null],
  ] as const) {
    it(`turns ${label} into a Future that resolves on a later iteration`, async () => {
      const future = convertYielded(value);
      expect(future.done()).to.equal(false);
      expect(await future).to.equal(undefined);
    });
  }

  it('turns an array into a multi of its elements', async () => {
    expect(await convertYielded([resolved(1), Promise.resolve(2)])).to.deep.equal([1, 2]);
  });

  it('turns a plain object into a multi of its values', async () => {
    expect(await convertYielded({ a: resolved(1) })).to.deep.equal({ a: 1 });
  });

  it('throws BadYieldError naming a number', () => {
    expect(() => convertYielded(42)).to.throw(BadYieldError, 'yielded unknown object 42');
  });

  it('throws BadYieldError for an instance of a class', () => {
    expect(() => convertYielded(new Ticket('x'))).to.throw(BadYieldError, /Ticket/);
  });

  it('throws BadYieldError with a hint for a generator object that was not wrapped in coroutine', () => {
    function* notWrapped() {
      yield moment;
    }
    expect(() => convertYielded(notWrapped())).to.throw(BadYieldError, /generator object.*coroutine\(\)/);
  });

  it('is what take() uses, so `yield* take(x)` accepts the same values', async () => {
    expect(await take([Promise.resolve('a'), resolved('b')])).to.deep.equal(['a', 'b']);
    expect(() => take(42 as never)).to.throw(BadYieldError);
  });
});

describe('registerYieldable', () => {
  useFreshLoop();
  let unregister: (() => void) | null = null;
  afterEach(() => {
    unregister?.();
    unregister = null;
  });

  it('teaches coroutines to yield a new kind of value', async () => {
    unregister = registerYieldable(
      (x): x is Ticket => x instanceof Ticket,
      (ticket) => Promise.resolve(`redeemed ${ticket.value}`),
    );
    const f = coroutine(function* () {
      return (yield new Ticket('abc')) as string;
    });
    expect(await f()).to.equal('redeemed abc');
  });

  it('teaches multi as well', async () => {
    unregister = registerYieldable(
      (x): x is Ticket => x instanceof Ticket,
      (ticket) => resolved(ticket.value),
    );
    expect(await convertYielded([new Ticket('a'), new Ticket('b')])).to.deep.equal(['a', 'b']);
  });

  it('returns a function that removes the converter again', () => {
    const remove = registerYieldable(
      (x): x is Ticket => x instanceof Ticket,
      () => resolved(1),
    );
    remove();
    expect(() => convertYielded(new Ticket('gone'))).to.throw(BadYieldError);
  });

  it('asks registered converters before the built-in rules', async () => {
    const special = Promise.resolve('built-in');
    unregister = registerYieldable(
      (x) => x === special,
      () => resolved('registered'),
    );
    expect(await convertYielded(special)).to.equal('registered');
  });

  it('throws BadYieldError when a converter returns something that is not a Future or thenable', () => {
    unregister = registerYieldable(
      (x): x is Ticket => x instanceof Ticket,
      () => 'not a future' as never,
    );
    expect(() => convertYielded(new Ticket('x'))).to.throw(BadYieldError, /converter returned 'not a future'/);
  });

  it('rejects arguments that are not functions with a TypeError naming them', () => {
    expect(() => registerYieldable(42 as never, (() => resolved(1)) as never)).to.throw(TypeError, /got 42/);
  });
});

describe('maybeFuture', () => {
  useFreshLoop();

  it('wraps a plain value in a done Future', () => {
    const future = maybeFuture(5);
    expect(future.done()).to.equal(true);
    expect(future.result()).to.equal(5);
  });

  it('returns a Future unchanged', () => {
    const future = new Future();
    expect(maybeFuture(future)).to.equal(future);
  });

  it('follows a Promise', async () => {
    expect(await maybeFuture(Promise.resolve('p'))).to.equal('p');
  });

  it('wraps an array as a value rather than waiting on it', () => {
    expect(maybeFuture([1, 2]).result()).to.deep.equal([1, 2]);
  });
});

describe('Task', () => {
  useFreshLoop();

  function later(...outcome: unknown[]) {
    return (callback: (...args: unknown[]) => void) => setImmediate(() => callback(...outcome));
  }

  it('resolves with the single value a Node-style callback gives', async () => {
    expect(await Task(later(null, 'value'))).to.equal('value');
  });

  it('passes its arguments before the callback', async () => {
    const add = (a: number, b: number, callback: (error: unknown, sum: number) => void) => callback(null, a + b);
    expect(await Task(add, 40, 2)).to.equal(42);
  });

  it('resolves with an array when the callback gives several values', async () => {
    expect(await Task(later(null, 'a', 'b'))).to.deep.equal(['a', 'b']);
  });

  it('resolves with undefined when the callback gives no value', async () => {
    expect(await Task(later(undefined))).to.equal(undefined);
  });

  it('fails with the error the callback gives', async () => {
    expect(await failureOf(Task(later(new RangeError('callback error'))))).to.be.instanceOf(RangeError);
  });

  it('fails when the function throws synchronously', () => {
    const throws = () => {
      throw new RangeError('sync');
    };
    expect(Task(throws).exception()).to.be.instanceOf(RangeError);
  });

  it('can be yielded from a coroutine', async () => {
    const f = coroutine(function* () {
      return (yield Task(later(null, 'from a task'))) as string;
    });
    expect(await f()).to.equal('from a task');
  });

  it('keeps the first outcome and logs a second call of the callback', async () => {
    let call: ((error: unknown, value?: unknown) => void) | null = null;
    const future = Task((callback: (error: unknown, value?: unknown) => void) => {
      call = callback;
    });
    const records = await captureLog(() => {
      call!(null, 'first');
      call!(null, 'second');
    });
    expect(future.result()).to.equal('first');
    expect(records.map((r) => r.message)).to.deep.equal([
      'Task: callback of <anonymous> called more than once; ignoring the later call',
    ]);
    expect(appLog.name).to.equal('whirlwind.application');
  });

  it('rejects something that is not a function with a TypeError naming it', () => {
    expect(() => Task('readFile' as never)).to.throw(TypeError, "got 'readFile'");
  });
});
