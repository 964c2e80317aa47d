/**
 * The coroutine runner: `coroutine`, `Return`, and the `Runner` that steps a
 * generator, following its life in order: start, handle what it yields,
 * resume it, finish.
 *
 * Semantics (Tornado 6, with asyncio's cancellation):
 * - a coroutine starts eagerly and runs synchronously until it yields
 *   something that is not done; a done Future is consumed without giving up
 *   control, so `yield` of a done Future costs no loop iteration;
 * - `moment`, `undefined` and `null` resume after exactly one iteration;
 * - a yielded native Promise is followed as `await` follows it: the
 *   coroutine resumes in the promise's reaction, with no loop iteration
 *   (docs/performance.md, "Crossing the Promise boundary");
 * - a failure is thrown into the generator at the `yield`;
 * - cancelling the coroutine's Future throws `CancelledError` at the current
 *   `yield` and cancels what it waits on (asyncio's `Task.cancel()`).
 */
import { AsyncContext } from '#platform';
import type { AsyncContextLike } from '../internal/platform-types.js';
import {
  CancelledError,
  failedFuture,
  Future,
  futureIfThenable,
  InvalidStateError,
  isFuture,
  resolvedFuture,
  State,
} from '../concurrent/future.js';
import { currentLoop } from '../internal/scheduling.js';
import { isGeneratorObject } from '../internal/thenable.js';
import { checkFunction, checkObject, refuse } from '../internal/arguments.js';
import { BadYieldError } from '../internal/errors.js';
import { describeFunction } from '../internal/describe-safely.js';
import { appendCoroutineFrame, callSitesEnabled, recordCallSite, traceSink } from '../internal/trace-hook.js';
import { convertYielded, convertYieldedForRunner, hasYieldConverters, moment } from './convert.js';
import { abandonGathered } from './multi.js';
import { convertByOwnRule, type BoundYieldRule, type YieldRule } from './yield-rule.js';

// The hot loop reads a Future's state as a number (a const enum: inlined).
const PENDING = State.Pending;
const FINISHED = State.Finished;
const FAILED = State.Failed;

/**
 * Deeper than this many coroutines started inside one another's synchronous
 * steps, a new coroutine starts on the next iteration instead: a chain of
 * 10,000 coroutines calling coroutines must not overflow the stack.
 */
export const MAX_SYNCHRONOUS_START_DEPTH = 500;
let synchronousStartDepth = 0;

const COROUTINE_MARK = Symbol.for('whirlwind.coroutine');
const nativePromiseThen = Promise.prototype.then;
const NOTHING_TO_THROW = Symbol('nothing to throw');

/**
 * `throw new Return(value)` ends a coroutine with `value`, as `return value`
 * does; kept for Tornado-style code (and for code that must end from inside
 * a nested helper generator).
 *
 * @example
 * ```ts
 * const answer = coroutine(function* () {
 *   yield sleep(0.1);
 *   throw new Return(42);
 * });
 * ```
 */
export class Return<T = undefined> {
  /** The coroutine's result. */
  readonly value: T;
  constructor(value?: T) {
    this.value = value as T;
  }
  toString(): string {
    return `Return(${String(this.value)})`;
  }
}

/**
 * Steps one generator; it *is* the coroutine's Future, so a call allocates
 * only the generator and this. Named `Coroutine` (exported to the rest of the
 * library as `Runner`): the name debuggers, `constructor.name` and
 * `toString()` ("<Coroutine fetchPage pending>") show alike.
 */
class Coroutine<R> extends Future<R> {
  // Not `implements FutureListener`: onFutureDone is internal, stripped from the
  // declarations; future.addListener(this) checks that a Runner fits.

  private readonly generator: Generator<unknown, R, unknown>;
  private readonly coroutineFunction: Function;
  private awaiting: Future<unknown> | null = null;
  /** A `resumeAfterMoment` entry for this runner is in the ready queue (exactly one while true). */
  private waitingForMoment = false;
  private running = false;
  /** What cancel() and throwIn() leave for a later resume; null until one is used (read through the accessors below). */
  private rare: RareState | null = null;
  private restoreContext: AsyncContextLike | null = null;
  /** The reactions of the wait on a native Promise the generator is in (see `waitForPromise`); null when none. */
  private promiseWait: PromiseReactions | null = null;
  /** This coroutine's two reactions to the promises it waits on: made at its first wait, reused for every later one. */
  private promiseReactions: PromiseReactions | null = null;
  /** The yield rule of a `coroutineKind` and the coroutine's `this`; null for `coroutine`'s (the built-in rules). */
  private readonly ownRule: BoundYieldRule | null;

