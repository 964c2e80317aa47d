/**
 * Random coroutine programs for differential testing, and the two
 * interpreters that run one program two ways: as `gen.coroutine` generators
 * on a whirlwind IOLoop, and as native `async` functions on plain promises.
 *
 * A program is a list of coroutine bodies (`coroutines[0]` is main; body `i`
 * may only call bodies `j > i`, so every program terminates). The two
 * interpreters are line-by-line transliterations of each other (`yield` ↔
 * `await`, `throw new Return(v)` ↔ a marker the async wrapper turns into a
 * return value), and both use real JS `try`/`catch`/`finally`, so the only
 * thing under test is how the runner drives the generator.
 *
 * Where whirlwind deliberately differs from native async/await, the oracle
 * says so explicitly:
 * - **Synchronous fast path.** A done Future is consumed without giving up
 *   control, so timing across coroutines differs from native `await`, which
 *   always takes a microtask. Logs are therefore compared *per coroutine
 *   instance* (each instance's own effects, in order), never interleaved; and
 *   a program whose every source is already done when yielded
 *   ({@link isSynchronous}) must have finished *before the call returns* in
 *   whirlwind, which native code can never do.
 * - **multi** waits for every child and raises the first failure *in input
 *   order* (Tornado), so its native equivalent is `Promise.allSettled` plus a
 *   scan, not `Promise.all` (first failure in time order). Each failure after
 *   the first must be logged once ("Multiple exceptions in yield list"),
 *   except a cancellation.
 * - **moment / null** resumes with `undefined` after one iteration; the native
 *   equivalent is `await undefined`.
 * - **Cancellation** is asyncio's `Task.cancel()`, which native promises do
 *   not have. The native side models it with a token: the cancel target (and
 *   the coroutines it awaits directly) park at a *gate*; cancelling rejects
 *   the gate's promise with `CancelledError`, which then travels up through
 *   ordinary `await`s. Like asyncio, cancellation is delivered once: a
 *   coroutine that catches it may go on awaiting, and a coroutine whose
 *   awaited child swallowed it resumes with the child's result.
 * - **withTimeout** never cancels its child; an expiring one is generated
 *   only around a future that never settles (so no race), or around one that
 *   is already done (which wins, even with a timeout of 0).
 * - **Locks and queues**: a Queue get or Event wait satisfied after some
 *   iterations is, natively, a promise resolved that much later; a critical
 *   section on the run's shared Lock is, natively, one on a FIFO promise
 *   mutex. Gates may park on a Queue, Condition, Semaphore, Lock or Event
 *   that nothing satisfies; after the run each is probed, so a cancelled
 *   waiter that swallows the next item, notify or release is caught.
 *
 * Whatever the oracle says, every whirlwind run must also satisfy
 * {@link invariantProblems}; `cancellationProblems` checks those alone for a
 * run whose main coroutine is cancelled at an arbitrary loop iteration.
 */
import fc from 'fast-check';
import { CancelledError, Future } from '../../lib/concurrent.js';
import { IOLoop } from '../../lib/ioloop.js';
import { coroutine, moment, multi, Return, take, withTimeout } from '../../lib/gen.js';
import { Condition, Event, Lock, Semaphore, type Releaser } from '../../lib/locks.js';
import { appLog, type LogRecord } from '../../lib/log.js';
import { Queue } from '../../lib/queues.js';

// ---------------------------------------------------------------------------
// The program model

/** Something a coroutine waits on. `hops` counts loop iterations / microtasks. */
export type Source =
  | { kind: 'done'; value: number }
  | { kind: 'failed'; tag: number }
  | { kind: 'later'; value: number; hops: number }
  | { kind: 'laterFail'; tag: number; hops: number }
  | { kind: 'promise'; value: number; hops: number }
  | { kind: 'promiseFail'; tag: number }
  | { kind: 'moment'; spelling: 'moment' | 'null' | 'undefined' }
  | { kind: 'cancelled' }
  | { kind: 'cancelLater'; hops: number }
  | { kind: 'call'; target: number }
  /** `queue.get()` on a fresh Queue that gets `value` put after `hops` iterations. */
  | { kind: 'queued'; value: number; hops: number }
  /** `event.wait()` on a fresh Event set after `hops` iterations. */
  | { kind: 'event'; hops: number }
  /** `queue.get({ seconds: 0 })` on a queue that stays empty: TimeoutError. */
  | { kind: 'queueTimeout' }
  /** Never settles; only ever wrapped in an expiring withTimeout. */
  | { kind: 'never' };

/** One statement; `id` is unique within its coroutine body (set by {@link normalizeProgram}). */
export type Stmt = { id?: number } & (
  | { kind: 'log'; tag: number }
  /** `delegate`: spelled `yield* take(x)` (the typed form) instead of `yield x`. */
  | { kind: 'await'; source: Source; delegate?: boolean }
  | { kind: 'multi'; items: Source[]; form: 'array' | 'object' | 'multi' }
  | { kind: 'withTimeout'; source: Source; expire: boolean }
  | { kind: 'try'; body: Stmt[]; handler: Stmt[] | null; rethrow: boolean; finalizer: Stmt[] | null }
  | { kind: 'throw'; tag: number }
  | { kind: 'return'; value: number }
  | { kind: 'returnObject'; value: number }
  | { kind: 'gate'; on?: GateKind }
  | { kind: 'cancelCall'; target: number }
  /**
   * `body` runs holding the run's shared Lock (released in a finally); it
   * makes no calls and has no gates, so a holder always gets to release.
   */
  | { kind: 'critical'; body: Stmt[] }
);

