/**
 * The renderings of describe.ts, for values that fight back: a revoked
 * Proxy, a Proxy whose traps throw, an object whose `Symbol.toStringTag`
 * getter or custom inspect function throws, a function whose `name` getter
 * throws. Describing such a value for a message must not throw in place of
 * the error being reported (the loop logs callback failures from its drain,
 * where a throw would drop the rest of the iteration), so every message in
 * lib/ imports its describers from here, not from describe.ts.
 */
import { inspect, isRevokedProxy } from '#platform';
import {
  describeFunction as describeFunctionAsIs,
  describeName as describeNameAsIs,
  describeValue as describeValueAsIs,
} from './describe.js';

/**
 * `42`, `'text'`, `{ a: 1 }`, `<Revoked Proxy>`: describe.ts's one-line
 * rendering, or a plainer one if that threw. Never throws.
 *
 * @example
 * ```ts
 * const { proxy, revoke } = Proxy.revocable({}, {});
 * revoke();
 * describeValue(proxy); // '<Revoked Proxy>'
 * ```
 */
export function describeValue(value: unknown): string {
  try {
    return describeValueAsIs(value);
  } catch {
    return describeWithoutTraps(value);
  }
}

/**
 * A file path, URL or name the user gave, whole however long (describe.ts's
 * describeName); a plainer description of a non-name if that threw. Never throws.
 *
 * @example
 * ```ts
 * describeName('/etc/myapp/ca.pem'); // "'/etc/myapp/ca.pem'"
 * ```
 */
export function describeName(value: unknown): string {
  try {
    return describeNameAsIs(value);
  } catch {
    return describeWithoutTraps(value);
  }
}

/**
 * The name a callback or coroutine is known by in messages; `<anonymous>`
 * when it has none, a plain description when reading it throws. Never throws.
 *
 * @example
 * ```ts
 * describeFunction(function onTick() {}); // 'onTick'
 * ```
 */
export function describeFunction(fn: unknown): string {
  try {
    return describeFunctionAsIs(fn);
  } catch {
    return describeWithoutTraps(fn);
  }
}

/**
 * inspect() looks through a Proxy to its target without running a trap, and
 * says `<Revoked Proxy>` for a revoked one; with custom inspection and
 * getters off, only a throwing `Symbol.toStringTag` getter can still stop it.
 */
function describeWithoutTraps(value: unknown): string {
  try {
    const text = inspect(value, { customInspect: false, getters: false, depth: 0, breakLength: Infinity });
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
  } catch {
    return typeof value === 'function'
      ? '<a function that cannot be described>'
      : `<an ${typeof value} that cannot be described>`;
  }
}

/**
 * True for a Proxy that was revoked: every operation on it throws, which is
 * worth saying by name rather than passing on the engine's TypeError.
 * Only for error paths. (How to tell depends on the runtime: see #platform.)
 */
export { isRevokedProxy };