  constructor(
    generator: Generator<unknown, R, unknown>,
    coroutineFunction: Function,
    ownRule: BoundYieldRule | null = null,
  ) {
    super();
    this.generator = generator;
    this.coroutineFunction = coroutineFunction;
    this.ownRule = ownRule;
  }

  private get cancelRequested(): boolean {
    return this.rare !== null && this.rare.cancelRequested;
  }
  private set cancelRequested(requested: boolean) {
    if (requested || this.rare !== null) this.rareState().cancelRequested = requested;
  }
  private get cancelDeferredForHandOff(): boolean {
    return this.rare !== null && this.rare.cancelDeferredForHandOff;
  }
  private set cancelDeferredForHandOff(deferred: boolean) {
    if (deferred || this.rare !== null) this.rareState().cancelDeferredForHandOff = deferred;
  }
  private get cancelMessage(): string | undefined {
    return this.rare === null ? undefined : this.rare.cancelMessage;
  }
  private set cancelMessage(message: string | undefined) {
    this.rareState().cancelMessage = message;
  }
  private get pendingThrow(): unknown {
    return this.rare === null ? NOTHING_TO_THROW : this.rare.pendingThrow;
  }
  private set pendingThrow(error: unknown) {
    this.rareState().pendingThrow = error;
  }
  private rareState(): RareState {
    if (this.rare === null) this.rare = new RareState();
    return this.rare;
  }

  /** Runs the generator synchronously up to its first pending yield. */
  start(): void {
    if (traceSink !== null) traceSink.started(this, describeFunction(this.coroutineFunction));
    if (synchronousStartDepth >= MAX_SYNCHRONOUS_START_DEPTH) {
      this.waitForMoment();
      return;
    }
    synchronousStartDepth++;
    try {
      this.run(null, false, undefined);
    } finally {
      synchronousStartDepth--;
    }
  }

  /**
   * Cancels the coroutine as asyncio's `Task.cancel()`: `CancelledError` is
   * thrown into the generator at its current `yield` (its `finally` blocks
   * run) and the future it waits on is cancelled. The Future becomes
   * cancelled when the generator lets the error out; a generator that
   * catches it and goes on finishes normally. False if already done.
   */
  override cancel(message?: string): boolean {
    if (message !== undefined && typeof message !== 'string')
      refuse('cancel', 'a message string (or nothing)', message);
    if (this.done()) return false;
    if (traceSink !== null) traceSink.cancelRequested(this);
    this.cancelRequested = true;
    this.cancelDeferredForHandOff = false;
    this.cancelMessage = message;
    if (this.running) return true; // seen at the next yield
    if (this.promiseWait !== null) {
      // A Promise cannot be cancelled: stop following it; CancelledError lands one iteration later.
      this.abandonPromise();
      this.waitForMoment();
      return true;
    }
    const awaiting = this.awaiting;
    if (awaiting !== null) {
      // As asyncio's Task.cancel(): if the awaited future takes the cancel,
      // its outcome resumes us — CancelledError, or the result of a child
      // coroutine that caught it and went on. Only if it is done already
      // (its callback is queued) must onFutureDone force CancelledError.
      if (awaiting.cancel(message)) this.cancelRequested = false;
    } else if (!this.waitingForMoment) {
      this.waitForMoment(); // not reachable today; never leave a cancel undelivered
    }
    return true;
  }

  /**
   * Refused, as asyncio's `Task.set_result`: a coroutine's Future settles when
   * its generator finishes. Settling it from outside left the generator
   * suspended for good, its `finally` blocks (a lock's release) never run.
   */
  override setResult(_value: R): void {
    throw new InvalidStateError(
      `setResult() called on the Future of coroutine ${describeFunction(this.coroutineFunction)}: it settles when the generator finishes; cancel() it to stop it`,
    );
  }