/**
 * What a parked coroutine waits on at a gate, on the whirlwind side: a bare
 * Future, or a wait on one of the run's shared locks and queues that nothing
 * ever satisfies. After the run, each shared object is probed: a cancelled
 * waiter must not swallow the next item, notify or release.
 */
export type GateKind = 'future' | 'queue' | 'condition' | 'semaphore' | 'lock' | 'event';

export interface Program {
  coroutines: Stmt[][];
}

/** The error every failing source and `throw` statement raises. */
export class ProgramError extends Error {
  constructor(readonly tag: number) {
    super(`E${tag}`);
    this.name = 'ProgramError';
  }
}

/** Native stand-in for `throw new Return(v)`: the async wrapper turns it into `return v`. */
class NativeReturn {
  constructor(readonly value: unknown) {}
}

const SYNC_DONE_KINDS = new Set(['done', 'failed', 'cancelled']);

/**
 * Makes a generated program well formed: statement ids, call targets that
 * only point forward (or become `done` sources in the last body), expiring
 * timeouts only around `never` or already-done sources, every `try` with a
 * handler or a finalizer.
 */
export function normalizeProgram(program: Program): Program {
  const count = program.coroutines.length;
  const coroutines = program.coroutines.map((body, index) => {
    let nextId = 0;
    const fixTarget = (target: number): number | null =>
      index >= count - 1 ? null : index + 1 + (Math.abs(target) % (count - index - 1));
    const fixSource = (source: Source, critical: boolean): Source => {
      if (source.kind !== 'call') return source;
      if (critical) return { kind: 'done', value: source.target };
      const target = fixTarget(source.target);
      return target === null ? { kind: 'done', value: source.target } : { kind: 'call', target };
    };
    const fixBlock = (block: Stmt[], critical = false): Stmt[] =>
      block.map((stmt): Stmt => {
        const id = nextId++;
        switch (stmt.kind) {
          case 'await':
            return { id, kind: 'await', source: fixSource(stmt.source, critical), delegate: stmt.delegate };
          case 'multi':
            return { id, kind: 'multi', form: stmt.form, items: stmt.items.map((item) => fixSource(item, critical)) };
          case 'withTimeout': {
            const source = fixSource(stmt.source, critical);
            const expiringSource = SYNC_DONE_KINDS.has(source.kind) ? source : ({ kind: 'never' } as const);
            return { id, kind: 'withTimeout', expire: stmt.expire, source: stmt.expire ? expiringSource : source };
          }
          case 'try': {
            const body = fixBlock(stmt.body, critical);
            const handler = stmt.handler === null ? null : fixBlock(stmt.handler, critical);
            const finalizer = stmt.finalizer === null ? null : fixBlock(stmt.finalizer, critical);
            return {
              id,
              kind: 'try',
              body,
              handler: handler ?? (finalizer === null ? [] : null),
              rethrow: stmt.rethrow,
              finalizer,
            };
          }
          case 'cancelCall': {
            const target = critical ? null : fixTarget(stmt.target);
            return target === null ? { id, kind: 'log', tag: stmt.target } : { id, kind: 'cancelCall', target };
          }
          case 'gate':
            return critical ? { id, kind: 'log', tag: -2 } : { ...stmt, id };
          case 'critical':
            // The Lock is not reentrant: a nested section would wait for itself (in both worlds). Make it a plain block.
            return critical
              ? { id, kind: 'try', body: fixBlock(stmt.body, true), handler: null, rethrow: false, finalizer: [] }
              : { id, kind: 'critical', body: fixBlock(stmt.body, true) };
          default:
            return { ...stmt, id };
        }
      });
    return fixBlock(body);
  });
  return withSourceText({ coroutines });
}

/** True if every source the program can reach is already done when yielded: whirlwind must then finish it synchronously. */
export function isSynchronous(program: Program): boolean {
  const sourceIsSync = (source: Source): boolean =>
    SYNC_DONE_KINDS.has(source.kind) ||
    ((source.kind === 'queued' || source.kind === 'event') && source.hops === 0) ||
    (source.kind === 'call' && bodyIsSync(program.coroutines[source.target]));
  const bodyIsSync = (block: Stmt[]): boolean =>
    block.every((stmt) => {
      switch (stmt.kind) {
        case 'await':
        case 'withTimeout':
          return sourceIsSync(stmt.source);
        case 'multi':
          return stmt.items.every(sourceIsSync);
        case 'try':
          return bodyIsSync(stmt.body) && bodyIsSync(stmt.handler ?? []) && bodyIsSync(stmt.finalizer ?? []);
        case 'critical':
          // Sequential code never contends: each holder releases before the next asks.
          return bodyIsSync(stmt.body);
        case 'cancelCall':
          return false;
        default:
          return true;
      }
    });
  return bodyIsSync(program.coroutines[0]);
}

// ---------------------------------------------------------------------------
// Rendering: counterexamples print as readable pseudo-code

function renderSource(s: Source): string {
  switch (s.kind) {
    case 'done':
      return `done(${s.value})`;
    case 'failed':
      return `failed(E${s.tag})`;
    case 'later':
      return `later(${s.value}, ${s.hops})`;
    case 'laterFail':
      return `laterFail(E${s.tag}, ${s.hops})`;
    case 'promise':
      return `promise(${s.value}, ${s.hops})`;
    case 'promiseFail':
      return `promiseFail(E${s.tag})`;
    case 'moment':
      return s.spelling;
    case 'cancelled':
      return 'cancelled()';
    case 'cancelLater':
      return `cancelLater(${s.hops})`;
    case 'call':
      return `c${s.target}()`;
    case 'never':
      return 'never()';
    case 'queued':
      return `queued(${s.value}, ${s.hops})`;
    case 'event':
      return `event(${s.hops})`;
    case 'queueTimeout':
      return 'queueTimeout()';
  }
}

