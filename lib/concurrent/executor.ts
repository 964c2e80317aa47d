/**
 * CPU-bound work off the loop: `ThreadPoolExecutor` runs functions on
 * `worker_threads` and hands back Futures; `runOnExecutor` makes a method
 * do so; `IOLoop.runInExecutor(executor, fn, ...args)` is the loop's entry.
 *
 * A worker thread shares no memory with the loop, so what runs there must
 * travel: either a module path and export name (`workerFunction`), which
 * the worker imports, or a self-contained function, which is sent as its
 * source text (`fn.toString()`) and compiled again in the worker. Arguments
 * and results are copied by structured clone.
 */
import type { Worker } from 'node:worker_threads';
import { nodeWorkers, runtimeName } from '#platform';
import type { NodeWorkers } from '../internal/platform-types.js';
import { Future, resolvedFuture } from './future.js';
import { futureWithCancelHook } from '../internal/cancel-hook.js';
import { checkFunction, checkObject, checkOptions, refuse } from '../internal/arguments.js';
import { describeFunction, describeName, describeValue, isRevokedProxy } from '../internal/describe-safely.js';
import { WhirlwindError } from '../internal/errors.js';
import type { JobMessage, ReplyMessage, SerialisedError } from '../internal/executor-worker.js';

const WORKER_FUNCTION = Symbol.for('whirlwind.workerFunction');
/** Node's worker threads, or a clear error where the runtime has none (the executor is Node-only). */
function workerThreads(what: string): NodeWorkers {
  if (nodeWorkers === null) throw new Error(`${what} needs Node.js worker threads; ${runtimeName} has none`);
  return nodeWorkers;
}

const WORKER_SCRIPT = new URL('../internal/executor-worker.js', import.meta.url);

interface ModuleExport {
  module: string;
  exportName: string;
}

/**
 * A worker thread died (it called `process.exit`, an exception escaped the
 * job's own callbacks, it ran out of memory) while running a job: that
 * job's Future fails with this error, and the pool starts a new worker for
 * the jobs after it. `cause` holds the error that killed it, if any.
 *
 * @example
 * ```ts
 * try { yield pool.submit(flakyNativeCall); }
 * catch (e) { if (e instanceof WorkerCrashedError) retryLater(); }
 * ```
 */
export class WorkerCrashedError extends WhirlwindError {}

/**
 * A stand-in for `exportName` of the module at `module`, to pass to
 * `submit`, `runInExecutor` or `runOnExecutor`: the worker imports the
 * module and calls the export. This is the way to run code that imports
 * things or shares helpers; pass a URL (`new URL('./hash.js',
 * import.meta.url)`), a `file:` URL string or an absolute path (bare
 * specifiers resolve from whirlwind's own location). Typed as the export
 * with the type argument; calling the stand-in directly throws.
 *
 * @example
 * ```ts
 * import type { hashPassword } from './passwords.js';
 * const hash = workerFunction<typeof hashPassword>(new URL('./passwords.js', import.meta.url), 'hashPassword');
 * const digest = yield pool.submit(hash, 'hunter2'); // typed as hashPassword's result
 * ```
 */
export function workerFunction<F extends (...args: any[]) => unknown>(module: string | URL, exportName = 'default'): F {
  const specifier = moduleSpecifier(module);
  if (typeof exportName !== 'string' || exportName === '') {
    throw new TypeError(`workerFunction: expected an export name, got ${describeName(exportName)}`);
  }
  const name = `${exportName} from ${specifier}`;
  const standIn = {
    [name]() {
      throw new TypeError(`${name} runs in a worker thread: pass it to an executor's submit(), not call it`);
    },
  }[name];
  Object.defineProperty(standIn, WORKER_FUNCTION, { value: { module: specifier, exportName } satisfies ModuleExport });
  return standIn as unknown as F;
}

function moduleSpecifier(module: string | URL): string {
  if (isRevokedProxy(module)) refuse('workerFunction', 'a module URL or absolute path', module);
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw new TypeError(`workerFunction: expected a module URL or absolute path, got ${describeName(module)}`);
  }
  if (module.startsWith('./') || module.startsWith('../')) {
    throw new TypeError(
      `workerFunction: ${describeName(module)} is relative, and the worker cannot know to what; ` +
        'pass new URL(path, import.meta.url) or an absolute path',
    );
  }
  const { isAbsolute, pathToFileURL } = workerThreads('workerFunction');
  return isAbsolute(module) ? pathToFileURL(module).href : module;
}

/** Anything with Python's `submit(fn, ...args)`: what `IOLoop.runInExecutor` and `runOnExecutor` accept. */
export interface Executor {
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> | PromiseLike<Awaited<R>>;
}