  /** Refused, as {@link Coroutine.setResult}. */
  override setException(_error: unknown): void {
    throw new InvalidStateError(
      `setException() called on the Future of coroutine ${describeFunction(this.coroutineFunction)}: it settles when the generator finishes; cancel() it to stop it`,
    );
  }

  /**
   * Throws `error` into the generator at its current `yield` on the next
   * iteration, without touching what it waits on. `genTest` uses it on
   * timeout so the failure points at the pending yield. False if the
   * coroutine is done or running.
   */
  throwIn(error: unknown): boolean {
    if (this.done() || this.running) return false;
    const awaiting = this.awaiting;
    if (awaiting !== null) {
      awaiting.removeListener(this);
      this.awaiting = null;
    }
    if (this.promiseWait !== null) this.abandonPromise();
    this.pendingThrow = error;
    // Rides on the moment mechanism so there is only ever one queued resume.
    if (!this.waitingForMoment) this.waitForMoment();
    return true;
  }

  /** @internal The awaited future is done: resume with its outcome. */
  onFutureDone(future: Future<unknown>): void {
    if (this.awaiting !== future) return; // stale: we stopped waiting on it (throwIn)
    this.awaiting = null;
    // A lock or queue item handed to us just before the cancel would be lost
    // for good if CancelledError replaced it: deliver it, and let the cancel
    // land at the next pending yield (found by spec/reliability's fuzzing).
    if (this.cancelRequested && !(future._state === FINISHED && isHandOff(future))) {
      this.cancelRequested = false;
      this.resume(true, future.cancelled() ? future.cancellationError() : new CancelledError(this.cancelMessage));
    } else if (future._state === FINISHED) {
      if (this.cancelRequested) this.cancelDeferredForHandOff = true;
      this.resume(false, future._result);
    } else if (future._state === FAILED) {
      this.resume(true, future.exception());
    } else {
      this.resume(true, future.cancellationError());
    }
  }

  /** @internal Resumes after `moment`. */
  onMoment(): void {
    this.waitingForMoment = false;
    const pendingThrow = this.pendingThrow;
    if (pendingThrow !== NOTHING_TO_THROW) {
      this.pendingThrow = NOTHING_TO_THROW;
      this.resume(true, pendingThrow);
    } else if (this.cancelRequested) {
      this.cancelRequested = false;
      this.resume(true, new CancelledError(this.cancelMessage));
    } else {
      this.resume(false, undefined);
    }
  }

  /** @internal */
  resume(isThrow: boolean, value: unknown): void {
    if (this.done()) return;
    if (traceSink !== null) traceSink.resumed(this, isThrow, value);
    if (this.restoreContext !== null) this.restoreContext.runInAsyncScope(runStep, null, this, isThrow, value);
    else this.run(null, isThrow, value);
  }

