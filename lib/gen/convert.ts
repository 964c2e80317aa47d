/**
 * What a coroutine may yield, decided in one place: `convertYielded`, and
 * `multi` / `multiFuture`, which it calls for arrays and plain objects (and
 * which convert each child with it).
 *
 * This sits below the loop module (the IOLoop converts what `runSync` and
 * callbacks return): it schedules through internal/scheduling.
 */
import {
  failedFuture,
  Future,
  futureFromThenable,
  futureIfThenable,
  isFuture,
  resolvedFuture,
} from '../concurrent/future.js';
import { checkOptions, refuse } from '../internal/arguments.js';
import { BadYieldError } from '../internal/errors.js';
import { describeFunction, describeValue, isRevokedProxy } from '../internal/describe-safely.js';
import { isPromise } from '#platform';
import { currentLoop } from '../internal/scheduling.js';
import { isGeneratorObject } from '../internal/thenable.js';
import { appLog } from '../log.js';
import {
  type Child,
  checkQuiet,
  gatherPromises,
  isPlainObject,
  type MultiOptions,
  type QuietExceptions,
  waitForAll,
} from './multi.js';

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
export type YieldResult<Y> =
  Y extends Future<infer R>
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
      currentLoop().enqueue(() => {
        if (typeof onFulfilled !== 'function') return resolve(undefined as R1);
        try {
          resolve(onFulfilled(undefined));
        } catch (error) {
          reject(
            isRevokedProxy(onFulfilled)
              ? new TypeError('moment.then: onFulfilled is a revoked Proxy', { cause: error })
              : error,
          );
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
  if (typeof test !== 'function' || typeof convert !== 'function' || isRevokedProxy(test) || isRevokedProxy(convert)) {
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

/** @internal True if some `registerYieldable` converter may claim a value before the built-in rules. */
export function hasYieldConverters(): boolean {
  return converters.length > 0;
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

function momentFuture(): Future<void> {
  const future = new Future<void>();
  currentLoop().enqueue(resolveMoment, future);
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
 * const f = convertYielded(Promise.resolve(1)); // Future<number>, settles with 1
 * ```
 */
export function convertYielded<T>(value: Future<T>): Future<T>;
export function convertYielded<T>(value: PromiseLike<T>): Future<Awaited<T>>;
export function convertYielded(value: unknown): Future<unknown>;
export function convertYielded(value: unknown): Future<unknown> {
  return convert(value, AS_FUTURE) as Future<unknown>;
}

/**
 * @internal What a coroutine waits on for `value`: as {@link convertYielded},
 * except that a list or dict whose children are all native Promises becomes
 * one native Promise, which the runner follows as a yielded promise (see
 * `gatherPromises`).
 */
export function convertYieldedForRunner(value: unknown): Future<unknown> | Promise<unknown> {
  return convert(value, GATHER);
}

/** What `convert` makes of a native Promise: a Future; kept as is, as a multi's child; kept, and a collection of them gathered. */
const AS_FUTURE = 0;
const AS_CHILD = 1;
const GATHER = 2;
type Mode = typeof AS_FUTURE | typeof AS_CHILD | typeof GATHER;

const nativePromiseThen = Promise.prototype.then;

function convert(value: unknown, mode: Mode): Future<unknown> | Promise<unknown> {
  if (isFuture(value)) return value;
  if (value === undefined || value === null || value === moment) return momentFuture();
  for (let i = 0; i < converters.length; i++) {
    if (converterAccepts(converters[i], value)) {
      const converted = converters[i].convert(value);
      if (isFuture(converted)) return converted;
      const fromThenable = isObject(converted) ? futureIfThenable(converted) : null;
      if (fromThenable !== null) return fromThenable;
      throw new BadYieldError(
        `registerYieldable converter returned ${describeValue(converted)} for ${describeValue(value)}; expected a Future or thenable`,
      );
    }
  }
  if (!isObject(value)) throw new BadYieldError(`yielded unknown object ${describeValue(value)}`);
  let then: unknown;
  try {
    then = (value as { then?: unknown }).then;
  } catch (error) {
    if (isRevokedProxy(value))
      throw new BadYieldError('yielded a revoked Proxy, which cannot be waited on', { cause: error });
    // As await: a thenable whose then getter throws is a failure, not a mistake in the yield.
    return failedFuture(error);
  }
  if (typeof then === 'function') {
    // A multi follows a native promise child with its own reactions, no Future for it.
    if (mode === AS_CHILD && then === nativePromiseThen && isPromise(value)) return value as Promise<unknown>;
    return futureFromThenable(value as PromiseLike<unknown>, then);
  }
  return convertByShape(value, mode === GATHER);
}

function isObject(value: unknown): value is object {
  return value !== null && (typeof value === 'object' || typeof value === 'function');
}

/** A yielded object that is not a thenable: a list or dict of yieldables, or a mistake to name. */
function convertByShape(value: object, gather: boolean): Future<unknown> | Promise<unknown> {
  let shape: 'collection' | 'generator' | 'unknown';
  try {
    shape =
      Array.isArray(value) || isPlainObject(value) ? 'collection' : isGeneratorObject(value) ? 'generator' : 'unknown';
  } catch (error) {
    // A Proxy whose getPrototypeOf trap throws: its shape cannot be told.
    throw new BadYieldError(
      `yielded unknown object ${describeValue(value)}: inspecting it threw ${describeValue(error)}`,
      {
        cause: error,
      },
    );
  }
  if (shape === 'collection') return waitForCollection(value, undefined, gather);
  if (shape === 'generator') {
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
  const fromThenable = isObject(value) ? futureIfThenable(value) : null;
  return fromThenable ?? resolvedFuture(value);
}

/**
 * Waits for every child and resolves with their results in input order.
 * Same as {@link multiFuture}; Tornado keeps both names.
 *
 * @example
 * ```ts
 * const [a, b] = yield multi([fetch(urlA), fetch(urlB)]);
 * const { user, posts } = yield multi({ user: getUser(id), posts: getPosts(id) });
 * ```
 */
export function multi<const C extends readonly unknown[] | Record<string, unknown>>(
  children: C,
  options: MultiOptions = {},
): Future<YieldResult<C>> {
  return multiFuture(children, options);
}

/**
 * The same function as {@link multi}, under Tornado's other name: waits for
 * every child (never cancelling the others when one fails) and raises the
 * first failure in input order; later failures are logged unless their class
 * is in `quietExceptions`.
 *
 * @example
 * ```ts
 * const [user, posts] = yield multiFuture([getUser(id), getPosts(id)], { quietExceptions: TimeoutError });
 * ```
 */
export function multiFuture<const C extends readonly unknown[] | Record<string, unknown>>(
  children: C,
  options: MultiOptions = {},
): Future<YieldResult<C>> {
  const quiet = checkOptions(options, 'multi').quietExceptions;
  checkQuiet(quiet, 'multi');
  if (isRevokedProxy(children)) refuse('multi', 'an array or a plain object of yieldables', children);
  if (!Array.isArray(children) && !isPlainObject(children)) {
    // A Map, a Set or a class instance has no keys of its own to wait on: it would resolve to {} at once.
    throw new TypeError(`multi: expected an array or a plain object of yieldables, got ${describeValue(children)}`);
  }
  return waitForCollection(children, quiet, false) as Future<YieldResult<C>>;
}

/**
 * A multi of `collection` (an array, or a plain object): its children
 * converted, each read once; with `gather`, one native Promise when every
 * child is a native Promise (see `gatherPromises`).
 */
function waitForCollection(
  collection: object,
  quiet: QuietExceptions | undefined,
  gather: boolean,
): Future<unknown> | Promise<unknown> {
  const keys = Array.isArray(collection) ? null : Object.keys(collection);
  // Each child read once, by index: a hole of a sparse array is undefined (a moment).
  const values: ArrayLike<unknown> =
    keys === null ? (collection as readonly unknown[]) : keys.map((k) => (collection as Record<string, unknown>)[k]);
  const length = values.length;
  const children: Child[] = new Array(length);
  let allPromises = length > 0;
  for (let i = 0; i < length; i++) {
    const child = convert(values[i], AS_CHILD);
    children[i] = child;
    if (child instanceof Future) allPromises = false;
  }
  if (gather && allPromises) return gatherPromises(children as Promise<unknown>[], keys);
  return waitForAll(children, keys, quiet);
}