/** Options for {@link ThreadPoolExecutor.shutdown}. */
export interface ShutdownOptions {
  /** Cancel the jobs still waiting for a worker (Python's `cancel_futures`); running ones finish. Default false. */
  cancelFutures?: boolean;
}

interface Job {
  id: number;
  future: Future<any>;
  message: JobMessage;
  description: string;
  slot: WorkerSlot | null;
}

interface WorkerSlot {
  worker: Worker;
  job: Job | null;
  /** The error event that preceded an exit, for the crash report. */
  crash: unknown;
  /** Terminated by us (cancel or shutdown), so its exit fails nothing. */
  stopping: boolean;
}

/**
 * A pool of up to `maxWorkers` worker threads (default: the number of CPUs
 * Node can use) running CPU-bound functions off the IOLoop, as Python's
 * `concurrent.futures.ThreadPoolExecutor`, which Tornado uses with
 * `run_in_executor`. Workers start on demand and are reused; an idle
 * worker does not keep the process alive. Jobs wait FIFO for a worker.
 *
 * What you submit is either `workerFunction(module, exportName)` or a
 * self-contained function. A self-contained function is sent as its source
 * text, so it must not use variables from around it (closures, imports,
 * `this`): everything comes in through its arguments, and `require` is in
 * scope for built-in modules (`require('node:crypto')`). Native and bound
 * functions have no source and are refused; code compiled for an older
 * target may call helpers the worker lacks (tslib's `__awaiter`), so use a
 * `workerFunction` there. Arguments and results are
 * copied by structured clone (no functions, sockets or class instances'
 * methods); an error comes back with its class name, message, stack and
 * cloneable properties such as `code`.
 *
 * Cancelling a job's Future removes it from the queue, or, if it is
 * running, terminates its worker (which is replaced): the one way to stop
 * runaway CPU work. A worker that dies while running a job fails that
 * job's Future with `WorkerCrashedError` and is replaced.
 *
 * @example
 * ```ts
 * const pool = new ThreadPoolExecutor(2);
 * const hashPassword = coroutine(function* (password: string) {
 *   return yield IOLoop.current().runInExecutor(pool, (pw: string, salt: string) =>
 *     require('node:crypto').scryptSync(pw, salt, 32).toString('hex'), password, 'salt');
 * });
 * // at exit
 * yield pool.shutdown();
 * ```
 */
export class ThreadPoolExecutor implements Executor {
  /** The most worker threads the pool runs at once (default: `os.availableParallelism()`). */
  readonly maxWorkers: number;
  private readonly workers: WorkerSlot[] = [];
  private readonly queue = new JobQueue();
  private shuttingDown = false;
  private shutdownFuture: Future<void> | null = null;

  constructor(maxWorkers: number = workerThreads('ThreadPoolExecutor').availableParallelism()) {
    workerThreads('ThreadPoolExecutor');
    if (typeof maxWorkers !== 'number' || !Number.isInteger(maxWorkers) || maxWorkers < 1) {
      throw new RangeError(
        `ThreadPoolExecutor: maxWorkers must be a positive integer, got ${describeValue(maxWorkers)}`,
      );
    }
    this.maxWorkers = maxWorkers;
  }

