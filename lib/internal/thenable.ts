/**
 * The shapes the runtime recognises in what a coroutine yields or a function
 * returns, each decided once: a thenable (anything with a callable `then`:
 * native promises, other libraries' promises, a Future, `moment`, as the
 * Promises/A+ resolution procedure has it) and a generator object.
 */

/** True for anything with a callable `then`: native promises and other thenables. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * True for generator objects, by shape (`next`, `throw` and `Symbol.iterator`),
 * so generators from another realm or a transpiler's helper count too.
 */
export function isGeneratorObject(value: unknown): value is Generator<unknown, unknown, unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as Generator).next === 'function' &&
    typeof (value as Generator).throw === 'function' &&
    typeof (value as Generator)[Symbol.iterator] === 'function'
  );
}
