/**
 * The yield rule of a kind of coroutine (see `coroutineKind`), as the runner
 * applies it: below the runner, so that the runner can call it and the public
 * `coroutineKind`, which builds on the runner, can make it.
 */
import { type Future, futureIfThenable, isFuture } from '../concurrent/future.js';
import { BadYieldError } from '../internal/errors.js';
import { describeFunction, describeValue } from '../internal/describe-safely.js';
import { convertYielded } from './convert.js';

/**
 * How one kind of coroutine converts what its generators yield (everything but a Future or a native Promise,
 * which are waited on as they are). `self` is the coroutine's `this`. Return a Future or a thenable to wait on, or
 * `undefined` to leave the value to the built-in rules (`convertYielded`, `registerYieldable`'s converters
 * included). What the rule throws is thrown into the generator at the `yield`.
 */
export type YieldRule = (value: unknown, self: unknown) => Future<unknown> | PromiseLike<unknown> | undefined;

/** A kind's rule with the `this` of one of its coroutines. */
export interface BoundYieldRule {
  readonly rule: YieldRule;
  readonly self: unknown;
}

/** What the runner waits on for `value`, by the coroutine's own rule first. */
export function convertByOwnRule(own: BoundYieldRule, value: unknown): Future<unknown> {
  const converted = own.rule(value, own.self);
  if (converted === undefined) return convertYielded(value);
  if (isFuture(converted)) return converted;
  const fromThenable =
    converted !== null && (typeof converted === 'object' || typeof converted === 'function')
      ? futureIfThenable(converted)
      : null;
  if (fromThenable !== null) return fromThenable;
  throw new BadYieldError(
    `yield rule ${describeFunction(own.rule)} returned ${describeValue(converted)} for ${describeValue(value)}; ` +
      'expected a Future, a thenable or undefined',
  );
}
