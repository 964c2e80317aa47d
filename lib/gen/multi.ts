/**
 * Waiting for many yieldables at once: the machinery behind `multi` /
 * `multiFuture` (which convert the children, in convert.ts: converting an
 * array is itself a multi) and the `quietExceptions` rule `withTimeout` shares.
 *
 * Results come back in input order (array → array, object → object with the
 * same keys). Every child is waited for; then the first failure in input
 * order wins and the others are logged ("Multiple exceptions in yield list")
 * unless they are instances of `quietExceptions`. Children are never cancelled.
 */
import { Future, type FutureListener, State } from '../concurrent/future.js';
import { describeValue, isRevokedProxy } from '../internal/describe-safely.js';
import { currentLoop } from '../internal/scheduling.js';
import { appLog } from '../log.js';

/** Error classes whose extra failures `multi` and `withTimeout` should not log. */
export type QuietExceptions =
  | (abstract new (
      ...args: any[]
    ) => unknown)
  | ReadonlyArray<abstract new (...args: any[]) => unknown>;

/** Options for `multi` / `multiFuture`. */
export interface MultiOptions {
  /** Failures of these classes are not logged when another failure is raised. */
  quietExceptions?: QuietExceptions;
}

/** @internal True if `error` is an instance of one of the quiet classes. */
export function isQuiet(error: unknown, quiet: QuietExceptions | undefined): boolean {
  if (quiet === undefined) return false;
  if (Array.isArray(quiet)) return quiet.some((cls) => error instanceof cls);
  return error instanceof (quiet as abstract new (...args: any[]) => unknown);
}

/** @internal True for `{...}` literals and `Object.create(null)`: what multi (and a yield) treat as a dict. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** @internal Validates a `quietExceptions` option up front. */
export function checkQuiet(quiet: unknown, what: string): void {
  if (quiet === undefined) return;
  const list = !isRevokedProxy(quiet) && Array.isArray(quiet) ? quiet : [quiet];
  for (const cls of list) {
    if (typeof cls !== 'function' || isRevokedProxy(cls)) {
      throw new TypeError(
        `${what}: quietExceptions must be an error class or an array of them, got ${describeValue(quiet)}`,
      );
    }
  }
}

/** A child the gathering follows: a Future, or a native Promise followed by its reactions (see `convertChild`). */
export type Child = Future<unknown> | Promise<unknown>;

const nativeThen = Promise.prototype.then;

/** How a promise child's rejection is kept among the results: boxed, so that any value, even undefined, can fail. */
class Rejection {
  constructor(readonly error: unknown) {}
}

/**
 * @internal The waiting half of `multiFuture`: settles with the results of
 * `children` (already converted, in input order; by `keys` if they came from
 * an object) once every one is done, or with the first failure.
 */
export function waitForAll(
  children: readonly Child[],
  keys: readonly string[] | null,
  quiet: QuietExceptions | undefined,
): Future<unknown> {
  return new Gathering(children, keys, quiet).start();
}

/**
 * One multi's count-down. A Future child is listened to with this object (no
 * closure); a native Promise child is followed with two reactions that store
 * its outcome here (no Future made for it). Every outcome reaches the multi's
 * Future through the loop, as before promise children were followed directly:
 * a Future child's listener runs on the loop, and the last promise child's
 * reaction queues the settle rather than settling at once, in the microtask
 * where its converted Future used to queue its listener.
 */
class Gathering implements FutureListener {
  readonly result = new Future<unknown>();
  private pending = 0;
  /** What each promise child settled with (a value, or a `Rejection`), by index; null without promise children. */
  private outcomes: unknown[] | null = null;

  constructor(
    private readonly children: readonly Child[],
    private readonly keys: readonly string[] | null,
    private readonly quiet: QuietExceptions | undefined,
  ) {}

