/**
 * The one rule every callback → Future bridge follows (gen.Task's, which
 * Tornado's gen.Task had too): a callback's values become one result — none
 * → `undefined`, one → that value, several → an array — and only the first
 * call counts; a later one is logged and ignored, since a library that calls
 * back twice has a bug the caller should hear about but cannot recover from.
 */
import type { Future } from '../concurrent/future.js';
import { describeFunction } from './describe-safely.js';
import { appLog } from '../log.js';

/**
 * What a callback's values collapse to, as a type: `[]` → `undefined`, `[V]` →
 * `V`, `[V?]` → `V | undefined`, several → the tuple.
 */
export type CollapsedValues<V extends unknown[]> = V extends []
  ? undefined
  : V extends [infer Only]
    ? Only
    : V extends [(infer Only)?]
      ? Only | undefined
      : V;

/** Collapses a callback's values into one result: `[]` → undefined, `[v]` → v, else the array. */
export function collapseValues(values: unknown[]): unknown {
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

/** What a callback bridge needs to settle its Future exactly once. */
export interface CallbackSettler {
  /** True once the callback (or a synchronous throw) has decided the outcome. */
  readonly called: boolean;
  /** Settles with an error, unless already settled or the Future was cancelled meanwhile. */
  fail(error: unknown): void;
  /** Settles with the collapsed values, unless already settled or cancelled. */
  succeed(values: unknown[]): void;
}

/**
 * A settle-once guard for `future`; `what` and `fn` name the bridge and the
 * wrapped function in the "called more than once" warning.
 */
export function settleOnce(future: Future<any>, what: string, fn: Function): CallbackSettler {
  let called = false;
  const firstCall = (): boolean => {
    if (called) {
      warnCalledAgain(what, fn);
      return false;
    }
    called = true;
    return !future.done(); // cancelled (or timed out and cancelled) meanwhile: nothing to do
  };
  return {
    get called() {
      return called;
    },
    fail(error) {
      if (firstCall()) future.setException(error);
    },
    succeed(values) {
      if (firstCall()) future.setResult(collapseValues(values));
    },
  };
}

/** Calls `fn(...args, callback)`; a synchronous throw before the callback fails the Future, after it is logged. */
export function callWithTrailingCallback(
  fn: (...args: any[]) => unknown,
  args: unknown[],
  callback: (...values: any[]) => void,
  settler: CallbackSettler,
  what: string,
): void {
  try {
    fn(...args, callback);
  } catch (error) {
    if (!settler.called) settler.fail(error);
    else reportThrowAfterCallback(what, fn, error);
  }
}

/** The warning for a callback called again: the first outcome stands. */
export function warnCalledAgain(what: string, fn: Function): void {
  appLog.warning('%s: callback of %s called more than once; ignoring the later call', what, describeFunction(fn));
}

/** A synchronous throw after the callback was called has no Future left to fail: it is logged. */
export function reportThrowAfterCallback(what: string, fn: Function, error: unknown): void {
  appLog.error('%s: %s threw after calling its callback', what, describeFunction(fn), error);
}