function renderBlock(block: Stmt[], indent: string): string[] {
  const lines: string[] = [];
  for (const s of block) {
    const at = `${indent}#${s.id ?? '?'} `;
    switch (s.kind) {
      case 'log':
        lines.push(`${at}log ${s.tag}`);
        break;
      case 'await':
        lines.push(
          `${at}yield${s.delegate === true ? '* take(' : ' '}${renderSource(s.source)}${s.delegate === true ? ')' : ''}`,
        );
        break;
      case 'multi':
        lines.push(`${at}yield ${s.form}[${s.items.map(renderSource).join(', ')}]`);
        break;
      case 'withTimeout':
        lines.push(`${at}yield withTimeout(${s.expire ? 0 : 3600}, ${renderSource(s.source)})`);
        break;
      case 'try':
        lines.push(`${at}try {`, ...renderBlock(s.body, indent + '  '));
        if (s.handler !== null)
          lines.push(
            `${indent}} catch {`,
            ...renderBlock(s.handler, indent + '  '),
            ...(s.rethrow ? [`${indent}  rethrow`] : []),
          );
        if (s.finalizer !== null) lines.push(`${indent}} finally {`, ...renderBlock(s.finalizer, indent + '  '));
        lines.push(`${indent}}`);
        break;
      case 'throw':
        lines.push(`${at}throw E${s.tag}`);
        break;
      case 'return':
        lines.push(`${at}return ${s.value}`);
        break;
      case 'returnObject':
        lines.push(`${at}throw new Return(${s.value})`);
        break;
      case 'gate':
        lines.push(`${at}gate${s.on === undefined || s.on === 'future' ? '' : ` on ${s.on}`}`);
        break;
      case 'cancelCall':
        lines.push(`${at}start c${s.target}(), cancel it at its gate, yield it`);
        break;
      case 'critical':
        lines.push(`${at}with lock {`, ...renderBlock(s.body, indent + '  '), `${indent}}`);
        break;
    }
  }
  return lines;
}

/** Pseudo-code of a program, for failure messages. */
export function renderProgram(program: Program): string {
  return program.coroutines.map((body, i) => [`c${i}:`, ...renderBlock(body, '  ')].join('\n')).join('\n');
}

function withSourceText(program: Program): Program {
  Object.defineProperty(program, fc.toStringMethod, {
    value: () => `${JSON.stringify(program)}\n/*\n${renderProgram(program)}\n*/`,
    enumerable: false,
  });
  return program;
}

// ---------------------------------------------------------------------------
// Generation

const tagArb = fc.integer({ min: 0, max: 9 });
const hopsArb = fc.integer({ min: 1, max: 3 });
const targetArb = fc.integer({ min: 0, max: 5 });

const sourceArb: fc.Arbitrary<Source> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('done' as const), value: tagArb }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('failed' as const), tag: tagArb }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('later' as const), value: tagArb, hops: hopsArb }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('laterFail' as const), tag: tagArb, hops: hopsArb }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('promise' as const),
      value: tagArb,
      hops: fc.integer({ min: 0, max: 2 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant('promiseFail' as const), tag: tagArb }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('moment' as const),
      spelling: fc.constantFrom('moment' as const, 'null' as const, 'undefined' as const),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('cancelled' as const) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('cancelLater' as const), hops: hopsArb }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('call' as const), target: targetArb }), weight: 10 },
  {
    arbitrary: fc.record({ kind: fc.constant('queued' as const), value: tagArb, hops: fc.integer({ min: 0, max: 3 }) }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('event' as const), hops: fc.integer({ min: 0, max: 3 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('queueTimeout' as const) }), weight: 1 },
);

const gateKindArb = fc.constantFrom<GateKind>('future', 'queue', 'condition', 'semaphore', 'lock', 'event');

function blockArb(depth: number): fc.Arbitrary<Stmt[]> {
  const leaves: Array<fc.WeightedArbitrary<Stmt>> = [
    { arbitrary: fc.record({ kind: fc.constant('log' as const), tag: tagArb }), weight: 2 },
    {
      arbitrary: fc.record({ kind: fc.constant('await' as const), source: sourceArb, delegate: fc.boolean() }),
      weight: 10,
    },
    {
      arbitrary: fc.record({
        kind: fc.constant('multi' as const),
        items: fc.array(sourceArb, { maxLength: 3, size: 'max' }),
        form: fc.constantFrom('array' as const, 'object' as const, 'multi' as const),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('withTimeout' as const), source: sourceArb, expire: fc.boolean() }),
      weight: 2,
    },
    { arbitrary: fc.record({ kind: fc.constant('throw' as const), tag: tagArb }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('return' as const), value: tagArb }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('returnObject' as const), value: tagArb }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('gate' as const), on: gateKindArb }), weight: 3 },
    { arbitrary: fc.record({ kind: fc.constant('cancelCall' as const), target: targetArb }), weight: 3 },
  ];
  if (depth > 0) {
    const inner = blockArb(depth - 1);
    leaves.push({ arbitrary: fc.record({ kind: fc.constant('critical' as const), body: inner }), weight: 2 });
    leaves.push({
      arbitrary: fc.record({
        kind: fc.constant('try' as const),
        body: inner,
        handler: fc.option(inner, { nil: null }),
        rethrow: fc.boolean(),
        finalizer: fc.option(inner, { nil: null }),
      }),
      weight: 3,
    });
  }
  return fc.array(fc.oneof(...leaves), { maxLength: depth > 1 ? 8 : 4, size: 'max' });
}