  start(): Future<unknown> {
    const children = this.children;
    let pending = 0;
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (!(child instanceof Future) || child._state === State.Pending) pending++;
    }
    // Already-done children need no wait: like a done Future, a multi of done
    // children completes at once (and an empty one is done immediately).
    this.pending = pending;
    if (pending === 0) {
      this.settle();
      return this.result;
    }
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      if (child instanceof Future) {
        if (child._state === State.Pending) child.addListener(this);
      } else {
        this.follow(child, i);
      }
    }
    return this.result;
  }

  /** @internal A Future child is done (on the loop). */
  onFutureDone(): void {
    if (--this.pending === 0) this.settle();
  }

  private follow(promise: Promise<unknown>, index: number): void {
    if (this.outcomes === null) this.outcomes = new Array(this.children.length);
    nativeThen.call(
      promise,
      (value) => this.promiseSettled(index, value),
      (error) => this.promiseSettled(index, new Rejection(error)),
    );
  }

  private promiseSettled(index: number, outcome: unknown): void {
    this.outcomes![index] = outcome;
    if (--this.pending === 0) currentLoop().enqueue(settleGathering, this);
  }

  /** @internal Every child is done: settle the multi's Future. */
  settle(): void {
    const children = this.children;
    const outcomes = this.outcomes;
    const result = this.result;
    const results: unknown[] = new Array(children.length);
    // Once `result` is done (it failed, or the caller cancelled it) every
    // further failure has nowhere to go but the log, as in Tornado.
    let failed = result.done();
    for (let i = 0; i < children.length; i++) {
      const child = children[i];
      let error: unknown;
      if (child instanceof Future) {
        const state = child._state;
        if (state === State.Finished) {
          results[i] = child._result;
          continue;
        }
        if (state === State.Cancelled) {
          // A cancelled child is not an error worth logging, but it does fail the multi.
          if (!failed) {
            failed = true;
            result.setException(child.cancellationError());
          }
          continue;
        }
        error = child.exception(); // failed: this also marks it retrieved
      } else {
        const outcome = outcomes![i];
        if (!(outcome instanceof Rejection)) {
          results[i] = outcome;
          continue;
        }
        error = outcome.error;
      }
      if (!failed) {
        failed = true;
        result.setException(error);
      } else {
        reportExtraFailure(error, this.quiet);
      }
    }
    if (failed) return;
    result.setResult(this.keys === null ? results : byKeys(this.keys, results));
  }
}

function settleGathering(gathering: Gathering): void {
  gathering.settle();
}

function reportExtraFailure(error: unknown, quiet: QuietExceptions | undefined): void {
  if (!isQuiet(error, quiet)) appLog.error('Multiple exceptions in yield list', error);
}

function byKeys(keys: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  const byKey: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) byKey[keys[i]] = values[i];
  return byKey;
}

/**
 * @internal What a coroutine waits on when it yields a list (or dict) whose
 * every child is a native Promise: one native Promise, which the runner
 * follows as it follows a yielded promise, in place of a multi's Future.
 * `Promise.all` gathers the children (V8's own, the cheapest way to wait for
 * many promises), so the coroutine resumes one microtask after an `await
 * Promise.all(children)` would, with no loop iteration. A rejection of
 * `Promise.all` only says that some child failed: then every child is waited
 * for and the first failure in input order is raised, the others logged, as
 * a multi does.
 */
export function gatherPromises(
  children: readonly Promise<unknown>[],
  keys: readonly string[] | null,
): Promise<unknown> {
  const gathered: Promise<unknown> = nativeThen.call(
    Promise.all(children),
    keys === null ? undefined : (values: unknown[]) => byKeys(keys, values),
    () => firstFailureInOrder(children, gathered),
  );
  return gathered;
}

/** The gathered promises the coroutine that waited on them stopped following (cancelled, `throwIn`). */
const abandoned = new WeakSet<Promise<unknown>>();

/**
 * @internal The runner stopped waiting on `promise`: if it came from
 * {@link gatherPromises}, its failure, when it comes, has nowhere to go but
 * the log (as a cancelled multi's).
 */
export function abandonGathered(promise: Promise<unknown>): void {
  abandoned.add(promise);
}

/** Waits for every child; rejects with the first failure in input order and logs the others. */
function firstFailureInOrder(children: readonly Promise<unknown>[], gathered: Promise<unknown>): Promise<never> {
  return new Promise<never>((_resolve, reject) => {
    let pending = children.length;
    const failures: (Rejection | undefined)[] = new Array(children.length);
    const settled = () => {
      if (--pending !== 0) return;
      // Nobody follows an abandoned one: its first failure is logged with the others.
      const unheard = abandoned.has(gathered);
      let first: Rejection | undefined;
      for (const failure of failures) {
        if (failure === undefined) continue;
        if (first === undefined) first = failure;
        if (failure !== first || unheard) reportExtraFailure(failure.error, undefined);
      }
      reject(first!.error);
    };
    for (let i = 0; i < children.length; i++) {
      nativeThen.call(children[i], settled, (error) => {
        failures[i] = new Rejection(error);
        settled();
      });
    }
  });
}