  /**
   * @internal The loop of the runner: sends a value in (or throws one), then
   * handles what the generator gives back, stepping it again for as long as
   * what it yields is done already. `wait` is null, or the reactions whose
   * reaction this is: then it steps only if their wait is still the current one. A reaction
   * calls this itself, with no frame between it and the generator: an Error
   * made in the resumed step captures its stack up to here, and each frame
   * costs (bench workload EP). No `restoreContext` for a reaction either
   * (see `waitForPromise`).
   */
  run(wait: PromiseReactions | null, isThrow: boolean, value: unknown): void {
    if (wait !== null) {
      if (this.promiseWait !== wait) return;
      this.promiseWait = null;
      if (traceSink !== null) traceSink.resumed(this, isThrow, value);
    }
    const generator = this.generator;
    this.running = true;
    for (;;) {
      let step: IteratorResult<unknown, R>;
      try {
        step = isThrow ? generator.throw(value) : generator.next(value);
      } catch (error) {
        this.running = false;
        this.finishWithError(error);
        return;
      }
      if (step.done === true) {
        this.running = false;
        this.finishWithResult(step.value);
        return;
      }
      const yielded = step.value;
      if (wait !== null) {
        // Resumed by the reused pair: a coroutine looping over promises yields
        // another one, and the pair waits on it before any other check (BP).
        if (wait === this.promiseReactions && this.waitedAgainForPromise(wait, yielded)) return;
        wait = null;
      }
      let future: Future<unknown>;
      // isFuture, not instanceof: on a Proxy instanceof runs its getPrototypeOf
      // trap, which may throw; convertYielded then names it, and the error is thrown in.
      if (isFuture(yielded)) {
        future = yielded;
      } else if ((yielded === undefined || yielded === null || yielded === moment) && this.ownRule === null) {
        this.running = false;
        if (traceSink !== null) traceSink.yielded(this, moment, true);
        this.waitForMoment();
        return;
      } else if (this.waitedForPromise(yielded)) {
        this.running = false;
        return;
      } else {
        let converted: Future<unknown> | Promise<unknown>;
        try {
          // Only a kind's coroutines look further than convertYielded: the slow path of a non-Future yield.
          converted = this.ownRule !== null ? convertByOwnRule(this.ownRule, yielded) : this.convert(yielded);
        } catch (error) {
          isThrow = true;
          value = this.explainBadYield(error);
          continue;
        }
        if (!isFuture(converted)) {
          // A list (or dict) of native promises, gathered into one: followed as a yielded promise.
          this.running = false;
          this.waitForPromise(converted, true);
          return;
        }
        future = converted;
      }
      if (this.cancelRequested && future._state === PENDING) {
        // Cancelled while running: the next yield that would suspend is where
        // CancelledError lands (as asyncio: awaiting a done future does not
        // suspend, and its result, maybe a lock or a queue item, is not lost).
        future.cancel(this.cancelMessage);
        this.cancelRequested = false;
        isThrow = true;
        value = new CancelledError(this.cancelMessage);
        continue;
      }
      const state = future._state;
      if (state === PENDING) {
        if (future === this) {
          // It would wait for itself forever (asyncio refuses this too).
          isThrow = true;
          value = new BadYieldError(
            `coroutine ${describeFunction(this.coroutineFunction)} yielded its own Future; it would wait forever`,
          );
          continue;
        }
        this.running = false;
        this.awaiting = future;
        if (traceSink !== null) traceSink.yielded(this, future, true);
        if (this.restoreContext === null) this.captureContext();
        future.addListener(this);
        return;
      }
      // Done already: consume it without giving up control.
      if (traceSink !== null) traceSink.yielded(this, future, false);
      if (state === FINISHED) {
        isThrow = false;
        value = future._result;
      } else {
        isThrow = true;
        value = state === FAILED ? future.exception() : future.cancellationError();
      }
    }
  }

  /** convertYielded, or (when the promise path is open, see `waitedForPromise`) a list of native promises gathered. */
  private convert(yielded: unknown): Future<unknown> | Promise<unknown> {
    if (this.cancelRequested || traceSink !== null) return convertYielded(yielded);
    return convertYieldedForRunner(yielded);
  }

  /** Waits on `value` if it is a native Promise with the built-in `then` (see `waitForPromise`); false if not. */
  private waitedForPromise(value: unknown): boolean {
    if (!this.followsPromises()) return false;
    try {
      // instanceof, not util.types.isPromise (a call into C++ that cost a quarter of
      // bench workload BP's gap to native): an impostor (an object made from
      // Promise.prototype, a Proxy) passes it, but then() refuses it, before any effect.
      if (!(value instanceof Promise) || value.then !== nativePromiseThen) return false;
      this.waitForPromise(value);
      return true;
    } catch {
      this.promiseWait = null;
      return false; // not a real promise, or a trap threw: convertYielded explains it
    }
  }

  /** `waitedForPromise` for the reused pair's next wait, with fewer checks: false if `value` is not a plain promise. */
  private waitedAgainForPromise(reactions: PromiseReactions, value: unknown): boolean {
    if (!this.followsPromises()) return false;
    try {
      // instanceof first: a thenable's `then` is read once, by convertYielded.
      if (!(value instanceof Promise) || value.then !== nativePromiseThen) return false;
      this.promiseWait = reactions;
      nativePromiseThen.call(value, reactions.fulfilled, reactions.rejected);
      this.running = false;
      return true;
    } catch {
      this.promiseWait = null;
      return false; // a trap threw, or then() refused an impostor: convertYielded explains it
    }
  }