  /**
   * Runs `fn(...args)` on a worker thread; the Future holds its (awaited)
   * result or error. Throws at once if the pool is shut down or `fn` cannot
   * be sent.
   *
   * @example
   * ```ts
   * const total = yield pool.submit((n: number) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }, 1e8);
   * ```
   */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    if (this.shuttingDown) throw new Error('submit() called on a ThreadPoolExecutor after shutdown()');
    const message = jobMessage(fn, args);
    const job: Job = {
      id: message.id,
      future: futureWithCancelHook(() => this.onCancel(job)),
      message,
      description: describeFunction(fn),
      slot: null,
    };
    this.queue.push(job);
    this.dispatch();
    return job.future;
  }

  /**
   * No more submits; the pool's threads exit once the queued and running
   * jobs are done (Python's `shutdown`). With `wait` (the default) the
   * Future resolves when every worker has exited; without, it is already
   * done and the work finishes in the background. `cancelFutures` cancels
   * the jobs that have not started.
   *
   * @example
   * ```ts
   * yield pool.shutdown();                                // let queued work finish
   * pool.shutdown(false, { cancelFutures: true });       // drop what has not started
   * ```
   */
  shutdown(wait = true, options: ShutdownOptions = {}): Future<void> {
    if (typeof wait !== 'boolean') refuse('shutdown', 'wait as a boolean', wait);
    const { cancelFutures } = checkOptions(options, 'shutdown');
    this.shuttingDown = true;
    if (cancelFutures === true) {
      for (let job = this.queue.shift(); job !== undefined; job = this.queue.shift()) job.future.cancel();
    }
    if (this.shutdownFuture === null) this.shutdownFuture = new Future<void>();
    this.stopIdleWorkers();
    this.resolveShutdownIfIdle();
    if (wait) return this.shutdownFuture;
    return resolvedFuture(undefined);
  }

  toString(): string {
    const busy = this.workers.filter((slot) => slot.job !== null).length;
    return `<ThreadPoolExecutor workers=${this.workers.length}/${this.maxWorkers} busy=${busy} queued=${this.queue.length}${this.shuttingDown ? ' shut down' : ''}>`;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const slot = this.idleWorker() ?? this.startWorker();
      if (slot === null) return;
      const job = this.queue.shift()!;
      if (job.future.done()) continue; // cancelled while queued
      this.run(job, slot);
    }
    if (this.shuttingDown) this.stopIdleWorkers();
  }

  private run(job: Job, slot: WorkerSlot): void {
    try {
      slot.worker.postMessage(job.message);
    } catch (error) {
      // An argument structured clone cannot copy: the job fails, the worker stays idle.
      job.future.setException(error);
      return;
    }
    slot.job = job;
    job.slot = slot;
    slot.worker.ref();
  }

  private idleWorker(): WorkerSlot | null {
    for (const slot of this.workers) if (slot.job === null && !slot.stopping) return slot;
    return null;
  }

  private startWorker(): WorkerSlot | null {
    if (this.workers.filter((slot) => !slot.stopping).length >= this.maxWorkers) return null;
    const slot: WorkerSlot = {
      worker: new (workerThreads('ThreadPoolExecutor').Worker)(WORKER_SCRIPT),
      job: null,
      crash: undefined,
      stopping: false,
    };
    slot.worker.unref();
    slot.worker.on('message', (reply: ReplyMessage) => this.onReply(slot, reply));
    slot.worker.on('error', (error) => {
      slot.crash = error;
    });
    slot.worker.on('exit', (code) => this.onExit(slot, code));
    this.workers.push(slot);
    return slot;
  }

  private onReply(slot: WorkerSlot, reply: ReplyMessage): void {
    const job = slot.job;
    if (job === null || job.id !== reply.id) return; // a reply for a job cancelled meanwhile
    slot.job = null;
    job.slot = null;
    slot.worker.unref();
    if (!job.future.done()) {
      if (reply.ok) job.future.setResult(reply.value);
      else job.future.setException(reply.error !== undefined ? rebuildError(reply.error) : reply.thrownValue);
    }
    this.dispatch();
  }

  private onExit(slot: WorkerSlot, exitCode: number): void {
    this.workers.splice(this.workers.indexOf(slot), 1);
    const job = slot.job;
    slot.job = null;
    if (job !== null && !job.future.done()) {
      const crash = slot.crash;
      const reason = crash instanceof Error ? `: ${crash.name}: ${crash.message}` : '';
      job.future.setException(
        new WorkerCrashedError(`worker thread exited with code ${exitCode} while running ${job.description}${reason}`, {
          cause: crash,
        }),
      );
    }
    this.dispatch();
    this.resolveShutdownIfIdle();
  }

  private onCancel(job: Job): void {
    const slot = job.slot;
    if (slot === null) return; // still queued: dispatch() skips it
    // Running: a thread cannot be interrupted, only terminated; its exit starts a replacement.
    job.slot = null;
    slot.job = null;
    this.stopWorker(slot);
  }

  private stopWorker(slot: WorkerSlot): void {
    if (slot.stopping) return;
    slot.stopping = true;
    void slot.worker.terminate();
  }

  private stopIdleWorkers(): void {
    if (!this.shuttingDown || this.queue.length > 0) return;
    for (const slot of this.workers) if (slot.job === null) this.stopWorker(slot);
  }

  private resolveShutdownIfIdle(): void {
    const pending = this.shutdownFuture;
    if (pending === null || pending.done() || this.workers.length > 0 || this.queue.length > 0) return;
    pending.setResult(undefined);
  }
}

/**
 * FIFO of waiting jobs. Not the Deque of internal/waiters.ts: that module
 * extends Future at load time, and this one is loaded while concurrent.ts
 * is still being evaluated.
 */
