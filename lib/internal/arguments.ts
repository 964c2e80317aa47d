/**
 * Argument checks for public entry points: each names the entry point and
 * what it expected, and treats a revoked Proxy (which passes `typeof` but
 * throws on any use) as the bad argument it is, instead of letting the
 * engine's "Cannot perform 'get' on a proxy that has been revoked" out.
 * Used at API entry only, never per step.
 */
import { describeValue, isRevokedProxy } from './describe-safely.js';

/** Throws `what: expected <expected>, got <value>` as a TypeError. */
export function refuse(what: string, expected: string, value: unknown): never {
  throw new TypeError(`${what}: expected ${expected}, got ${describeValue(value)}`);
}

/** A function that can be called: not a revoked Proxy of one. */
export function checkFunction(value: unknown, what: string, expected = 'a function'): asserts value is Function {
  if (typeof value !== 'function' || isRevokedProxy(value)) refuse(what, expected, value);
}

/** An object (or function) that can be read: not null, not a revoked Proxy. */
export function checkObject(value: unknown, what: string, expected: string): asserts value is object {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || isRevokedProxy(value)) {
    refuse(what, expected, value);
  }
}

/**
 * An options argument: `undefined` means none (returns `{}`); anything else
 * must be an object that can be read. A getter on it that throws still throws
 * what it throws: that is the caller's own exception.
 */
export function checkOptions<T extends object>(options: T | undefined, what: string): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || isRevokedProxy(options)) {
    refuse(what, 'an options object (or nothing)', options);
  }
  return options;
}