  /** False where a yielded promise takes the general path (convertYielded): traced runs, registered converters, a pending cancel. */
  private followsPromises(): boolean {
    return !this.cancelRequested && traceSink === null && !hasYieldConverters();
  }

  /**
   * Waits on a native Promise as `await` does: one reaction on the promise
   * itself, resuming the generator in that reaction (the same microtask in
   * which an `await` of it would resume) rather than through a Future settled
   * by it and a later loop iteration. No context capture either: a promise
   * reaction runs in the AsyncLocalStorage context `then` was called in, and
   * that is this coroutine's (its steps run in it). A gathered list (see
   * `convertYieldedForRunner`) gets reactions of its own, which name it for `abandonPromise`.
   */
  private waitForPromise(promise: Promise<unknown>, gathered = false): void {
    let reactions = this.promiseReactions;
    if (gathered) {
      reactions = new GatheredReactions(this, promise);
    } else if (reactions === null) {
      reactions = new PromiseReactions(this);
      this.promiseReactions = reactions;
    }
    this.promiseWait = reactions;
    nativePromiseThen.call(promise, reactions.fulfilled, reactions.rejected);
  }

  /** Stops following the awaited promise (cancel, throwIn); its reaction, when it comes, is ignored. */
  private abandonPromise(): void {
    const wait = this.promiseWait;
    if (wait === null) return;
    this.promiseWait = null;
    // Reused reactions cannot tell the abandoned wait's reaction from a later
    // wait's: let them go (they then match no wait); the next wait makes others.
    if (wait === this.promiseReactions) this.promiseReactions = null;
    // A gathered list's failures, when they come, have nowhere to go but the log.
    if (wait instanceof GatheredReactions) abandonGathered(wait.gathered);
  }

  private waitForMoment(): void {
    this.waitingForMoment = true;
    if (this.restoreContext === null) this.captureContext();
    currentLoop().enqueue(resumeAfterMoment, this);
  }

  private captureContext(): void {
    // One AsyncResource per suspended coroutine carries the caller's
    // AsyncLocalStorage stores to later steps. Not AsyncLocalStorage.snapshot():
    // on Node 20 that builds a bound function plus a deprecation wrapper each
    // time, about 2.5 KB and 15 µs per coroutine (bench workload D).
    this.restoreContext = new AsyncContext('whirlwind.Coroutine');
  }

  private finishWithResult(value: R): void {
    // A finished coroutine's Future may be kept (cached, memoised): it must not keep its caller's AsyncLocalStorage store alive.
    this.restoreContext = null;
    if (this.cancelRequested && !this.cancelDeferredForHandOff) {
      // Cancelled during its last step, with no yield left to throw at: it
      // ends cancelled all the same, as an asyncio Task does.
      this.cancelRequested = false;
      super.cancel(this.cancelMessage);
      if (traceSink !== null) traceSink.finished(this, 'cancelled', this._exception);
    } else {
      super.setResult(value);
      if (traceSink !== null) traceSink.finished(this, 'result', value);
    }
  }

  private finishWithError(error: unknown): void {
    this.restoreContext = null;
    if (error instanceof Return) {
      this.finishWithResult(error.value as R);
    } else if (error instanceof CancelledError) {
      super.cancel(error.message);
      this._exception = error;
      if (traceSink !== null) traceSink.finished(this, 'cancelled', error);
    } else {
      if (callSitesEnabled) appendCoroutineFrame(this, describeFunction(this.coroutineFunction), error);
      super.setException(error);
      if (traceSink !== null) traceSink.finished(this, 'exception', error);
    }
  }

  private explainBadYield(error: unknown): unknown {
    if (!(error instanceof BadYieldError)) return error;
    return new BadYieldError(`${error.message} in coroutine ${describeFunction(this.coroutineFunction)}`, {
      cause: error,
    });
  }

  override toString(): string {
    return `<Coroutine ${describeFunction(this.coroutineFunction)} ${super.toString().slice(8, -1)}>`;
  }
}

export { Coroutine as Runner };

/**
 * A coroutine's state for cancel() and throwIn(), apart: most coroutines use
 * neither, and each field on a coroutine costs every one of them 8 bytes
 * (bench D-mem, DP-mem).
 */
