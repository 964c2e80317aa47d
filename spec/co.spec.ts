/**
 * `whirlwind/co`, a drop-in for co 4, rule by rule; and `coroutineKind`, the
 * extension point of `gen` it is built on. spec/co-differential.spec.ts runs
 * random programs on both this and the real co.
 */
import { expect } from 'chai';
import co from 'whirlwind/co';
import { Future } from '../lib/concurrent.js';
import { BadYieldError, coroutine, coroutineKind, moment, sleep, withTimeout, type YieldRule } from '../lib/gen.js';
import { Lock } from '../lib/locks.js';
import { failureOf, useFreshLoop } from './support/index.js';

/** co's generators yield anything and get anything back. */
type Gen = Generator<unknown, any, any>;

/** `co.call(self, fn, ...args)`: co reads its `this`, which its typings cannot express. */
const coWithThis = (self: unknown, fn: Function, ...args: unknown[]): Promise<any> =>
  (co as Function).call(self, fn, ...args);

const CO_MESSAGE =
  'You may only yield a function, promise, generator, array, or object, but the following object was passed: ';

/** The error a promise rejects with (fails the test if it fulfils). */
async function rejectionOf(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('whirlwind/co', () => {
  useFreshLoop();

  describe('co(fn, ...args)', () => {
    it("returns a native Promise of the generator's return value", async () => {
      const result = co(function* (): Gen {
        return 'done';
      });
      expect(result).to.be.instanceOf(Promise);
      expect(await result).to.equal('done');
    });

    it('calls fn with its this and the arguments after it', async () => {
      const self = { base: 10 };
      const sum = await coWithThis(
        self,
        function* (this: typeof self, a: number, b: number): Gen {
          return this.base + a + b;
        },
        1,
        2,
      );
      expect(sum).to.equal(13);
    });

    it('runs the first step synchronously, as co does', () => {
      const steps: string[] = [];
      void co(function* (): Gen {
        steps.push('started');
        yield Promise.resolve();
      });
      expect(steps).to.deep.equal(['started']);
    });

    it('runs a generator object', async () => {
      function* answer(): Gen {
        return 42;
      }
      expect(await co(answer())).to.equal(42);
    });

    it('resolves with what a plain function returns, following a promise', async () => {
      expect(await co(() => 5)).to.equal(5);
      expect(await co(() => Promise.resolve(6))).to.equal(6);
      expect(await co(7 as never)).to.equal(7);
    });

    it('rejects with what the generator throws', async () => {
      const error = await rejectionOf(
        co(function* (): Gen {
          yield Promise.resolve();
          throw new RangeError('bad');
        }),
      );
      expect(error).to.be.instanceOf(RangeError).with.property('message', 'bad');
    });

    it('rejects when fn throws before it makes a generator', async () => {
      const error = await rejectionOf(
        co(() => {
          throw new SyntaxError('at once');
        }),
      );
      expect(error).to.be.instanceOf(SyntaxError);
    });

    it('exports co as co.co and co.default', () => {
      expect(co.co).to.equal(co);
      expect(co.default).to.equal(co);
    });
  });

  describe('co.wrap(fn)', () => {
    it('makes a function that runs fn with its this and arguments and returns a Promise', async () => {
      const self = { unit: 'ms' };
      const format = co.wrap(function* (this: typeof self, n: number): Gen {
        yield Promise.resolve();
        return `${n} ${this.unit}`;
      });
      expect(await format.call(self, 5)).to.equal('5 ms');
    });

    it('keeps the generator function as __generatorFunction__', () => {
      function* body(): Gen {}
      expect(co.wrap(body).__generatorFunction__).to.equal(body);
    });

    it("lets a plain function's throw escape the call, as co does", () => {
      const wrapped = co.wrap((): never => {
        throw new Error('sync');
      });
      expect(() => wrapped()).to.throw('sync');
    });
  });

  describe('what a co coroutine may yield', () => {
    it('a promise: resumes with its value, or the rejection thrown in', async () => {
      const seen = await co(function* (): Gen {
        const value = yield Promise.resolve(1);
        try {
          yield Promise.reject(new Error('no'));
        } catch (error) {
          return [value, (error as Error).message];
        }
      });
      expect(seen).to.deep.equal([1, 'no']);
    });

    it('a Future, as a promise', async () => {
      const future = new Future<string>();
      setTimeout(() => future.setResult('later'), 1);
      expect(
        await co(function* (): Gen {
          return yield future;
        }),
      ).to.equal('later');
    });

    it("a thunk: called with the coroutine's this and a Node-style callback", async () => {
      const self = { name: 'self' };
      const seen = await coWithThis(self, function* (): Gen {
        return yield function (this: unknown, done: (error: unknown, value: unknown) => void) {
          done(null, this);
        };
      });
      expect(seen).to.equal(self);
    });

    it('a thunk whose callback gets several values: resumes with them as an array', async () => {
      expect(
        await co(function* (): Gen {
          return yield (done: Function) => done(null, 1, 2, 3);
        }),
      ).to.deep.equal([1, 2, 3]);
    });

    it("a thunk called back with a falsy error: no error, as co's rule has it", async () => {
      expect(
        await co(function* (): Gen {
          return [yield (done: Function) => done(0, 'a'), yield (done: Function) => done('', 'b')];
        }),
      ).to.deep.equal(['a', 'b']);
    });

    it('a thunk called back with an error: thrown in; later calls are ignored', async () => {
      const error = await rejectionOf(
        co(function* (): Gen {
          yield (done: Function) => {
            done(new Error('first'));
            done(null, 'second');
          };
        }),
      );
      expect(error.message).to.equal('first');
    });

    it('a thunk that throws: the error is thrown in', async () => {
      const error = await rejectionOf(
        co(function* (): Gen {
          yield () => {
            throw new TypeError('thunk threw');
          };
        }),
      );
      expect(error.message).to.equal('thunk threw');
    });

    it('a generator object: delegates, with the same this', async () => {
      const self = { n: 2 };
      function* child(this: typeof self): Gen {
        return (yield Promise.resolve(3)) * 2;
      }
      expect(
        await coWithThis(self, function* (this: typeof self): Gen {
          return yield child.call(this);
        }),
      ).to.equal(6);
    });

    it("a generator function: called with the coroutine's this, delegates", async () => {
      const self = { n: 4 };
      expect(
        await coWithThis(self, function* (): Gen {
          return yield function* (this: typeof self): Gen {
            return this.n + (yield Promise.resolve(1));
          };
        }),
      ).to.equal(5);
    });

    it('an array: each element converted, non-yieldable values passed through', async () => {
      expect(
        await co(function* (): Gen {
          return yield [Promise.resolve(1), (done: Function) => done(null, 2), 3, null, 'four'];
        }),
      ).to.deep.equal([1, 2, 3, null, 'four']);
    });

    it('an array: fails with the first failure in time, not in input order', async () => {
      const error = await rejectionOf(
        co(function* (): Gen {
          yield [
            new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 20)),
            Promise.reject(new Error('early')),
          ];
        }),
      );
      expect(error.message).to.equal('early');
    });

    it('a plain object: the same keys, yieldables replaced by their results, other values passed through', async () => {
      expect(
        await co(function* (): Gen {
          return yield {
            a: Promise.resolve(1),
            b: 2,
            c: [Promise.resolve(3)],
            d: { e: Promise.resolve(5) },
            f: new Date(0),
          };
        }),
      ).to.deep.equal({ a: 1, b: 2, c: [3], d: { e: 5 }, f: new Date(0) });
    });

    for (const [label, value, shown] of [
      ['null', null, 'null'],
      ['undefined', undefined, 'undefined'],
      ['a number', 42, '42'],
      ['false', false, 'false'],
      ['a string', 'text', 'text'],
      ['a class instance', new (class Widget {})(), '[object Object]'],
    ] as const) {
      it(`${label}: co's TypeError, thrown in at the yield`, async () => {
        const caught = await co(function* (): Gen {
          try {
            yield value;
          } catch (error) {
            return error;
          }
        });
        expect(caught).to.be.instanceOf(TypeError).with.property('message', `${CO_MESSAGE}"${shown}"`);
      });
    }

    it("a Symbol, which String() cannot name: co's TypeError with the symbol described", async () => {
      const error = await rejectionOf(
        co(function* (): Gen {
          yield Symbol('odd');
        }),
      );
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.match(/^You may only yield .*Symbol\(odd\)/);
    });
  });

  describe('running on whirlwind', () => {
    it("leaves gen.coroutine's rules alone: null is still a moment there, a thunk still a BadYieldError", async () => {
      const tornadoStyle = coroutine(function* (): Gen {
        yield null;
        try {
          yield (done: Function) => done(null, 1);
        } catch (error) {
          return error;
        }
      });
      expect(await tornadoStyle()).to.be.instanceOf(BadYieldError);
    });

    it("works with whirlwind's locks and timeouts inside", async () => {
      const lock = new Lock();
      const order: string[] = [];
      const worker = co.wrap(function* (name: string): Gen {
        const releaser: { release(): void } = yield lock.acquire();
        try {
          order.push(`${name} in`);
          yield sleep(0.001);
          order.push(`${name} out`);
        } finally {
          releaser.release();
        }
      });
      await Promise.all([worker('a'), worker('b')]);
      expect(order).to.deep.equal(['a in', 'a out', 'b in', 'b out']);
      expect(await failureOf(withTimeout(0.001, new Future()))).to.have.property('name', 'TimeoutError');
    });
  });
});