/** Random well-formed programs of 2–6 coroutine bodies. */
export const programArb: fc.Arbitrary<Program> = fc
  .array(blockArb(2), { minLength: 2, maxLength: 6, size: 'max' })
  .map((coroutines) => normalizeProgram({ coroutines }));

// ---------------------------------------------------------------------------
// Shared bookkeeping

type Completion = { value: unknown } | null;

/** One line per value or error, identical across the two worlds. */
export function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(show).join(',')}]`;
  if (value instanceof ProgramError) return `E${value.tag}`;
  if (value instanceof Return || value instanceof NativeReturn) return `Return(${show(value.value)})`;
  if (value instanceof Error) {
    if (value.name === 'CancelledError') return 'Cancelled';
    if (value.name === 'TimeoutError') return 'Timeout';
    return `Unexpected ${value.name}: ${value.message}`;
  }
  if (typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .map((k) => `${k}:${show(record[k])}`)
      .join(',')}}`;
  }
  return String(value);
}

/** What one run of a program did. */
export interface Run {
  /** `ok <value>` or `error <error>`. */
  outcome: string;
  /** Each coroutine instance's own effects, in order; instance ids are call paths, equal in both worlds. */
  logs: Record<string, string[]>;
  /** How many "Multiple exceptions in yield list" lines the run must log. */
  extraMultiFailures: number;
}

class Recorder {
  readonly logs: Record<string, string[]> = {};
  extraMultiFailures = 0;
  log(instance: string, entry: string): void {
    (this.logs[instance] ??= []).push(entry);
  }
}

function childId(parent: string, stmt: Stmt, item?: number): string {
  return item === undefined ? `${parent}>${stmt.id}` : `${parent}>${stmt.id}.${item}`;
}

// ---------------------------------------------------------------------------
// The whirlwind interpreter

/** Cancellation rendezvous on the whirlwind side: `reached` is set when the first gate on the chain is hit. */
class GenToken {
  fired = false;
  readonly reached = new Future<void>();
}

/** What the whirlwind run adds to {@link Run}: facts only the runner side can have. */
export interface GenRun extends Run {
  /** The main Future was done when the call returned. */
  finishedSynchronously: boolean;
  /** Futures the program created or called (sources and coroutines), each with how many times its done callback ran. */
  settlement: Array<{ future: Future<unknown>; what: string; callbacks: number }>;
  records: LogRecord[];
  /** The loop's state right after the run (before the probe and close). */
  loopAfterRun: string;
  /** What the shared locks and queues did when probed after the run (see {@link GateKind}); empty when all is well. */
  probeFailures: string[];
}

/** The locks and queues the run's gates wait on; nothing satisfies them until the probe. */
class SharedWaits {
  readonly queue = new Queue<string>();
  readonly condition = new Condition();
  readonly semaphore = new Semaphore(0);
  readonly lock = new Lock();
  readonly event = new Event();
  /** The lock `critical` statements take (gates never wait on it); `holders` counts who is inside. */
  readonly criticalLock = new Lock();
  holders = 0;
  exclusionViolations = 0;
  private readonly held: Future<Releaser>;

  constructor() {
    this.held = this.lock.acquire();
  }

  wait(kind: GateKind): Future<unknown> {
    switch (kind) {
      case 'future':
        return new Future<void>();
      case 'queue':
        return this.queue.get();
      case 'condition':
        return this.condition.wait();
      case 'semaphore':
        return this.semaphore.acquire();
      case 'lock':
        return this.lock.acquire();
      case 'event':
        return this.event.wait();
    }
  }

  /** Every gate was cancelled: the next item, notify, release or set must reach a new waiter at once. */
  probe(): string[] {
    const failures: string[] = [];
    const check = (what: string, ok: () => boolean) => {
      try {
        if (!ok()) failures.push(`${what}: a cancelled waiter took it`);
      } catch (error) {
        failures.push(`${what}: threw ${show(error)}`);
      }
    };
    check('Queue.putNowait then getNowait', () => {
      this.queue.putNowait('probe');
      return this.queue.getNowait() === 'probe';
    });
    check('Condition.notify', () => {
      const waiter = this.condition.wait();
      this.condition.notify(1);
      return waiter.done() && waiter.result() === true;
    });
    check('Semaphore.release', () => {
      this.semaphore.release();
      return this.semaphore.acquire().done();
    });
    check('Lock release', () => {
      this.held.result().release();
      return this.lock.acquire().done();
    });
    check('Event.set', () => {
      this.event.set();
      return this.event.wait().done();
    });
    check(
      'the critical-section Lock, free after the run',
      () => this.holders === 0 && this.criticalLock.acquire().done(),
    );
    if (this.exclusionViolations > 0)
      failures.push(`two coroutines held the Lock at once ${this.exclusionViolations} times`);
    return failures;
  }
}

class GenWorld extends Recorder {
  readonly settlement: GenRun['settlement'] = [];
  readonly shared = new SharedWaits();
  readonly instance: (index: number, id: string, token: GenToken | null) => Future<unknown>;

  constructor(readonly program: Program) {
    super();
    const world = this;
    this.instance = coroutine(function* programCoroutine(index: number, id: string, token: GenToken | null) {
      world.log(id, 'start');
      const completion = yield* world.block(program.coroutines[index], id, token);
      return completion === null ? undefined : completion.value;
    }) as (index: number, id: string, token: GenToken | null) => Future<unknown>;
  }