class RareState {
  /** Set by `cancel()`, cleared when the CancelledError is thrown in: a generator that catches it goes on. */
  cancelRequested = false;
  /** The pending cancel was deferred to deliver a hand-off; a generator that returns before it lands keeps its result. */
  cancelDeferredForHandOff = false;
  cancelMessage: string | undefined = undefined;
  /** An error `throwIn` delivers at the next resume; `NOTHING_TO_THROW` when none. */
  pendingThrow: unknown = NOTHING_TO_THROW;
}

/**
 * A coroutine's reactions to the native promises it waits on, made at its
 * first wait and reused while no wait is abandoned (after one is, a reaction
 * could belong to the abandoned wait: `abandonPromise` lets the pair go).
 * Bound methods, not closures that call one: a frame fewer under the resumed
 * step. Made at the first wait rather than a one-off pair per wait: doxbee's
 * sequential shape (six waits per coroutine) took 10% less time for it.
 */
class PromiseReactions {
  readonly fulfilled: (value: unknown) => void;
  readonly rejected: (error: unknown) => void;
  constructor(runner: Coroutine<unknown>) {
    this.fulfilled = runner.run.bind(runner, this, false);
    this.rejected = runner.run.bind(runner, this, true);
  }
}

/** The reactions of one wait on a gathered list (see `convertYieldedForRunner`), which they name for `abandonPromise`. */
class GatheredReactions extends PromiseReactions {
  constructor(
    runner: Coroutine<unknown>,
    readonly gathered: Promise<unknown>,
  ) {
    super(runner);
  }
}

/** Futures whose result hands something over (a lock, a queue item): see `Waiter.handsOff`. */
function isHandOff(future: Future<unknown>): boolean {
  return (future as { handsOff?: boolean }).handsOff === true;
}

function runStep(runner: Coroutine<unknown>, isThrow: boolean, value: unknown): void {
  runner.run(null, isThrow, value);
}

function resumeAfterMoment(runner: Coroutine<unknown>): void {
  runner.onMoment();
}

/** What a coroutine's Future holds: the generator's return value (`any` for Return-style code, which TypeScript cannot see). */
export type CoroutineResult<R> = [R] extends [void] ? any : R;

type GeneratorFn<This, A extends unknown[], R> = (this: This, ...args: A) => Generator<unknown, R, any>;

/**
 * Makes a generator function a coroutine: calling it starts the generator at
 * once and returns a `Future` of its result. Inside, `yield` a Future,
 * Promise, array/object of them, or `moment`; end with `return value` or
 * `throw new Return(value)`.
 *
 * Also a method decorator (`@coroutine`, standard or legacy decorators);
 * `this` is passed through and the function keeps its name. A decorator
 * cannot change a method's declared type, so TypeScript still sees the
 * generator's return type: declare `coroutine(function* (this: C) {...})` as
 * a property, or cast the call, when the Future's type matters. A plain
 * function is accepted too: its return value (or the outcome of a returned
 * Promise) becomes the Future's.
 *
 * @example
 * ```ts
 * const fetchBoth = coroutine(function* (a: string, b: string) {
 *   const [ra, rb] = yield [client.fetch(a), client.fetch(b)];
 *   return ra.body.length + rb.body.length;
 * });
 * const total = await fetchBoth(urlA, urlB);
 * ```
 */
