/**
 * The one place that reads a `Timeout` argument (API.md): a number is an
 * absolute deadline on the loop's clock, `{ seconds?, milliseconds? }` a
 * duration from now. Everything else is a TypeError naming what was given.
 */
import { genLog } from '../log.js';
import { describeValue, isRevokedProxy } from './describe-safely.js';

/** An absolute deadline (seconds on `IOLoop.time()`) or a relative duration. */
export type Timeout = number | { seconds?: number; milliseconds?: number };

/**
 * A number deadline further than this behind the loop's clock draws a
 * warning. A deadline is normally computed moments before it is used
 * (`loop.time() + 5`), so one that passed over a second ago at the call that
 * arms it is a relative duration read as an absolute time (`q.get(5)` in a
 * process up for a minute), or follows a loop blocked for that long, which
 * deserves a look too. A smaller gap is a deadline that just passed, which
 * expiring at once is right for.
 */
export const PAST_DEADLINE_WARNING_SECONDS = 1;

/**
 * A number deadline further than this ahead of the loop's clock (a year)
 * draws a warning. The clock counts from the process start, so a deadline a
 * year ahead would need a process that runs for a year to pass; the usual
 * mistake, a wall-clock time (`Date.now() / 1000 + 5`, about 1.7e9, or
 * `Date.now() + 5000`, about 1.7e12), lands over 50 years ahead. `Infinity`
 * (never) is taken as meant.
 */
export const FUTURE_DEADLINE_WARNING_SECONDS = 365 * 24 * 3600;

/** Converts a `Timeout` to an absolute deadline; `what` names the API in the error. */
export function deadlineFromTimeout(now: () => number, timeout: Timeout, what: string): number {
  if (isRevokedProxy(timeout)) throw timeoutError(timeout, what);
  if (typeof timeout === 'number') {
    if (Number.isNaN(timeout)) throw new TypeError(`${what}: timeout must be a deadline in seconds, got NaN`);
    warnIfAbsurdDeadline(timeout, now(), what);
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
      typeof seconds === 'number' &&
      Number.isFinite(seconds) &&
      typeof milliseconds === 'number' &&
      Number.isFinite(milliseconds)
    ) {
      return now() + seconds + milliseconds / 1000;
    }
  }
  throw timeoutError(timeout, what);
}

function timeoutError(timeout: unknown, what: string): TypeError {
  return new TypeError(
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

/** Seconds rounded to the millisecond, for messages: 3.25, 0.05, 1780000000. */
function seconds(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

/** A long span in the unit a reader grasps: "3.2 s", "4.5 days", "56 years". */
function span(value: number): string {
  const days = value / 86_400;
  if (days >= 365) return `${Math.round(days / 365)} years`;
  if (days >= 1) return `${Math.round(days * 10) / 10} days`;
  return `${Math.round(value * 10) / 10} s`;
}

/**
 * Warns on `genLog` about a number deadline far in the past or absurdly far
 * ahead: both usually mean a duration or a wall-clock time was passed where
 * an absolute time on `IOLoop.time()` was expected (Tornado's meaning, kept).
 */
export function warnIfAbsurdDeadline(deadline: number, now: number, what: string): void {
  if (!Number.isFinite(deadline)) return;
  if (deadline < now - PAST_DEADLINE_WARNING_SECONDS) {
    genLog.warning(
      '%s: the deadline %s is %s in the past, so it expires at once. A number is an absolute deadline on ' +
        'IOLoop.current().time() (now %s), not a duration: for a relative timeout pass { seconds: %s }',
      what,
      seconds(deadline),
      span(now - deadline),
      seconds(now),
      seconds(deadline),
    );
  } else if (deadline > now + FUTURE_DEADLINE_WARNING_SECONDS) {
    genLog.warning(
      '%s: the deadline %s is %s ahead of IOLoop.current().time() (now %s), so it will never pass. A number is an ' +
        'absolute deadline on that monotonic clock, which counts from the process start (not Date.now()): ' +
        'for a relative timeout pass { seconds: n }, or IOLoop.current().time() + n',
      what,
      seconds(deadline),
      span(deadline - now),
      seconds(now),
    );
  }
}

/**
 * The message of the TimeoutError a deadline raises: `prefix` (e.g.
 * "Queue.get() timed out"), then which deadline passed and how it was given,
 * read from the `timeout` argument and the loop time `givenAt` of the call.
 * A number that had already passed when given (by more than a millisecond,
 * the timers' resolution) gets a hint: it was most likely meant as a duration.
 *
 * @example
 * ```ts
 * timedOutMessage('Queue.get() timed out', { seconds: 0.05 }, 3.25, 3.2);
 * // 'Queue.get() timed out after { seconds: 0.05 }: the deadline 3.25 on IOLoop.time() passed'
 * timedOutMessage('Queue.get() timed out', 0.05, 0.05, 3.2);
 * // 'Queue.get() timed out: the deadline 0.05 on IOLoop.time() passed; it had already passed when given,
 * //  at 3.2 (a number is an absolute deadline; for a relative timeout pass { seconds: 0.05 })'
 * ```
 */
export function timedOutMessage(prefix: string, timeout: Timeout, deadline: number, givenAt: number): string {
  const passed = `the deadline ${seconds(deadline)} on IOLoop.time() passed`;
  if (typeof timeout !== 'number') return `${prefix} after ${describeValue(timeout)}: ${passed}`;
  if (!(deadline < givenAt - 0.001)) return `${prefix}: ${passed}`;
  return (
    `${prefix}: ${passed}; it had already passed when given, at ${seconds(givenAt)} ` +
    `(a number is an absolute deadline; for a relative timeout pass { seconds: ${seconds(deadline)} })`
  );
}
