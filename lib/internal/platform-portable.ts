/**
 * What the core needs from the JavaScript runtime, for runtimes other than
 * Node (browsers, web workers, edge runtimes): the same names as
 * `platform.ts`, built on web standards only. There is no async context to
 * carry, so an AsyncContext just calls; formatting is our own close copy of
 * Node's; standard error is `console.error`; there are no process signals,
 * no exit event, no inspector and no worker threads (the executor says so).
 *
 * @example
 * ```ts
 * import { format } from '#platform';
 * format('%s took %d ms', 'fetch', 12); // 'fetch took 12 ms'
 * ```
 */
import type { Session } from 'node:inspector';
import type { NodeWorkers } from './platform-types.js';

export { format, inspect } from './portable-inspect.js';

/** The runtime's name, for messages. */
export const runtimeName = 'this JavaScript runtime (not Node.js)';

/** Where there is no async context to carry, a context just calls. */
export class AsyncContext {
  constructor(readonly type: string) {}
  runInAsyncScope<This, Args extends any[], Result>(
    fn: (this: This, ...args: Args) => Result,
    thisArg?: This,
    ...args: Args
  ): Result {
    return fn.apply(thisArg as This, args);
  }
}

/**
 * True for a native Promise. Web standards have no trap-free test: a Proxy's
 * getPrototypeOf trap may run here, and one that throws counts as not a Promise.
 */
export function isPromise(value: unknown): value is Promise<unknown> {
  try {
    return value instanceof Promise;
  } catch {
    return false;
  }
}

/** True for an Error of this realm. Web standards have no test that runs no trap: a Proxy's getPrototypeOf trap may run, and one that throws counts as not an Error. */
export function isNativeError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/**
 * True for a revoked Proxy. Web standards cannot see inside a Proxy, so this
 * asks for its prototype: a revoked one throws a TypeError that says so in
 * every engine ("revoked"). Only for error paths.
 */
export function isRevokedProxy(value: unknown): boolean {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  try {
    Reflect.getPrototypeOf(value);
    return false;
  } catch (error) {
    return error instanceof TypeError && /revoked/i.test(error.message);
  }
}

/** Writes text to the console's error stream (one call per text, its final newline dropped). */
export function writeStderr(text: string): void {
  console.error(text.endsWith('\n') ? text.slice(0, -1) : text);
}

/** There is no process environment here. */
export function environmentVariable(_name: string): string | undefined {
  return undefined;
}

function macrotaskScheduler(): (callback: () => void) => void {
  // A MessageChannel message is a task that is not clamped to 4 ms as nested setTimeout(0) is.
  if (typeof MessageChannel === 'function') {
    const channel = new MessageChannel();
    const pending: (() => void)[] = [];
    // Typed from Node's MessagePort here (no DOM types), which declares onmessage only as an event.
    (channel.port1 as unknown as { onmessage: () => void }).onmessage = () => pending.shift()?.();
    // Under Node (a test of this module) an open port would keep the process alive: let it go.
    (channel.port1 as unknown as { unref?: () => void }).unref?.();
    const post = channel.port2.postMessage.bind(channel.port2);
    return (callback) => {
      pending.push(callback);
      post(null);
    };
  }
  const later = globalThis.setTimeout;
  return (callback) => void later(callback, 0);
}

/** Runs `callback` in a later macrotask; captured at load so fake timers installed later cannot freeze the loop. */
export const runInMacrotask: (callback: () => void) => void = macrotaskScheduler();

/** There is no exit event to report at. */
export function onExit(_callback: () => void): boolean {
  return false;
}

/** There are no process signals here: says so. */
export function onSignal(signal: NodeJS.Signals, _listener: (signal: NodeJS.Signals) => void): () => void {
  throw new Error(`addSignalHandler('${signal}') needs Node.js: ${runtimeName} has no process signals`);
}

/** There is no inspector here. */
export function openInspectorSession(): Session | null {
  return null;
}

/** There are no worker threads here. */
export const nodeWorkers: NodeWorkers | null = null;