// The `context?: undefined` on the call forms keeps TypeScript from choosing
// them for `@coroutine` (it would then demand that the decorated method's
// declared type accept a Future-returning function).
export function coroutine<This, A extends unknown[], R>(
  fn: GeneratorFn<This, A, R>,
  context?: undefined,
): (this: This, ...args: A) => Future<CoroutineResult<R>>;
export function coroutine<This, A extends unknown[], R>(
  fn: (this: This, ...args: A) => R,
  context?: undefined,
): (this: This, ...args: A) => Future<Awaited<R>>;
export function coroutine<This, A extends unknown[], R>(
  fn: GeneratorFn<This, A, R>,
  context: ClassMethodDecoratorContext<This>,
): (this: This, ...args: A) => any;
export function coroutine(target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
export function coroutine(fn: any, _context?: any, descriptor?: PropertyDescriptor): any {
  if (descriptor !== undefined) checkObject(descriptor, 'coroutine', 'a property descriptor as the third argument');
  if (descriptor !== undefined && typeof descriptor.value === 'function') {
    // Legacy (experimentalDecorators) form: (prototype, key, descriptor).
    return { ...descriptor, value: wrapAsCoroutine(descriptor.value) };
  }
  checkFunction(fn, 'coroutine', 'a generator function or function');
  return wrapAsCoroutine(fn);
}

const GeneratorFunctionPrototype = Object.getPrototypeOf(function* () {});

/** @internal `coroutine(fn)`; with `rule`, a coroutine of the kind that rule makes (see `coroutineKind`). */
export function wrapAsCoroutine(fn: Function, rule: YieldRule | null = null): Function {
  // A kind re-wraps a coroutine rather than keep it: it then runs under the kind's rules.
  if (rule === null && (fn as any)[COROUTINE_MARK] === true) return fn;
  const isGeneratorFunction = Object.getPrototypeOf(fn) === GeneratorFunctionPrototype;
  const wrapper = isGeneratorFunction
    ? function (this: unknown): Future<unknown> {
        let generator: Generator<unknown, unknown, unknown>;
        try {
          // `arguments` rather than rest parameters: no array per call.
          // biome-ignore lint/complexity/noArguments: a rest parameter would allocate an array per call
          generator = fn.apply(this, arguments);
        } catch (error) {
          return failedFuture(error);
        }
        const runner = new Coroutine(generator, fn, rule === null ? null : { rule, self: this });
        if (callSitesEnabled) recordCallSite(runner, wrapper);
        runner.start();
        return runner;
      }
    : function (this: unknown): Future<unknown> {
        let returned: unknown;
        try {
          // biome-ignore lint/complexity/noArguments: a rest parameter would allocate an array per call
          returned = fn.apply(this, arguments);
        } catch (error) {
          if (error instanceof Return) return resolvedFuture(error.value);
          return failedFuture(error);
        }
        return futureFromReturnValue(returned, fn, rule === null ? null : { rule, self: this });
      };
  Object.defineProperty(wrapper, 'name', { value: fn.name, configurable: true });
  Object.defineProperty(wrapper, 'length', { value: fn.length, configurable: true });
  Object.defineProperty(wrapper, COROUTINE_MARK, { value: true });
  Object.defineProperty(wrapper, '__wrapped__', { value: fn });
  return wrapper;
}

function futureFromReturnValue(returned: unknown, fn: Function, ownRule: BoundYieldRule | null): Future<unknown> {
  if (isFuture(returned)) return returned;
  if (returned === null || (typeof returned !== 'object' && typeof returned !== 'function'))
    return resolvedFuture(returned);
  // As await reads what an async function returns: `then` once, its getter's throw a failure.
  const fromThenable = futureIfThenable(returned);
  if (fromThenable !== null) return fromThenable;
  let isGenerator: boolean;
  try {
    isGenerator = isGeneratorObject(returned);
  } catch (error) {
    return failedFuture(error); // a Proxy whose get trap throws
  }
  if (!isGenerator) return resolvedFuture(returned);
  const runner = new Coroutine(returned as Generator<unknown, unknown, unknown>, fn, ownRule);
  runner.start();
  return runner;
}

/** @internal Runs a generator object already made as a coroutine of `fn`, under `ownRule` (see `coroutineKind`). */
export function runGenerator<R>(
  generator: Generator<unknown, R, unknown>,
  fn: Function,
  ownRule: BoundYieldRule | null,
): Future<R> {
  const runner = new Coroutine(generator, fn, ownRule);
  runner.start();
  return runner;
}

/**
 * True for functions made by `coroutine`.
 *
 * @example
 * ```ts
 * isCoroutineFunction(coroutine(function* () {})); // true
 * isCoroutineFunction(async () => {}); // false
 * ```
 */
export function isCoroutineFunction(fn: unknown): boolean {
  try {
    return typeof fn === 'function' && (fn as any)[COROUTINE_MARK] === true;
  } catch {
    return false; // a revoked Proxy of a function, or one whose get trap throws: not one of ours
  }
}
