/**
 * What a coroutine may yield, decided in one place: `convertYielded`.
 *
 * Nothing here may touch `Future` while the module is being evaluated (no
 * `new Future()` or `instanceof` at top level): `ioloop` imports this module,
 * and `concurrent` imports `ioloop`, so this module can be evaluated before
 * `Future` exists.
 */
import { Future, isFuture } from '../concurrent.js';
import { currentIOLoop } from '../ioloop.js';
import { BadYieldError } from '../internal/errors.js';
import { describeFunction, describeValue } from '../internal/describe.js';
import { appLog } from '../log.js';
import { isPlainObject, multiFuture } from './multi.js';

/** A value the runner can wait on; see {@link convertYielded}. */
export type Yieldable =
  | Future<unknown>
  | PromiseLike<unknown>
  | typeof moment
  | null
  | undefined
  | readonly unknown[]
  | { readonly [key: string]: unknown };

/** The awaited value of a yieldable, for typing `take` and `multi`. */
export type YieldResult<Y> = Y extends Future<infer R>
  ? R
  : Y extends typeof moment
    ? void
    : Y extends PromiseLike<infer R>
      ? Awaited<R>
      : Y extends null | undefined
        ? void
        : Y extends readonly unknown[]
          ? { -readonly [K in keyof Y]: YieldResult<Y[K]> }
          : Y extends object
            ? { -readonly [K in keyof Y]: YieldResult<Y[K]> }
            : unknown;

/**
 * `yield moment` gives other callbacks one loop iteration and resumes on the
 * next: the way to yield control in a long computation. `await moment` works
 * in native async code too.
 *
 * @example
 * ```ts
 * const crunch = coroutine(function* (items: number[]) {
 *   for (const [i, item] of items.entries()) {
 *     process(item);
 *     if (i % 1000 === 0) yield moment; // let the loop breathe
 *   }
 * });
 * ```
 */
export const moment: PromiseLike<void> & { readonly __whirlwindMoment: true } = Object.freeze({
  __whirlwindMoment: true as const,
  then<R1 = void, R2 = never>(
    onFulfilled?: ((value: void) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    void onRejected; // a moment never fails
    // onFulfilled runs inside the loop iteration rather than a promise hop
    // later, so `await moment` resumes as close to one iteration as a native
    // await of a thenable allows.
    return new Promise<R1 | R2>((resolve, reject) =>
      currentIOLoop().enqueue(() => {
        if (typeof onFulfilled !== 'function') return resolve(undefined as R1);
        try {
          resolve(onFulfilled(undefined));
        } catch (error) {
          reject(error);
        }
      }, undefined),
    );
  },
  toString(): string {
    return '<gen.moment>';
  },
});

type Converter = { test: (value: unknown) => boolean; convert: (value: any) => Future<unknown> | PromiseLike<unknown> };
const converters: Converter[] = [];

/**
 * Teaches `convertYielded` (and so every coroutine) a new kind of yieldable,
 * as Tornado's `convert_yielded.register`. Registered converters are asked
 * before the built-in rules.
 *
 * @example
 * ```ts
 * registerYieldable((x) => x instanceof EventEmitter, (emitter) => onceAsFuture(emitter, 'ready'));
 * ```
 */
export function registerYieldable<T>(
  test: (value: unknown) => value is T,
  convert: (value: T) => Future<unknown> | PromiseLike<unknown>,
): () => void;
export function registerYieldable(
  test: (value: unknown) => boolean,
  convert: (value: any) => Future<unknown> | PromiseLike<unknown>,
): () => void;
export function registerYieldable(
  test: (value: unknown) => boolean,
  convert: (value: any) => Future<unknown> | PromiseLike<unknown>,
): () => void {
  if (typeof test !== 'function' || typeof convert !== 'function') {
    throw new TypeError(
      `registerYieldable: expected (test, convert) functions, got ${describeValue(test)} and ${describeValue(convert)}`,
    );
  }
  const entry: Converter = { test, convert };
  converters.push(entry);
  return () => {
    const i = converters.indexOf(entry);
    if (i >= 0) converters.splice(i, 1);
  };
}

/** True for anything with a callable `then`: native promises and other thenables. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * True for the `moment` sentinel: for code that handles yielded values itself
 * (a custom `registerYieldable` converter, a wrapper around a generator).
 *
 * @example
 * ```ts
 * isMoment(moment);          // true
 * isMoment(sleep(0));        // false: a Future, even one that waits no time
 * ```
 */
export function isMoment(value: unknown): boolean {
  return value === moment;
}

const GeneratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})()));

function isGeneratorObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && GeneratorPrototype.isPrototypeOf(value);
}

/** A Future that settles as `thenable` does. */
export function futureFromThenable<T>(thenable: PromiseLike<T>): Future<T> {
  const future = new Future<T>();
  thenable.then(
    (value) => {
      if (!future.done()) future.setResult(value);
    },
    (error) => {
      if (!future.done()) future.setException(error);
    },
  );
  return future;
}

function momentFuture(): Future<void> {
  const future = new Future<void>();
  currentIOLoop().enqueue(resolveMoment, future);
  return future;
}

function resolveMoment(future: Future<void>): void {
  if (!future.done()) future.setResult(undefined);
}

/**
 * A `test` that throws is a bug in one registration, and every yield of a
 * non-Future goes through it: log it and treat it as "not mine", so
 * coroutines yielding Promises or arrays are not hit by someone else's bug.
 */
function converterAccepts(converter: Converter, value: unknown): boolean {
  try {
    return Boolean(converter.test(value));
  } catch (error) {
    appLog.error('Exception in registerYieldable test %s', describeFunction(converter.test), error);
    return false;
  }
}

/**
 * Turns anything a coroutine may yield into a Future: a Future as is; a
 * Promise or thenable; `moment`, `null`, `undefined` (one loop iteration);
 * an array or plain object of yieldables (as `multi`); anything a
 * `registerYieldable` converter accepts. Anything else is a `BadYieldError`.
 *
 * @example
 * ```ts
 * const f = convertYielded(Promise.resolve(1)); // Future<unknown>, settles with 1
 * ```
 */
export function convertYielded(value: unknown): Future<unknown> {
  if (isFuture(value)) return value;
  if (value === undefined || value === null || value === moment) return momentFuture();
  for (let i = 0; i < converters.length; i++) {
    if (converterAccepts(converters[i], value)) {
      const converted = converters[i].convert(value);
      if (isFuture(converted)) return converted;
      if (isThenable(converted)) return futureFromThenable(converted);
      throw new BadYieldError(
        `registerYieldable converter returned ${describeValue(converted)} for ${describeValue(value)}; expected a Future or thenable`,
      );
    }
  }
  if (isThenable(value)) return futureFromThenable(value);
  if (Array.isArray(value) || isPlainObject(value)) return multiFuture(value as never);
  if (isGeneratorObject(value)) {
    // The usual mistake: calling a generator function that was never wrapped.
    throw new BadYieldError(
      `yielded unknown object ${describeValue(value)}: a generator object; wrap its function in coroutine() and yield the call`,
    );
  }
  throw new BadYieldError(`yielded unknown object ${describeValue(value)}`);
}

/**
 * Wraps a value in a Future: a yieldable is converted, anything else becomes
 * a Future that already holds it.
 *
 * @example
 * ```ts
 * maybeFuture(5).result(); // 5
 * ```
 */
export function maybeFuture(value: unknown): Future<unknown> {
  if (isFuture(value)) return value;
  if (isThenable(value)) return futureFromThenable(value);
  const future = new Future<unknown>();
  future.setResult(value);
  return future;
}
