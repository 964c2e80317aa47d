/**
 * What the core needs from the JavaScript runtime it runs on, Node's
 * version. The core imports this module as `#platform`; package.json's
 * `imports` field resolves that to this file under the `node` condition
 * (Node; Deno and Bun match it too) and to `platform-portable.ts` elsewhere
 * (browsers, workers, `default`). The names here are Node's own objects,
 * re-exported, so Node pays nothing for the indirection.
 *
 * @example
 * ```ts
 * import { AsyncContext } from '#platform';
 * const context = new AsyncContext('whirlwind.Callback'); // the caller's AsyncLocalStorage stores, kept
 * context.runInAsyncScope(callback, null, ...args);
 * ```
 */
import { AsyncResource } from 'node:async_hooks';
import { createRequire } from 'node:module';
import type { Session } from 'node:inspector';
import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { format, inspect, types } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { NodeWorkers } from './platform-types.js';

/** The runtime's name, for messages. */
export const runtimeName = 'Node.js';

/**
 * Carries the async context (AsyncLocalStorage stores) of where it was made
 * to where `runInAsyncScope` runs a function.
 */
export const AsyncContext = AsyncResource;

/** printf-style formatting (`%s`, `%d`, `%o`...), as `console.log` does. */
export { format, inspect };

/** True for a native Promise, read from its internal slot: no Proxy trap and no getter runs. */
export const isPromise: (value: unknown) => value is Promise<unknown> = types.isPromise;

/** True for an Error made by the engine's Error constructors (any realm), without running a getter. */
export const isNativeError: (value: unknown) => value is Error = types.isNativeError;

/** True for a revoked Proxy, told without running any trap (Node sees inside a Proxy). Only for error paths. */
export function isRevokedProxy(value: unknown): boolean {
  if (!types.isProxy(value)) return false;
  try {
    return inspect(value, { customInspect: false, depth: 0 }) === '<Revoked Proxy>';
  } catch {
    return false;
  }
}

/** Writes text to standard error as it is (no newline added). */
export function writeStderr(text: string): void {
  process.stderr.write(text);
}

/** An environment variable, or undefined. */
export function environmentVariable(name: string): string | undefined {
  return process.env[name];
}

/**
 * Runs `callback` in a later macrotask, after I/O: the loop's hop when it
 * has run many iterations in microtasks. Captured at load, so fake timers
 * installed later (sinon) cannot freeze the loop.
 */
export const runInMacrotask: (callback: () => void) => void = globalThis.setImmediate;

/** Calls `callback` once when the process exits; false if the runtime has no such event. */
export function onExit(callback: () => void): boolean {
  process.once('exit', callback);
  return true;
}

/** Listens for a process signal (`SIGHUP`...); returns what stops listening. */
export function onSignal(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): () => void {
  process.on(signal, listener);
  return () => {
    process.off(signal, listener);
  };
}

/** An in-process inspector session (V8's debugger protocol), or null where there is none. */
export function openInspectorSession(): Session | null {
  const { Session: InspectorSession } = createRequire(import.meta.url)(
    'node:inspector',
  ) as typeof import('node:inspector');
  return new InspectorSession();
}

/** Worker threads and the path helpers the executor needs; null where the runtime has none. */
export const nodeWorkers: NodeWorkers | null = { Worker, availableParallelism, isAbsolute, pathToFileURL };