describe('gen.coroutineKind', () => {
  useFreshLoop();

  /** A rule that resolves strings to their length and leaves everything else to the built-in rules. */
  const lengths: YieldRule = (value) => (typeof value === 'string' ? Promise.resolve(value.length) : undefined);

  it("asks its rule first: the coroutine resumes with what the rule's promise gives", async () => {
    const measure = coroutineKind(lengths)(function* (): Gen {
      return yield 'four' as never;
    });
    expect(await measure()).to.equal(4);
  });

  it("passes the coroutine's this to the rule", async () => {
    const seen: unknown[] = [];
    const kind = coroutineKind((value, self) => {
      seen.push(self);
      return Promise.resolve(value);
    });
    const self = { id: 1 };
    await kind(function* (this: typeof self): Gen {
      yield 1 as never;
    }).call(self);
    expect(seen).to.deep.equal([self]);
  });

  it('leaves a value the rule returns undefined for to the built-in rules (here: null, a moment)', async () => {
    const measure = coroutineKind(lengths)(function* (): Gen {
      yield null;
      return yield Promise.resolve('x');
    });
    expect(await measure()).to.equal('x');
  });

  it('never asks the rule about a Future', async () => {
    const asked: unknown[] = [];
    const kind = coroutineKind((value) => {
      asked.push(value);
      return undefined;
    });
    await kind(function* (): Gen {
      yield sleep(0);
      yield moment;
    })();
    expect(asked).to.deep.equal([moment]);
  });

  it('throws what the rule throws into the generator at the yield', async () => {
    const kind = coroutineKind(() => {
      throw new RangeError('not here');
    });
    const caught = await kind(function* (): Gen {
      try {
        yield 1 as never;
      } catch (error) {
        return error;
      }
    })();
    expect(caught).to.be.instanceOf(RangeError);
  });

  it('throws a BadYieldError naming the rule when it returns something it cannot wait on', async () => {
    const kind = coroutineKind(function badRule() {
      return 5 as never;
    });
    const error = await failureOf(
      kind(function* (): Gen {
        yield 1 as never;
      })(),
    );
    expect(error).to.be.instanceOf(BadYieldError);
    expect((error as Error).message).to.match(/yield rule badRule returned 5 for 1/);
  });

  it('runs a generator object already made with run(generator, self)', async () => {
    const kind = coroutineKind((value, self) => Promise.resolve([value, self]));
    function* body(): Gen {
      return yield 'x' as never;
    }
    expect(await kind.run(body(), 'me')).to.deep.equal(['x', 'me']);
  });

  it('refuses a rule that is not a function, and run() of something that is not a generator', () => {
    expect(() => coroutineKind(5 as never)).to.throw(TypeError, 'coroutineKind: expected a yield rule function, got 5');
    expect(() => coroutineKind(lengths).run({} as never)).to.throw(
      TypeError,
      /coroutineKind.run: expected a generator object/,
    );
  });

  it("returns a Future that can be cancelled like any coroutine's", async () => {
    let cleanedUp = false;
    const running = coroutineKind(lengths)(function* (): Gen {
      try {
        yield new Future();
      } finally {
        cleanedUp = true;
      }
    })();
    running.cancel();
    await failureOf(running);
    expect(running.cancelled()).to.equal(true);
    expect(cleanedUp).to.equal(true);
  });
});
