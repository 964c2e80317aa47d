/**
 * What counts as a thenable, decided once for the whole runtime: anything
 * with a callable `then` (native promises, other libraries' promises, a
 * Future, `moment`), as the Promises/A+ resolution procedure has it.
 */

/** True for anything with a callable `then`: native promises and other thenables. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