  track<T>(future: Future<T>, what: string): Future<T> {
    const entry = { future: future as Future<unknown>, what, callbacks: 0 };
    this.settlement.push(entry);
    future.addDoneCallback(() => entry.callbacks++);
    return future;
  }

  /** The yieldable for a source; `token` goes only to coroutines awaited directly. */
  source(source: Source, id: string, token: GenToken | null): unknown {
    const loop = IOLoop.current();
    const after = (hops: number, settle: () => void) => {
      const step = (left: number) => (left <= 1 ? settle() : loop.addCallback(step, left - 1));
      loop.addCallback(step, hops);
    };
    switch (source.kind) {
      case 'done': {
        const f = this.track(new Future<number>(), id);
        f.setResult(source.value);
        return f;
      }
      case 'failed': {
        const f = this.track(new Future<number>(), id);
        f.setException(new ProgramError(source.tag));
        return f;
      }
      case 'later': {
        const f = this.track(new Future<number>(), id);
        // Unless cancelled meanwhile (by the cancellation of a coroutine waiting on it), as real producers do.
        after(source.hops, () => f.done() || f.setResult(source.value));
        return f;
      }
      case 'laterFail': {
        const f = this.track(new Future<number>(), id);
        after(source.hops, () => f.done() || f.setException(new ProgramError(source.tag)));
        return f;
      }
      case 'promise':
        return delayedPromise(source.hops, source.value);
      case 'promiseFail':
        return Promise.reject(new ProgramError(source.tag));
      case 'moment':
        return source.spelling === 'moment' ? moment : source.spelling === 'null' ? null : undefined;
      case 'cancelled': {
        const f = this.track(new Future<number>(), id);
        f.cancel();
        return f;
      }
      case 'cancelLater': {
        const f = this.track(new Future<number>(), id);
        after(source.hops, () => f.done() || f.cancel());
        return f;
      }
      case 'call':
        return this.track(this.instance(source.target, id, token), `coroutine ${id}`);
      case 'never':
        return new Future<number>();
      case 'queued': {
        const queue = new Queue<number>();
        if (source.hops === 0) queue.putNowait(source.value);
        else after(source.hops, () => queue.putNowait(source.value));
        return this.track(queue.get(), id);
      }
      case 'event': {
        const event = new Event();
        if (source.hops === 0) event.set();
        else after(source.hops, () => event.set());
        return this.track(event.wait(), id);
      }
      case 'queueTimeout':
        return this.track(new Queue<number>().get({ seconds: 0 }), id);
    }
  }

  *block(block: Stmt[], id: string, token: GenToken | null): Generator<unknown, Completion, unknown> {
    for (const stmt of block) {
      switch (stmt.kind) {
        case 'log':
          this.log(id, `log ${stmt.tag}`);
          break;
        case 'await': {
          const yieldable = this.source(stmt.source, childId(id, stmt), token);
          const value = stmt.delegate === true ? yield* take(yieldable as object | null | undefined) : yield yieldable;
          this.log(id, `got ${show(value)}`);
          break;
        }
        case 'multi': {
          const items = stmt.items.map((s, i) => this.source(s, childId(id, stmt, i), null));
          let value: unknown;
          if (stmt.form === 'object') value = yield Object.fromEntries(items.map((item, i) => [`k${i}`, item]));
          else if (stmt.form === 'multi') value = yield multi(items);
          else value = yield items;
          this.log(id, `got ${show(value)}`);
          break;
        }
        case 'withTimeout': {
          const wrapped = this.source(stmt.source, childId(id, stmt), null);
          const value = yield withTimeout(stmt.expire ? { seconds: 0 } : { seconds: 3600 }, wrapped as Future<unknown>);
          this.log(id, `got ${show(value)}`);
          break;
        }
        case 'try':
          this.log(id, `try ${stmt.id}`);
          try {
            const completion = yield* this.block(stmt.body, id, token);
            if (completion !== null) return completion;
          } catch (error) {
            if (stmt.handler === null) throw error;
            this.log(id, `catch ${show(error)}`);
            const completion = yield* this.block(stmt.handler, id, token);
            if (completion !== null) return completion;
            if (stmt.rethrow) throw error;
          } finally {
            if (stmt.finalizer !== null) {
              this.log(id, `finally ${stmt.id}`);
              const completion = yield* this.block(stmt.finalizer, id, token);
              // eslint-disable-next-line no-unsafe-finally -- a return in finally overrides, in both worlds
              if (completion !== null) return completion;
            }
          }
          break;
        case 'throw':
          this.log(id, `throw E${stmt.tag}`);
          throw new ProgramError(stmt.tag);
        case 'return':
          this.log(id, `return ${stmt.value}`);
          return { value: stmt.value };
        case 'returnObject':
          this.log(id, `Return ${stmt.value}`);
          throw new Return(stmt.value);
        case 'gate':
          if (token === null || token.fired) {
            this.log(id, 'gate skipped');
            break;
          }
          token.fired = true;
          this.log(id, 'gate');
          token.reached.setResult(undefined);
          yield this.track(this.shared.wait(stmt.on ?? 'future'), `gate ${id}`);
          this.log(id, 'gate opened'); // unreachable: only cancellation settles a gate
          break;
        case 'critical': {
          const releaser = (yield this.shared.criticalLock.acquire()) as Releaser;
          if (++this.shared.holders > 1) this.shared.exclusionViolations++;
          this.log(id, 'locked');
          try {
            const completion = yield* this.block(stmt.body, id, null);
            if (completion !== null) return completion;
          } finally {
            this.shared.holders--;
            this.log(id, 'unlocked');
            releaser.release();
          }
          break;
        }
        case 'cancelCall': {
          const childToken = new GenToken();
          const child = this.track(
            this.instance(stmt.target, childId(id, stmt), childToken),
            `coroutine ${childId(id, stmt)}`,
          );
          yield firstDone(childToken.reached, child);
          this.log(id, `cancel ${child.cancel()}`);
          const value = yield child;
          this.log(id, `got ${show(value)}`);
          break;
        }
      }
    }
    return null;
  }
}

