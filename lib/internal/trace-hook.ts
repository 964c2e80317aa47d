/**
 * The runner's two debugging switches, kept in a module of their own (it
 * imports only the platform, to read the environment once) so
 * the runner can read them with one load each: a trace sink (set while
 * `whirlwind/trace` records) and call-site capture for stack traces across
 * yields. Both are `null`/`false` unless a user turns them on, so the cost
 * when off is one comparison per event.
 */
import { environmentVariable } from '#platform';

/** What the runner reports while a trace is being recorded. */
export interface RunnerTraceSink {
  /** A coroutine was called (its generator is about to run for the first time). */
  started(runner: object, name: string): void;
  /** It yielded `yielded`; `pending` says whether it now gives up control. */
  yielded(runner: object, yielded: unknown, pending: boolean): void;
  /** It is resumed with a value (`isThrow` false) or an exception thrown in (`isThrow` true). */
  resumed(runner: object, isThrow: boolean, value: unknown): void;
  /** Its Future was cancelled (CancelledError will be thrown in at the current yield). */
  cancelRequested(runner: object): void;
  /** It finished: `outcome` is 'result', 'exception' or 'cancelled'. */
  finished(runner: object, outcome: 'result' | 'exception' | 'cancelled', value: unknown): void;
}

/** The active sink, or null (the usual case). */
export let traceSink: RunnerTraceSink | null = null;

/** Installs (or, with null, removes) the trace sink; returns the previous one. */
export function setTraceSink(sink: RunnerTraceSink | null): RunnerTraceSink | null {
  const previous = traceSink;
  traceSink = sink;
  return previous;
}

/** True while coroutine calls record their call site for stack traces across yields. */
export let callSitesEnabled = environmentVariable('WHIRLWIND_ASYNC_STACKS') === '1';

/** Turns call-site capture on or off; returns the previous setting. */
export function setCallSitesEnabled(enabled: boolean): boolean {
  const previous = callSitesEnabled;
  callSitesEnabled = enabled;
  return previous;
}

const callSites = new WeakMap<object, string>();

/**
 * Records where `runner`'s coroutine was called from: the frame just above
 * `calledFunction` (the coroutine wrapper). Only called while enabled.
 */
export function recordCallSite(runner: object, calledFunction: Function): void {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 1;
  Error.captureStackTrace(holder, calledFunction);
  Error.stackTraceLimit = limit;
  const frame = holder.stack?.split('\n')[1]?.trim().replace(/^at /, '');
  if (frame) callSites.set(runner, frame);
}

/**
 * Appends `at async coroutine NAME (called at SITE)` to an error leaving a
 * coroutine, once per coroutine, so the stack shows the chain of coroutine
 * calls the way V8's `at async` frames do for native async functions.
 */
export function appendCoroutineFrame(runner: object, name: string, error: unknown): void {
  if (!(error instanceof Error) || typeof error.stack !== 'string') return;
  const site = callSites.get(runner);
  if (site === undefined) return;
  const line = `\n    at async coroutine ${name || '<anonymous>'} (called at ${site})`;
  if (error.stack.includes(line)) return;
  try {
    error.stack += line;
  } catch {
    // A frozen error, or a getter-only stack: leave it as it is. Throwing here
    // would escape the runner and leave the coroutine's Future pending forever.
  }
}
