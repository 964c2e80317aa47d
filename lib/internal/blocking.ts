/**
 * Blocking detection for `IOLoop.setBlockingLogThreshold`: how a slow
 * callback or coroutine step is named in the warning (the timed drain
 * itself is the loop's, in ioloop.ts).
 *
 * Cost model: the loop picks its timed drain once per iteration with one
 * boolean test, so with the threshold off nothing here runs. With it on,
 * each callback costs one `performance.now()` call (about +40 ns a
 * callback, bench/blocking-detection.ts); naming and locating
 * the culprit happens only when a warning is logged. The source location
 * comes from V8 through an in-process inspector session (a function's
 * `[[FunctionLocation]]`), looked up once per function: nothing is captured
 * when callbacks are registered, so registration stays as fast as ever.
 */
import { openInspectorSession } from '#platform';
import type { Session } from 'node:inspector';
import { describeFunction, describeValue } from './describe-safely.js';

/** Checks a threshold for `setBlockingLogThreshold`: seconds > 0, or 0/null for off (returned as 0). */
export function checkBlockingThreshold(seconds: unknown): number {
  if (seconds === null || seconds === 0) return 0;
  if (typeof seconds !== 'number' || !(seconds > 0) || !Number.isFinite(seconds)) {
    throw new TypeError(
      `setBlockingLogThreshold: expected a positive number of seconds, or 0/null to turn it off, got ${describeValue(seconds)}`,
    );
  }
  return seconds;
}

/**
 * "coroutine crunch (file:///app/jobs.js:12:3)", "callback onTick (...)":
 * what ran, and where it was defined. A coroutine step reaches the loop as
 * its runner object, which keeps the generator function it steps.
 */
export function describeBlocker(subject: unknown, task: Function): string {
  const coroutineFunction = (subject as { coroutineFunction?: unknown } | null)?.coroutineFunction;
  if (typeof coroutineFunction === 'function') return `coroutine ${withLocation(coroutineFunction)}`;
  if (typeof subject === 'function') return `callback ${withLocation(subject)}`;
  // Internal entries (a resolved promise hop, runSync's start): the task is the best name there is.
  return `callback ${withLocation(task)}`;
}

function withLocation(fn: Function): string {
  const location = sourceLocation(fn);
  return location === null ? describeFunction(fn) : `${describeFunction(fn)} (${location})`;
}

const locations = new WeakMap<Function, string | null>();
const scriptUrls = new Map<string, string>();
// undefined: not tried yet; null: no inspector in this Node build, or it failed.
let session: Session | null | undefined;

/** `url:line:column` (1-based) where `fn` is defined, or null if V8 cannot tell. */
export function sourceLocation(fn: Function): string | null {
  if (locations.has(fn)) return locations.get(fn)!;
  let location: string | null = null;
  try {
    location = lookUpLocation(fn);
  } catch {
    location = null;
  }
  locations.set(fn, location);
  return location;
}

/**
 * Inspector replies to an in-process session arrive synchronously, inside
 * `post`, which is what makes this usable from the drain.
 */
function post<R>(method: string, params?: object): R {
  let reply: R | undefined;
  let failure: unknown = null;
  session!.post(method, params ?? {}, (error, result) => {
    failure = error;
    reply = result as R;
  });
  if (failure !== null) throw failure;
  return reply as R;
}

interface FunctionLocation {
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

function lookUpLocation(fn: Function): string | null {
  if (session === undefined) session = openSession();
  if (session === null) return null;
  const probe = Symbol.for('whirlwind.blocking.probe');
  (globalThis as Record<symbol, unknown>)[probe] = fn;
  let objectId: string | undefined;
  try {
    objectId = post<{ result: { objectId?: string } }>('Runtime.evaluate', {
      expression: "globalThis[Symbol.for('whirlwind.blocking.probe')]",
    }).result.objectId;
  } finally {
    delete (globalThis as Record<symbol, unknown>)[probe];
  }
  if (objectId === undefined) return null;
  const properties = post<{ internalProperties?: Array<{ name: string; value?: { value?: FunctionLocation } }> }>(
    'Runtime.getProperties',
    { objectId, ownProperties: true },
  );
  post('Runtime.releaseObject', { objectId });
  const where = properties.internalProperties?.find((p) => p.name === '[[FunctionLocation]]')?.value?.value;
  if (where === undefined) return null;
  if (!scriptUrls.has(where.scriptId)) {
    // Enabling the debugger replays a scriptParsed event per loaded script; disabled again at once.
    post('Debugger.enable');
    post('Debugger.disable');
  }
  const url = scriptUrls.get(where.scriptId);
  if (url === undefined || url === '') return null;
  return `${url}:${where.lineNumber + 1}:${where.columnNumber + 1}`;
}

function openSession(): Session | null {
  try {
    const opened = openInspectorSession();
    if (opened === null) return null;
    opened.connect();
    opened.on('Debugger.scriptParsed', (message) => {
      scriptUrls.set(message.params.scriptId, message.params.url);
    });
    return opened;
  } catch {
    return null;
  }
}
