/**
 * The program each `ThreadPoolExecutor` worker thread runs: receive a job,
 * find its function (compile a serialised one, or import a module's
 * export), run it, post back the value or the error. One job at a time;
 * the pool never sends a second before the first is answered.
 *
 * Not part of the public API: the message shapes below are private to
 * lib/concurrent/executor.ts.
 */
import { createRequire } from 'node:module';
import { parentPort } from 'node:worker_threads';

/** A job as the pool posts it. */
export interface JobMessage {
  id: number;
  /** The function's source (from `fn.toString()`), or null for a module export. */
  source: string | null;
  /** A module specifier (file: URL, node: or bare) and the export's name, when `source` is null. */
  module: string | null;
  exportName: string | null;
  args: unknown[];
}

/** An error as it crosses the thread boundary: enough to rebuild it with its class name and stack. */
export interface SerialisedError {
  name: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable properties that survive structured clone (`code`, `errno`, ...). */
  properties: Record<string, unknown>;
}

/** The worker's answer to one job. */
export type ReplyMessage =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: SerialisedError; thrownValue?: undefined }
  | { id: number; ok: false; error?: undefined; thrownValue: unknown };

// Serialised functions get a CommonJS `require` in scope (resolved from this
// file), so a self-contained function can still reach node: modules.
const requireForJobs = createRequire(import.meta.url);
const MAX_COMPILED_FUNCTIONS = 1000;
const compiled = new Map<string, Function>();

function compile(source: string): Function {
  const cached = compiled.get(source);
  if (cached !== undefined) return cached;
  let fn: Function;
  try {
    fn = new Function('require', `"use strict"; return (${source}\n);`)(requireForJobs);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // A method's toString() is shorthand (`hash(pw) { ... }`), not an expression: read it from an object literal.
    const holder = new Function('require', `"use strict"; return ({ ${source}\n});`)(requireForJobs) as Record<
      string,
      Function
    >;
    fn = Object.values(holder)[0];
  }
  if (typeof fn !== 'function') throw new TypeError(`the serialised source is not a function: ${source.slice(0, 80)}`);
  if (compiled.size >= MAX_COMPILED_FUNCTIONS) compiled.clear();
  compiled.set(source, fn);
  return fn;
}

async function load(module: string, exportName: string): Promise<Function> {
  const namespace = (await import(module)) as Record<string, unknown>;
  const fn = namespace[exportName];
  if (typeof fn !== 'function') {
    const available = Object.keys(namespace).join(', ') || 'none';
    throw new TypeError(`${module} has no function export named ${exportName} (exports: ${available})`);
  }
  return fn as Function;
}

function serialiseError(error: Error): SerialisedError {
  const properties: Record<string, unknown> = {};
  for (const key of Object.keys(error)) {
    const value = (error as unknown as Record<string, unknown>)[key];
    try {
      properties[key] = structuredClone(value);
    } catch {
      // Not cloneable (a socket, a function): left behind, the message and stack still go.
    }
  }
  return { name: error.name, message: error.message, stack: error.stack, properties };
}

function replyWithError(id: number, error: unknown): void {
  if (error instanceof Error) {
    parentPort!.postMessage({ id, ok: false, error: serialiseError(error) } satisfies ReplyMessage);
    return;
  }
  try {
    parentPort!.postMessage({ id, ok: false, thrownValue: error } satisfies ReplyMessage);
  } catch {
    replyWithError(id, new Error(`the job threw a value that cannot be sent back: ${String(error)}`));
  }
}

/**
 * A function sent as source text has none of the variables around it: a
 * closure's (`factor is not defined`), an import's, a compiler helper's
 * (tslib's `__awaiter`). The bare ReferenceError reads like a bug in the
 * function itself; the added sentence says why and what to do instead.
 */
function explainSourceText(error: ReferenceError): void {
  const original = error.message;
  const explained =
    `${original} (the function was sent to the worker thread as its source text, so it cannot use variables ` +
    'from around it: closures, imports, this; pass them as arguments, or run a module export with ' +
    'workerFunction(module, exportName))';
  try {
    error.message = explained;
    if (typeof error.stack === 'string') error.stack = error.stack.replace(original, explained);
  } catch {
    // A frozen error keeps its message.
  }
}

async function runJob(job: JobMessage): Promise<void> {
  let value: unknown;
  try {
    const fn = job.source !== null ? compile(job.source) : await load(job.module!, job.exportName!);
    value = await fn(...job.args);
  } catch (error) {
    if (job.source !== null && error instanceof ReferenceError) explainSourceText(error);
    replyWithError(job.id, error);
    return;
  }
  try {
    parentPort!.postMessage({ id: job.id, ok: true, value } satisfies ReplyMessage);
  } catch (error) {
    replyWithError(
      job.id,
      new TypeError(
        `the job's result cannot be sent back by structured clone: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  }
}

parentPort?.on('message', (job: JobMessage) => {
  void runJob(job);
});