function firstDone(a: Future<unknown>, b: Future<unknown>): Future<void> {
  const either = new Future<void>();
  if (a.done() || b.done()) {
    either.setResult(undefined);
    return either;
  }
  const settle = () => {
    if (!either.done()) either.setResult(undefined);
  };
  a.addDoneCallback(settle);
  b.addDoneCallback(settle);
  return either;
}

function delayedPromise<T>(hops: number, value: T): Promise<T> {
  let promise = Promise.resolve(value);
  for (let i = 0; i < hops; i++) promise = promise.then((v) => v);
  return promise;
}

function outcomeOf(future: Future<unknown>): string {
  if (!future.done()) return 'never finished';
  if (future.cancelled()) return `error ${show(future.cancellationError())}`;
  const error = future.exception();
  return error !== null ? `error ${show(error)}` : `ok ${show(future.result())}`;
}

/** Until the loop has nothing ready and no timers (or gives up after many turns). */
async function quiesce(loop: IOLoop): Promise<void> {
  for (let turn = 0; turn < 100; turn++) {
    if (/ ready=0 timers=0/.test(loop.toString())) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * A cancellation at an arbitrary point: after `iterations` loop iterations,
 * cancel the `ordinal`-th coroutine started so far (modulo how many; 0 is main).
 */
export interface RandomCancel {
  ordinal: number;
  iterations: number;
}

/** Runs `program` as whirlwind coroutines on a fresh IOLoop, capturing appLog; `cancels` cancel coroutines on the way. */
export async function runWithWhirlwind(program: Program, options: { cancels?: RandomCancel[] } = {}): Promise<GenRun> {
  const loop = new IOLoop();
  loop.makeCurrent();
  const records: LogRecord[] = [];
  const restore = appLog.replaceHandlers([(record) => records.push(record)]);
  try {
    const world = new GenWorld(program);
    const main = world.track(world.instance(0, 'main', null), 'coroutine main');
    const finishedSynchronously = main.done();
    for (const { ordinal, iterations } of options.cancels ?? []) {
      const cancelOne = () => {
        const started = world.settlement.filter((entry) => entry.what.startsWith('coroutine '));
        started[ordinal % started.length].future.cancel();
      };
      const cancelAfter = (left: number) => (left <= 0 ? cancelOne() : loop.addCallback(cancelAfter, left - 1));
      cancelAfter(iterations);
    }
    // A hang is a finding, not a stuck test: give up after many turns of Node's loop.
    for (let turn = 0; turn < 1000 && !main.done(); turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    await quiesce(loop);
    const loopAfterRun = loop.toString();
    return {
      outcome: outcomeOf(main),
      logs: world.logs,
      extraMultiFailures: world.extraMultiFailures,
      finishedSynchronously,
      settlement: world.settlement,
      records,
      loopAfterRun,
      probeFailures: world.shared.probe(),
    };
  } finally {
    restore();
    loop.close();
  }
}

// ---------------------------------------------------------------------------
// The native interpreter (the oracle)

class NativeToken {
  fired = false;
  cancelGate: (() => void) | null = null;
  private markReached!: () => void;
  readonly reached = new Promise<void>((resolve) => (this.markReached = resolve));
  reach(): void {
    this.markReached();
  }
}

/** A FIFO mutex on plain promises: the native twin of the run's shared Lock. */
class NativeMutex {
  private tail: Promise<void> = Promise.resolve();
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const previous = this.tail;
    this.tail = previous.then(() => mine);
    await previous;
    return release;
  }
}

class NativeWorld extends Recorder {
  readonly mutex = new NativeMutex();
  constructor(readonly program: Program) {
    super();
  }

  async instance(index: number, id: string, token: NativeToken | null): Promise<unknown> {
    this.log(id, 'start');
    try {
      const completion = await this.block(this.program.coroutines[index], id, token);
      return completion === null ? undefined : completion.value;
    } catch (error) {
      if (error instanceof NativeReturn) return error.value;
      throw error;
    }
  }

  source(source: Source, id: string, token: NativeToken | null): Promise<unknown> {
    switch (source.kind) {
      case 'done':
        return Promise.resolve(source.value);
      case 'failed':
        return Promise.reject(new ProgramError(source.tag));
      case 'later':
        return delayedPromise(source.hops, source.value);
      case 'laterFail':
        return delayedPromise(source.hops, null).then(() => Promise.reject(new ProgramError(source.tag)));
      case 'promise':
        return delayedPromise(source.hops, source.value);
      case 'promiseFail':
        return Promise.reject(new ProgramError(source.tag));
      case 'moment':
        return Promise.resolve(undefined);
      case 'cancelled':
        return Promise.reject(new CancelledError());
      case 'cancelLater':
        return delayedPromise(source.hops, null).then(() => Promise.reject(new CancelledError()));
      case 'call':
        return this.instance(source.target, id, token);
      case 'never':
        throw new Error('a never-settling source is only valid inside an expiring withTimeout');
      case 'queued':
        return delayedPromise(source.hops, source.value);
      case 'event':
        return delayedPromise(source.hops, undefined);
      case 'queueTimeout':
        return Promise.reject(Object.assign(new Error('Timeout'), { name: 'TimeoutError' }));
    }
  }

  async block(block: Stmt[], id: string, token: NativeToken | null): Promise<Completion> {
    for (const stmt of block) {
      switch (stmt.kind) {
        case 'log':
          this.log(id, `log ${stmt.tag}`);
          break;
        case 'await': {
          const value = await this.source(stmt.source, childId(id, stmt), token);
          this.log(id, `got ${show(value)}`);
          break;
        }
        case 'multi': {
          const items = stmt.items.map((s, i) => this.source(s, childId(id, stmt, i), null));
          const settled = await Promise.allSettled(items);
          const failures = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
          if (failures.length > 0) {
            // Later failures are logged, except cancellations (not errors worth logging, as in Tornado).
            this.extraMultiFailures += failures.slice(1).filter((f) => show(f.reason) !== 'Cancelled').length;
            throw failures[0].reason;
          }
          const values = settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
          const value = stmt.form === 'object' ? Object.fromEntries(values.map((v, i) => [`k${i}`, v])) : values;
          this.log(id, `got ${show(value)}`);
          break;
        }
        case 'withTimeout': {
          const value =
            stmt.source.kind === 'never'
              ? await Promise.reject(Object.assign(new Error('Timeout'), { name: 'TimeoutError' }))
              : await this.source(stmt.source, childId(id, stmt), null);
          this.log(id, `got ${show(value)}`);
          break;
        }
        case 'try':
          this.log(id, `try ${stmt.id}`);
          try {
            const completion = await this.block(stmt.body, id, token);
            if (completion !== null) return completion;
          } catch (error) {
            if (stmt.handler === null) throw error;
            this.log(id, `catch ${show(error)}`);
            const completion = await this.block(stmt.handler, id, token);
            if (completion !== null) return completion;
            if (stmt.rethrow) throw error;
          } finally {
            if (stmt.finalizer !== null) {
              this.log(id, `finally ${stmt.id}`);
              const completion = await this.block(stmt.finalizer, id, token);
              // eslint-disable-next-line no-unsafe-finally -- a return in finally overrides, in both worlds
              if (completion !== null) return completion;
            }
          }
          break;
        case 'throw':
          this.log(id, `throw E${stmt.tag}`);
          throw new ProgramError(stmt.tag);
        case 'return':
          this.log(id, `return ${stmt.value}`);
          return { value: stmt.value };
        case 'returnObject':
          this.log(id, `Return ${stmt.value}`);
          throw new NativeReturn(stmt.value);
        case 'gate':
          if (token === null || token.fired) {
            this.log(id, 'gate skipped');
            break;
          }
          token.fired = true;
          this.log(id, 'gate');
          token.reach();
          await new Promise<void>((_, reject) => (token.cancelGate = () => reject(new CancelledError())));
          this.log(id, 'gate opened');
          break;
        case 'critical': {
          const release = await this.mutex.acquire();
          this.log(id, 'locked');
          try {
            const completion = await this.block(stmt.body, id, null);
            if (completion !== null) return completion;
          } finally {
            this.log(id, 'unlocked');
            release();
          }
          break;
        }
        case 'cancelCall': {
          const childToken = new NativeToken();
          let settled = false;
          const child = this.instance(stmt.target, childId(id, stmt), childToken);
          const observed = child.then(
            () => void (settled = true),
            () => void (settled = true),
          );
          await Promise.race([childToken.reached, observed]);
          // asyncio's cancel(): true unless the task is done; the child is parked at its gate.
          const cancelled = !settled;
          if (cancelled) childToken.cancelGate!();
          this.log(id, `cancel ${cancelled}`);
          const value = await child;
          this.log(id, `got ${show(value)}`);
          break;
        }
      }
    }
    return null;
  }
}

/** Runs `program` as native async functions (the oracle). */
export async function runNatively(program: Program): Promise<Run> {
  const world = new NativeWorld(program);
  let outcome: string;
  try {
    outcome = `ok ${show(await world.instance(0, 'main', null))}`;
  } catch (error) {
    outcome = `error ${show(error)}`;
  }
  return { outcome, logs: world.logs, extraMultiFailures: world.extraMultiFailures };
}

// ---------------------------------------------------------------------------
// The oracle

function sortedLogs(logs: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(
    Object.keys(logs)
      .sort()
      .map((k) => [k, logs[k]]),
  );
}

/**
 * Runs `program` both ways and returns a list of disagreements (empty when
 * whirlwind behaves as the native oracle, adjusted as the module doc says).
 */
export async function differences(program: Program): Promise<string[]> {
  const expected = await runNatively(program);
  const actual = await runWithWhirlwind(program);
  const problems: string[] = [];
  if (actual.outcome !== expected.outcome)
    problems.push(`outcome: whirlwind ${actual.outcome}, native ${expected.outcome}`);
  const actualLogs = JSON.stringify(sortedLogs(actual.logs));
  const expectedLogs = JSON.stringify(sortedLogs(expected.logs));
  if (actualLogs !== expectedLogs)
    problems.push(`logs differ:\n  whirlwind ${actualLogs}\n  native    ${expectedLogs}`);
  if (isSynchronous(program) && !actual.finishedSynchronously) {
    problems.push('every source was already done, yet the coroutine did not finish before the call returned');
  }
  problems.push(...invariantProblems(program, actual));
  const multiLines = actual.records.filter((r) => r.message === 'Multiple exceptions in yield list').length;
  if (multiLines !== expected.extraMultiFailures) {
    problems.push(
      `"Multiple exceptions in yield list" logged ${multiLines} times, expected ${expected.extraMultiFailures}`,
    );
  }
  return problems;
}

/**
 * The program with its gates and cancel-at-gate calls made ordinary (a log
 * line, a plain awaited call), so that it finishes by itself whenever it is
 * cancelled: a cancelCall's parent cancelled before it cancels would leave
 * its child parked at the gate for ever, which is correct but unfinished.
 */
export function withoutGates(program: Program): Program {
  const strip = (block: Stmt[]): Stmt[] =>
    block.map((stmt): Stmt => {
      switch (stmt.kind) {
        case 'gate':
          return { id: stmt.id, kind: 'log', tag: -1 };
        case 'cancelCall':
          return { id: stmt.id, kind: 'await', source: { kind: 'call', target: stmt.target } };
        case 'try':
          return {
            ...stmt,
            body: strip(stmt.body),
            handler: stmt.handler && strip(stmt.handler),
            finalizer: stmt.finalizer && strip(stmt.finalizer),
          };
        case 'critical':
          return { ...stmt, body: strip(stmt.body) };
        default:
          return stmt;
      }
    });
  return withSourceText({ coroutines: program.coroutines.map(strip) });
}

/** A gate-free program and one to three cancellations of its coroutines (main or others) at random iterations. */
export const cancellationCaseArb: fc.Arbitrary<[Program, RandomCancel[]]> = fc.tuple(
  programArb.map(withoutGates),
  fc.array(fc.record({ ordinal: fc.nat({ max: 20 }), iterations: fc.integer({ min: 0, max: 12 }) }), {
    minLength: 1,
    maxLength: 3,
  }),
);

/**
 * Runs `program` on whirlwind with `cancels` (truly random points, so there
 * is no native twin to compare with); what must hold is that the program
 * still winds down completely.
 */
export async function cancellationProblems(program: Program, cancels: RandomCancel[]): Promise<string[]> {
  const run = await runWithWhirlwind(program, { cancels });
  const problems = invariantProblems(program, run);
  if (run.outcome === 'never finished') problems.unshift('main never finished after the cancellations');
  return problems;
}

/**
 * What must hold of any whirlwind run, whatever the oracle says: every
 * Future settled with its done callback run once, every `finally` entered
 * run once, nothing logged but extra multi failures, the loop idle, and the
 * shared locks and queues free of cancelled waiters.
 */
function invariantProblems(program: Program, actual: GenRun): string[] {
  const problems: string[] = [];
  for (const entry of actual.settlement) {
    if (!entry.future.done()) problems.push(`never settled: ${entry.what} ${entry.future}`);
    else if (entry.callbacks !== 1) problems.push(`done callback ran ${entry.callbacks} times: ${entry.what}`);
  }
  for (const [instance, entries] of Object.entries(actual.logs)) {
    const tried = entries.filter((e) => e.startsWith('try ')).map((e) => Number(e.slice(4)));
    const finalized = entries.filter((e) => e.startsWith('finally ')).map((e) => Number(e.slice(8)));
    const expectedFinally = tried.filter((stmtId) => hasFinalizer(program, instance, stmtId));
    if (JSON.stringify(finalized.slice().sort()) !== JSON.stringify(expectedFinally.slice().sort())) {
      problems.push(`${instance}: finally blocks ${finalized} ran, expected each of ${expectedFinally} exactly once`);
    }
  }
  const otherLines = actual.records.filter((r) => r.message !== 'Multiple exceptions in yield list');
  if (otherLines.length > 0)
    problems.push(`unexpected log lines: ${otherLines.map((r) => `${r.message} ${show(r.error)}`).join('; ')}`);
  if (!/ ready=0 timers=0/.test(actual.loopAfterRun))
    problems.push(`loop not idle after the run: ${actual.loopAfterRun}`);
  problems.push(...actual.probeFailures);
  return problems;
}

/** Whether statement `stmtId` of the body that `instance` runs is a try with a finally. */
function hasFinalizer(program: Program, instance: string, stmtId: number): boolean {
  const stmt = findStmt(bodyOf(program, instance), stmtId);
  return stmt !== undefined && stmt.kind === 'try' && stmt.finalizer !== null;
}

function findStmt(block: Stmt[], stmtId: number): Stmt | undefined {
  for (const stmt of block) {
    if (stmt.id === stmtId) return stmt;
    if (stmt.kind === 'try') {
      const inner =
        findStmt(stmt.body, stmtId) ?? findStmt(stmt.handler ?? [], stmtId) ?? findStmt(stmt.finalizer ?? [], stmtId);
      if (inner !== undefined) return inner;
    }
    if (stmt.kind === 'critical') {
      const inner = findStmt(stmt.body, stmtId);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/** The body an instance runs: its id is a call path, and the last step names the statement that called it. */
function bodyOf(program: Program, instance: string): Stmt[] {
  let index = 0;
  const steps = instance.split('>').slice(1);
  for (const step of steps) {
    const stmtId = Number(step.split('.')[0]);
    const itemIndex = step.includes('.') ? Number(step.split('.')[1]) : undefined;
    const stmt = findStmt(program.coroutines[index], stmtId)!;
    const source =
      stmt.kind === 'multi'
        ? stmt.items[itemIndex!]
        : stmt.kind === 'await' || stmt.kind === 'withTimeout'
          ? stmt.source
          : null;
    index = stmt.kind === 'cancelCall' ? stmt.target : (source as { target: number }).target;
  }
  return program.coroutines[index];
}