class JobQueue {
  private items: (Job | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(job: Job): void {
    this.items.push(job);
  }

  shift(): Job | undefined {
    if (this.head === this.items.length) return undefined;
    const job = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the consumed prefix dominates: amortised O(1) per job.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return job;
  }
}

let lastJobId = 0;

function jobMessage(fn: Function, args: unknown[]): JobMessage {
  checkFunction(fn, 'submit', 'a function or workerFunction(module, exportName)');
  const id = ++lastJobId;
  const exported = (fn as unknown as Record<symbol, ModuleExport | undefined>)[WORKER_FUNCTION];
  if (exported !== undefined) {
    return { id, source: null, module: exported.module, exportName: exported.exportName, args };
  }
  const source = Function.prototype.toString.call(fn);
  if (source.endsWith('{ [native code] }')) {
    throw new TypeError(
      `submit: ${describeFunction(fn)} is a native or bound function and has no source to send to a worker; ` +
        'wrap the call in a self-contained function or use workerFunction(module, exportName)',
    );
  }
  return { id, source, module: null, exportName: null, args };
}

const builtinErrors: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

/** The worker's error on this side: same class for built-ins (else an Error with the same `name`), message, stack and properties. */
function rebuildError(serialised: SerialisedError): Error {
  const ErrorClass = builtinErrors[serialised.name] ?? Error;
  const error = new ErrorClass(serialised.message);
  if (error.name !== serialised.name) {
    Object.defineProperty(error, 'name', { value: serialised.name, configurable: true, writable: true });
  }
  if (serialised.stack !== undefined) error.stack = serialised.stack;
  Object.assign(error, serialised.properties);
  return error;
}

/** Options for {@link runOnExecutor}. */
export interface RunOnExecutorOptions {
  /** The property of `this` holding the executor (default `'executor'`), as Tornado's `executor=` argument. */
  executor?: string | symbol;
}

type Method<This, A extends unknown[], R> = (this: This, ...args: A) => R;

/**
 * A method decorator that runs the method on `this.executor` and returns a
 * Future of its result (Tornado's `run_on_executor`); name another property
 * with `@runOnExecutor({ executor: 'pool' })`. With a `ThreadPoolExecutor`
 * the method's *source* is sent to a worker, so its body follows the rules
 * of a self-contained function: `this` is only used here, to find the
 * executor, and is not available in the worker. A decorator cannot change
 * a method's declared type, so TypeScript still sees the method's own
 * return type: `yield` or `await` the call, both of which take a Future
 * and a plain value alike.
 *
 * @example
 * ```ts
 * class PasswordService {
 *   executor = new ThreadPoolExecutor(2);
 *   @runOnExecutor
 *   hash(password: string, salt: string): string {
 *     return require('node:crypto').scryptSync(password, salt, 32).toString('hex');
 *   }
 * }
 * const digest = yield new PasswordService().hash('hunter2', 'salt'); // a Future<string> at runtime
 * ```
 */
export function runOnExecutor<This, A extends unknown[], R>(
  method: Method<This, A, R>,
  context: ClassMethodDecoratorContext<This, Method<This, A, R>>,
): Method<This, A, R>;
export function runOnExecutor(
  options: RunOnExecutorOptions,
): <This, A extends unknown[], R>(
  method: Method<This, A, R>,
  context: ClassMethodDecoratorContext<This, Method<This, A, R>>,
) => Method<This, A, R>;
export function runOnExecutor(target: object, key: string | symbol, descriptor: PropertyDescriptor): PropertyDescriptor;
export function runOnExecutor(first: any, second?: any, descriptor?: PropertyDescriptor): any {
  if (descriptor !== undefined) checkObject(descriptor, 'runOnExecutor', 'a property descriptor as the third argument');
  if (descriptor !== undefined && typeof descriptor.value === 'function') {
    return { ...descriptor, value: onExecutor(descriptor.value, 'executor') }; // legacy (experimentalDecorators) form
  }
  if (isRevokedProxy(first)) refuse('runOnExecutor', 'a method or { executor }', first);
  if (typeof first === 'function') return onExecutor(first, 'executor');
  if (first !== null && typeof first === 'object' && second === undefined) {
    const property = (first as RunOnExecutorOptions).executor ?? 'executor';
    return (method: Function, _context?: unknown, legacyDescriptor?: PropertyDescriptor) =>
      legacyDescriptor !== undefined
        ? { ...legacyDescriptor, value: onExecutor(legacyDescriptor.value, property) }
        : onExecutor(method, property);
  }
  throw new TypeError(`runOnExecutor: expected a method or { executor }, got ${describeValue(first)}`);
}

function onExecutor(method: Function, property: string | symbol): Function {
  const wrapper = function (
    this: Record<string | symbol, unknown>,
    ...args: unknown[]
  ): Future<unknown> | PromiseLike<unknown> {
    const executor = this?.[property] as Executor | undefined;
    if (executor === null || typeof executor !== 'object' || typeof executor.submit !== 'function') {
      throw new TypeError(
        `runOnExecutor: ${describeFunction(method)} needs this.${String(property)} to be an executor with submit(), got ${describeValue(executor)}`,
      );
    }
    return executor.submit(method as (...a: unknown[]) => unknown, ...args);
  };
  Object.defineProperty(wrapper, 'name', { value: method.name, configurable: true });
  return wrapper;
}
