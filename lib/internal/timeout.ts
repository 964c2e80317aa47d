/**
 * The one place that reads a `Timeout` argument (API.md): a number is an
 * absolute deadline on the loop's clock, `{ seconds?, milliseconds? }` a
 * duration from now. Everything else is a TypeError naming what was given.
 */
import { describeValue } from './describe-safely.js';

/** An absolute deadline (seconds on `IOLoop.time()`) or a relative duration. */
export type Timeout = number | { seconds?: number; milliseconds?: number };

/** Converts a `Timeout` to an absolute deadline; `what` names the API in the error. */
export function deadlineFromTimeout(now: () => number, timeout: Timeout, what: string): number {
  if (typeof timeout === 'number') {
    if (Number.isNaN(timeout)) throw new TypeError(`${what}: timeout must be a deadline in seconds, got NaN`);
    return timeout;
  }
  if (timeout !== null && typeof timeout === 'object' && !Array.isArray(timeout)) {
    const { seconds = 0, milliseconds = 0 } = timeout;
    const keys = Object.keys(timeout);
    const unknownKey = keys.find((k) => k !== 'seconds' && k !== 'milliseconds');
    // A Date (or other class instance) has no own keys and would read as a zero duration: due at once.
    const proto = Object.getPrototypeOf(timeout);
    const isPlain = proto === Object.prototype || proto === null;
    if (
      unknownKey === undefined &&
      (isPlain || keys.length > 0) &&
      typeof seconds === 'number' && Number.isFinite(seconds) &&
      typeof milliseconds === 'number' && Number.isFinite(milliseconds)
    ) {
      return now() + seconds + milliseconds / 1000;
    }
  }
  throw new TypeError(
    `${what}: timeout must be an absolute deadline (number) or { seconds?, milliseconds? }, got ${describeValue(timeout)}`,
  );
}

/** Checks a relative duration in seconds (sleep, callLater, runSync). */
export function checkSeconds(seconds: unknown, what: string): number {
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) {
    throw new TypeError(`${what}: expected a duration in seconds (number), got ${describeValue(seconds)}`);
  }
  return seconds;
}
