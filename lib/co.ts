/**
 * A drop-in for `co` 4: `import co from 'whirlwind/co'` runs code written for
 * co unchanged, on whirlwind's runner (locks, queues, timeouts, tracing and
 * `genTest` work inside it). `co(fn, ...args)`, `co.wrap(fn)`, `co.co`; the
 * results are native Promises, as co's are.
 *
 * What co-style coroutines may yield is co's, for them only (`gen.coroutine`
 * keeps its own rules): promises (a Future is one), thunks, generator objects
 * and generator functions, arrays and plain objects of those; anything else,
 * `null` and `undefined` included, throws co's `TypeError` into the generator.
 *
 * @example
 * ```ts
 * import co from 'whirlwind/co';
 * const total = await co(function* () {
 *   const [a, b] = yield [Promise.resolve(1), (done: (err: unknown, n: number) => void) => done(null, 2)];
 *   return a + b; // 3
 * });
 * ```
 * @module
 */
import './ioloop.js';
import { type Future, isFuture, State } from './concurrent/future.js';
import { describeValue, isRevokedProxy } from './internal/describe-safely.js';
import { coroutineKind } from './gen/kind.js';

/** The value of a generator's `return`, for typing what `co` resolves with. */
type Returned<G> =
  G extends Generator<unknown, infer R, any> ? R : G extends Iterator<unknown, infer R, any> ? R : never;

/** A function co can run: a generator function, or any function (its return value is the result). */
type Runnable = (...args: any[]) => unknown;

/** What `co` resolves with for `fn`: a generator's return value, or a plain function's awaited result. */
export type CoResult<F> = F extends (...args: any[]) => infer G
  ? [Returned<G>] extends [never]
    ? Awaited<G>
    : Returned<G>
  : Returned<F>;

/** A function made by `co.wrap`: a Promise per call, and the generator function it wraps. */
export type CoWrapped<F extends Runnable> = ((
  this: ThisParameterType<F>,
  ...args: Parameters<F>
) => Promise<CoResult<F>>) & {
  readonly __generatorFunction__: F;
};

/** The `co` function, as co 4 exports it. */
export interface Co {
  /** Runs a generator function (called with this `this` and `args`) or a generator object; a Promise of its result. */
  <F extends Runnable>(fn: F, ...args: Parameters<F>): Promise<CoResult<F>>;
  <G extends Iterator<unknown, unknown, any>>(generator: G): Promise<Returned<G>>;
  /** Turns a generator function into a function returning a Promise, as co's `wrap`. */
  wrap<F extends Runnable>(fn: F): CoWrapped<F>;
  /** `co` itself, as co exports it. */
  readonly co: Co;
  /** `co` itself, as co exports it (`require('co').default`). */
  readonly default: Co;
}

const NOT_YIELDABLE = Symbol('not yieldable');

/** The kind of coroutine co-style generators run as: every yield goes through co's rules. */
const coStyle = coroutineKind(function coYieldRule(value: unknown, self: unknown) {
  const converted = toYieldable(value, self);
  if (converted !== NOT_YIELDABLE) return converted;
  throw new TypeError(
    'You may only yield a function, promise, generator, array, or object, but the following object was passed: ' +
      `"${stringOf(value)}"`,
  );
});

/**
 * Runs `fn` (or a generator object) as co does and returns a native Promise of
 * its result. `fn` is called with this `this` and `args`; a function that is
 * not a generator function resolves with what it returns.
 *
 * @example
 * ```ts
 * const user = await co(function* (id: string) {
 *   const row = yield db.query('select * from users where id = $1', [id]);
 *   return row.name;
 * }, '42');
 * ```
 */
export const co: Co = function co(this: unknown, fn?: unknown, ...args: unknown[]): Promise<unknown> {
  const self = this;
  return new Promise((resolve, reject) => {
    if (isRevokedProxy(fn))
      throw new TypeError(`co: expected a generator function or a generator, got ${describeValue(fn)}`);
    let generator = fn;
    if (typeof generator === 'function') generator = generator.apply(self, args);
    if (!hasNext(generator)) return resolve(generator);
    const future = coStyle.run(generator as Generator, self, typeof fn === 'function' ? fn : undefined);
    future.addListener((done: Future<unknown>) => {
      if (done._state === State.Finished) resolve(done._result);
      else reject(done._state === State.Failed ? done._exception : done.cancellationError());
    });
  });
} as unknown as Co;

/**
 * Turns a generator function into a function that runs it with `co` and
 * returns a Promise; the generator function stays reachable as
 * `__generatorFunction__`, as with co.
 *
 * @example
 * ```ts
 * const getUser = co.wrap(function* (id: string) {
 *   return yield db.users.find(id);
 * });
 * const user = await getUser('42');
 * ```
 */
function wrap<F extends Runnable>(fn: F): CoWrapped<F> {
  function createPromise(this: unknown): Promise<unknown> {
    // As co: the function is called outside the Promise, so a plain function's throw escapes the call.
    // biome-ignore lint/complexity/noArguments: passed on as they came, as co does
    return (co as Function).call(this, fn.apply(this, arguments as unknown as unknown[]));
  }
  (createPromise as { __generatorFunction__?: F }).__generatorFunction__ = fn;
  return createPromise as CoWrapped<F>;
}

Object.defineProperties(co, {
  wrap: { value: wrap, enumerable: true, writable: true, configurable: true },
  co: { value: co, enumerable: true, writable: true, configurable: true },
  default: { value: co, enumerable: true, writable: true, configurable: true },
});

export { co as default };

/** co's `toPromise`: what a co coroutine waits on for `value`, or NOT_YIELDABLE (passed through inside arrays and objects). */
function toYieldable(value: unknown, self: unknown): Future<unknown> | PromiseLike<unknown> | typeof NOT_YIELDABLE {
  if (!value) return NOT_YIELDABLE;
  if (isFuture(value)) return value;
  const candidate = value as { then?: unknown; constructor?: unknown };
  if (typeof candidate.then === 'function') return value as PromiseLike<unknown>;
  if (isGeneratorFunction(value) || isGenerator(value)) return delegate(value, self);
  if (typeof value === 'function') return thunkPromise(value as Function, self);
  if (Array.isArray(value)) return arrayPromise(value, self);
  if (candidate.constructor === Object) return objectPromise(value as Record<string, unknown>, self);
  return NOT_YIELDABLE;
}

/**
 * A generator object or generator function yielded: a co coroutine of its own, with the same `this`.
 * One that finished at once is handed over as a promise: co resumes after a promise reaction, never in the
 * same step, and siblings in an array start in between.
 */
function delegate(value: unknown, self: unknown): Future<unknown> | PromiseLike<unknown> {
  let generator = value;
  if (typeof generator === 'function') {
    try {
      generator = generator.call(self);
    } catch (error) {
      return Promise.reject(error);
    }
  }
  if (!hasNext(generator)) return Promise.resolve(generator);
  const child = coStyle.run(generator as Generator, self, typeof value === 'function' ? value : undefined);
  return child.done() ? settledPromise(child) : child;
}

/** A native Promise already settled as `future` is, for co's schedule (a `then` of the Future waits a loop iteration). */
function settledPromise(future: Future<unknown>): Promise<unknown> {
  if (future._state === State.Finished) return Promise.resolve(future._result);
  future.markRetrieved();
  return Promise.reject(future._state === State.Failed ? future._exception : future.cancellationError());
}

/**
 * A thunk, `fn(callback)`, called with the coroutine's `this`: a truthy first
 * argument fails it (co's rule: a falsy error is no error), more than one
 * value resolves with them all as an array, and only the first call counts.
 * A native Promise, as co makes it, so that it settles on co's schedule.
 */
function thunkPromise(fn: Function, self: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    fn.call(self, function thunkCallback(error: unknown, result: unknown) {
      if (error) return reject(error);
      // biome-ignore lint/complexity/noArguments: co's rule reads how many values the callback got
      resolve(arguments.length > 2 ? Array.prototype.slice.call(arguments, 1) : result);
    });
  });
}

/** co's array: each element converted (the rest passed through), failing on the first failure in time. */
function arrayPromise(values: readonly unknown[], self: unknown): Promise<unknown[]> {
  return Promise.all(values.map((value) => passThrough(toYieldable(value, self), value)));
}

/** co's plain object: a new object with the same keys, yieldable values replaced by their results. */
function objectPromise(source: Record<string, unknown>, self: unknown): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  const waits: Array<PromiseLike<void>> = [];
  for (const key of Object.keys(source)) {
    const value = source[key];
    const converted = toYieldable(value, self);
    results[key] = converted === NOT_YIELDABLE ? value : undefined;
    if (converted !== NOT_YIELDABLE) {
      waits.push(
        converted.then((result) => {
          results[key] = result;
        }),
      );
    }
  }
  return Promise.all(waits).then(() => results);
}

function passThrough(
  converted: Future<unknown> | PromiseLike<unknown> | typeof NOT_YIELDABLE,
  value: unknown,
): unknown {
  return converted === NOT_YIELDABLE ? value : converted;
}

function hasNext(value: unknown): boolean {
  return Boolean(value) && typeof (value as { next?: unknown }).next === 'function';
}

/** co's test: a `next` and a `throw` method. */
function isGenerator(value: unknown): boolean {
  const candidate = value as { next?: unknown; throw?: unknown };
  return typeof candidate.next === 'function' && typeof candidate.throw === 'function';
}

/** co's test: the constructor is named GeneratorFunction, or makes generators. */
function isGeneratorFunction(value: unknown): boolean {
  const maker = (value as { constructor?: { name?: unknown; displayName?: unknown; prototype?: unknown } }).constructor;
  if (!maker) return false;
  if (maker.name === 'GeneratorFunction' || maker.displayName === 'GeneratorFunction') return true;
  return Boolean(maker.prototype) && isGenerator(maker.prototype);
}

/** co names the value with String(); for a value String() refuses (a Symbol, a null-prototype object), the safe description. */
function stringOf(value: unknown): string {
  try {
    return String(value);
  } catch {
    return describeValue(value);
  }
}
