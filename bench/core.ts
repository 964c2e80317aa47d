/**
 * The core benchmark suite: one *cell* (a workload on a runner) per process.
 *
 *     node --expose-gc dist/bench/core.js <workload> <runner> [--quick]
 *
 * prints one JSON line: `{ workload, runner, metrics: { <row>: number[] } }`,
 * one sample per repetition (ns per op, or bytes per coroutine for `D-mem`).
 * `bench/run.ts` spawns these, interleaves the orders and takes medians; run
 * a cell by hand to profile it:
 *
 *     node --expose-gc --cpu-prof dist/bench/core.js A whirlwind
 *
 * `BENCH_SMOKE=1` shrinks a cell to a smoke test (spec/bench-smoke.spec.ts):
 * SMOKE_SIZE ops, one warm-up run (whose op count is checked), one timed
 * repetition. Its figures mean nothing; it only shows the cell still runs.
 *
 * Runners: whirlwind `coroutine`, native `async`, TypeScript's down-levelled
 * async (tslib `__awaiter` over a generator), `co`, bluebird's
 * `Promise.coroutine` (fed native promises), and a raw `generator.next()`
 * loop as the floor. Every runner's code for a workload is the same shape:
 * one outer coroutine of that runner doing the loop, so the per-op figure is
 * the runner's cost, not the harness's.
 */
import { fileURLToPath } from 'node:url';
import { __awaiter } from 'tslib';
import co from 'co';
import Bluebird from 'bluebird';
// The modules themselves rather than the index: fewer files to load per cell.
import { Future } from '../lib/concurrent.js';
import { IOLoop } from '../lib/ioloop.js';
import { multi } from '../lib/gen/convert.js';
import { coroutine } from '../lib/gen/runner.js';
import { sleep } from '../lib/gen/timing.js';

export const RUNNERS = ['whirlwind', 'native', 'tslib', 'co', 'bluebird', 'raw'] as const;
export type RunnerName = (typeof RUNNERS)[number];

/** What one run of a cell returns: resolved when the ops are done. */
type Run = () => PromiseLike<unknown>;

interface Workload {
  /** What one op is, for the tables. */
  unit: string;
  /** Ops per run (full, quick). */
  size: { full: number; quick: number };
  /** The runners that can express the workload (A2: the ones that accept a plain value). */
  runners: Partial<Record<RunnerName, (size: number) => Run>>;
  /** Rows this workload reports; default one row named after the workload (ns per op). */
  custom?: (runner: RunnerName, size: number, reps: number, warmups: number) => Promise<Record<string, number[]>>;
}

const loop = IOLoop.current();

/**
 * The clock a cell reads, in ns. `BENCH_CLOCK=cpu` reads the process's CPU
 * time (user + system) instead of wall time: on a shared machine whose load
 * is several times its cores, wall time mostly measures how long the process
 * waited for a core, and CPU time does not (GC threads still count, alike
 * for every runner). Wall time is the default.
 */
const CPU_CLOCK = process.env.BENCH_CLOCK === 'cpu';
if (process.env.BENCH_CLOCK !== undefined && !CPU_CLOCK && process.env.BENCH_CLOCK !== 'wall') {
  throw new Error(`BENCH_CLOCK: expected cpu or wall, got ${process.env.BENCH_CLOCK}`);
}
function now(): number {
  if (!CPU_CLOCK) return Number(process.hrtime.bigint());
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}
/** BENCH_SMOKE=1: the smallest run that still goes through every workload's code path. */
const SMOKE = process.env.BENCH_SMOKE === '1';
/** A whole number of C's calls (100 deep) and of F's and PA's rounds (1,000 children). */
const SMOKE_SIZE = 1000;
/** What tsc emits for `P` (`void 0`): __awaiter then uses the global Promise. Typed as tslib declares it. */
const GLOBAL_PROMISE = void 0 as unknown as Function;
const gc: () => void =
  (globalThis as { gc?: () => void }).gc ??
  (() => {
    throw new Error('run with node --expose-gc (bench/run.ts does)');
  });

// ---------------------------------------------------------------------------
// Shared fixtures. Created once: the workloads measure yielding, not allocating.

const doneFuture = new Future<number>();
doneFuture.setResult(1);
const resolvedPromise = Promise.resolve(1);

const failure = new Error('expected failure');
const failedFuture = new Future<number>();
failedFuture.setException(failure);
failedFuture.exception(); // retrieved: never logged
const rejectedPromise = Promise.reject(failure);
rejectedPromise.catch(() => undefined);

/** Drives a raw generator synchronously, sending each yielded value back: the floor. */
function driveRaw<R>(generator: Generator<unknown, R, unknown>): R {
  let step = generator.next();
  while (step.done !== true) step = generator.next(step.value);
  return step.value;
}

// ---------------------------------------------------------------------------
// A: yield an already-done Future / already-resolved Promise N times.

const whirlwindA = coroutine(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield doneFuture) as number;
  return sum;
});
async function nativeA(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await resolvedPromise;
  return sum;
}
function tslibA(this: unknown, n: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (yield resolvedPromise) as number;
    return sum;
  });
}
const coA = co.wrap(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield resolvedPromise) as number;
  return sum;
});
const bluebirdA = Bluebird.coroutine(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield resolvedPromise) as number;
  return sum;
});
function* rawA(n: number): Generator<unknown, number, unknown> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield 1) as number;
  return sum;
}

// ---------------------------------------------------------------------------
// A2: yield a plain value (native await, tslib and the raw loop accept one;
// whirlwind, like Tornado, co and bluebird reject it with an error).

async function nativeA2(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await 1;
  return sum;
}
function tslibA2(this: unknown, n: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (yield 1) as number;
    return sum;
  });
}

// ---------------------------------------------------------------------------
// BF (B until issue 15): yield something resolved on a later loop iteration. The producer is the
// same for every runner: one `IOLoop.addCallback` per step that settles the
// awaited thing. whirlwind gets a Future (setResult in the callback), the
// promise runners a native Promise (resolve in the callback), the raw floor
// has the callback resume the generator directly.

function settleFuture(future: Future<number>, value: number): void {
  future.setResult(value);
}
function laterFuture(value: number): Future<number> {
  const future = new Future<number>();
  loop.addCallback(settleFuture, future, value);
  return future;
}
function laterPromise(value: number): Promise<number> {
  return new Promise<number>((resolve) => loop.addCallback(resolve, value));
}

const whirlwindB = coroutine(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield laterFuture(1)) as number;
  return sum;
});
async function nativeB(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await laterPromise(1);
  return sum;
}
function tslibB(this: unknown, n: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (yield laterPromise(1)) as number;
    return sum;
  });
}
const coB = co.wrap(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield laterPromise(1)) as number;
  return sum;
});
const bluebirdB = Bluebird.coroutine(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield laterPromise(1)) as number;
  return sum;
});
/** Raw floor for B: the loop callback resumes the generator itself. */
function rawLater(n: number): Promise<number> {
  return new Promise((resolve) => {
    const generator = (function* (): Generator<number, number, number> {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += yield 1;
      return sum;
    })();
    const resume = (value: number) => {
      const step = generator.next(value);
      if (step.done === true) resolve(step.value);
      else loop.addCallback(resume, step.value);
    };
    resume(0);
  });
}

// ---------------------------------------------------------------------------
// C: a coroutine calling a coroutine to depth 100; an op is one call.

const DEPTH = 100;
const whirlwindC: (depth: number) => Future<number> = coroutine(function* (depth: number) {
  if (depth === 0) return 0;
  return ((yield whirlwindC(depth - 1)) as number) + 1;
});
const whirlwindCOuter = coroutine(function* (calls: number) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += (yield whirlwindC(DEPTH)) as number;
  return sum;
});
async function nativeC(depth: number): Promise<number> {
  if (depth === 0) return 0;
  return (await nativeC(depth - 1)) + 1;
}
async function nativeCOuter(calls: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += await nativeC(DEPTH);
  return sum;
}
function tslibC(this: unknown, depth: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    if (depth === 0) return 0;
    return ((yield tslibC(depth - 1)) as number) + 1;
  });
}
function tslibCOuter(this: unknown, calls: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    let sum = 0;
    for (let i = 0; i < calls; i++) sum += (yield tslibC(DEPTH)) as number;
    return sum;
  });
}
const coC: (depth: number) => Promise<number> = co.wrap(function* (depth: number) {
  if (depth === 0) return 0;
  return ((yield coC(depth - 1)) as number) + 1;
});
const coCOuter = co.wrap(function* (calls: number) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += (yield coC(DEPTH)) as number;
  return sum;
});
const bluebirdC: (depth: number) => PromiseLike<number> = Bluebird.coroutine(function* (depth: number) {
  if (depth === 0) return 0;
  return ((yield bluebirdC(depth - 1)) as number) + 1;
});
const bluebirdCOuter = Bluebird.coroutine(function* (calls: number) {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += (yield bluebirdC(DEPTH)) as number;
  return sum;
});
/** Raw floor for C: a yielded generator is run to completion in place. */
function* rawC(depth: number): Generator<unknown, number, unknown> {
  if (depth === 0) return 0;
  return ((yield rawC(depth - 1)) as number) + 1;
}
function driveNested(generator: Generator<unknown, unknown, unknown>): unknown {
  let step = generator.next();
  while (step.done !== true) {
    const value = step.value;
    step = generator.next(
      typeof value === 'object' && value !== null ? driveNested(value as Generator<unknown, unknown, unknown>) : value,
    );
  }
  return step.value;
}
function* rawCOuter(calls: number): Generator<unknown, number, unknown> {
  let sum = 0;
  for (let i = 0; i < calls; i++) sum += (yield rawC(DEPTH)) as number;
  return sum;
}

// ---------------------------------------------------------------------------
// E: yield an already-failed Future / rejected Promise inside try/catch.

const whirlwindE = coroutine(function* (n: number) {
  let caught = 0;
  for (let i = 0; i < n; i++) {
    try {
      yield failedFuture;
    } catch {
      caught++;
    }
  }
  return caught;
});
async function nativeE(n: number): Promise<number> {
  let caught = 0;
  for (let i = 0; i < n; i++) {
    try {
      await rejectedPromise;
    } catch {
      caught++;
    }
  }
  return caught;
}
function tslibE(this: unknown, n: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    let caught = 0;
    for (let i = 0; i < n; i++) {
      try {
        yield rejectedPromise;
      } catch {
        caught++;
      }
    }
    return caught;
  });
}
const coE = co.wrap(function* (n: number) {
  let caught = 0;
  for (let i = 0; i < n; i++) {
    try {
      yield rejectedPromise;
    } catch {
      caught++;
    }
  }
  return caught;
});
const bluebirdE = Bluebird.coroutine(function* (n: number) {
  let caught = 0;
  for (let i = 0; i < n; i++) {
    try {
      yield rejectedPromise;
    } catch {
      caught++;
    }
  }
  return caught;
});
function* rawEGenerator(n: number): Generator<unknown, number, unknown> {
  let caught = 0;
  for (let i = 0; i < n; i++) {
    try {
      yield failure;
    } catch {
      caught++;
    }
  }
  return caught;
}
/** Raw floor for E: every yield is answered with generator.throw(). */
function rawE(n: number): number {
  const generator = rawEGenerator(n);
  let step = generator.next();
  while (step.done !== true) step = generator.throw(step.value);
  return step.value;
}

// ---------------------------------------------------------------------------
// F: wait for 1,000 children at once (multi / Promise.all), children settled
// by one loop callback on a later iteration; an op is one child.

const CHILDREN = 1000;
function settleFutures(futures: Future<number>[]): void {
  for (let i = 0; i < futures.length; i++) futures[i].setResult(i);
}
function pendingFutures(): Future<number>[] {
  const futures = new Array<Future<number>>(CHILDREN);
  for (let i = 0; i < CHILDREN; i++) futures[i] = new Future<number>();
  loop.addCallback(settleFutures, futures);
  return futures;
}
function settlePromises(resolvers: ((value: number) => void)[]): void {
  for (let i = 0; i < resolvers.length; i++) resolvers[i](i);
}
function pendingPromises(): Promise<number>[] {
  const resolvers = new Array<(value: number) => void>(CHILDREN);
  const promises = new Array<Promise<number>>(CHILDREN);
  for (let i = 0; i < CHILDREN; i++) promises[i] = new Promise<number>((resolve) => (resolvers[i] = resolve));
  loop.addCallback(settlePromises, resolvers);
  return promises;
}

const whirlwindF = coroutine(function* (rounds: number) {
  let length = 0;
  for (let r = 0; r < rounds; r++) length += ((yield multi(pendingFutures())) as number[]).length;
  return length;
});
async function nativeF(rounds: number): Promise<number> {
  let length = 0;
  for (let r = 0; r < rounds; r++) length += (await Promise.all(pendingPromises())).length;
  return length;
}
function tslibF(this: unknown, rounds: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    let length = 0;
    for (let r = 0; r < rounds; r++) length += ((yield Promise.all(pendingPromises())) as number[]).length;
    return length;
  });
}
const coF = co.wrap(function* (rounds: number) {
  let length = 0;
  // co's own multi: a yielded array.
  for (let r = 0; r < rounds; r++) length += ((yield pendingPromises()) as number[]).length;
  return length;
});
const bluebirdF = Bluebird.coroutine(function* (rounds: number) {
  let length = 0;
  for (let r = 0; r < rounds; r++) length += ((yield Promise.all(pendingPromises())) as number[]).length;
  return length;
});

// ---------------------------------------------------------------------------
// D and G spawn many coroutines that each bump a shared counter when resumed;
// the last one settles the run.

let resumed = 0;
let expected = 0;
let allResumed: (count: number) => void = () => undefined;
/** Resolves with the number of resumes once `count` coroutines have called countResume(). */
function expectResumes(count: number): Promise<number> {
  resumed = 0;
  expected = count;
  return new Promise<number>((resolve) => (allResumed = resolve));
}
function countResume(): void {
  if (++resumed === expected) allResumed(resumed);
}

// D: coroutines suspended on one shared pending Future / Promise.
let sharedFuture = new Future<number>();
let sharedPromise: Promise<number> = Promise.resolve(0);
let resolveShared: (value: number) => void = () => undefined;
let rawSuspended: Generator<unknown, void, unknown>[] = [];

const whirlwindWaiter = coroutine(function* () {
  yield sharedFuture;
  countResume();
});
async function nativeWaiter(): Promise<void> {
  await sharedPromise;
  countResume();
}
function tslibWaiter(this: unknown): Promise<void> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    yield sharedPromise;
    countResume();
  });
}
const coWaiter = co.wrap(function* () {
  yield sharedPromise;
  countResume();
});
const bluebirdWaiter = Bluebird.coroutine(function* () {
  yield sharedPromise;
  countResume();
});
function* rawWaiter(): Generator<unknown, void, unknown> {
  yield undefined;
  countResume();
}

interface Suspender {
  /** Makes the shared thing the waiters suspend on. */
  reset(): void;
  spawn(): void;
  wake(): void;
}
const suspenders: Record<RunnerName, Suspender> = {
  whirlwind: {
    reset: () => (sharedFuture = new Future<number>()),
    spawn: () => void whirlwindWaiter(),
    wake: () => sharedFuture.setResult(1),
  },
  native: promiseSuspender(nativeWaiter),
  tslib: promiseSuspender(tslibWaiter),
  co: promiseSuspender(coWaiter),
  bluebird: promiseSuspender(bluebirdWaiter),
  raw: {
    reset: () => (rawSuspended = []),
    spawn: () => {
      const generator = rawWaiter();
      generator.next();
      rawSuspended.push(generator);
    },
    wake: () => {
      const suspended = rawSuspended;
      rawSuspended = [];
      for (let i = 0; i < suspended.length; i++) suspended[i].next(1);
    },
  },
};
function promiseSuspender(waiter: () => PromiseLike<void>): Suspender {
  return {
    reset: () => (sharedPromise = new Promise<number>((resolve) => (resolveShared = resolve))),
    spawn: () => void waiter(),
    wake: () => resolveShared(1),
  };
}

/** D: heap bytes per suspended coroutine (full GC before and after), then ns to wake each. */
async function measureSuspended(
  runner: RunnerName,
  count: number,
  reps: number,
  warmups: number,
): Promise<Record<string, number[]>> {
  const suspender = suspenders[runner];
  const bytes: number[] = [];
  const wake: number[] = [];
  const spawn: number[] = [];
  for (let rep = -warmups; rep < reps; rep++) {
    suspender.reset();
    const finished = expectResumes(count);
    gc();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const spawnStart = now();
    for (let i = 0; i < count; i++) suspender.spawn();
    const spawnEnd = now();
    gc();
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    // A waiter that resumed already did not suspend: its wake-up would time nothing.
    if (resumed !== 0) throw new Error(`D: ${resumed} of ${count} ${runner} waiters resumed before the wake-up`);
    const wakeStart = now();
    suspender.wake();
    await finished;
    const wakeEnd = now();
    if (rep < 0) continue;
    bytes.push((heapAfter - heapBefore) / count);
    spawn.push((spawnEnd - spawnStart) / count);
    wake.push((wakeEnd - wakeStart) / count);
  }
  return { 'D-mem': bytes, 'D-wake': wake, 'D-spawn': spawn };
}

// G: every coroutine sleeps once, with its runner's idiomatic timer.
const whirlwindSleeper = coroutine(function* () {
  yield sleep(0);
  countResume();
});
function sleepPromise(): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, 0));
}
async function nativeSleeper(): Promise<void> {
  await sleepPromise();
  countResume();
}
function tslibSleeper(this: unknown): Promise<void> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    yield sleepPromise();
    countResume();
  });
}
const coSleeper = co.wrap(function* () {
  yield sleepPromise();
  countResume();
});
const bluebirdSleeper = Bluebird.coroutine(function* () {
  yield sleepPromise();
  countResume();
});
function rawSleeper(): void {
  const generator = rawWaiter();
  generator.next();
  setTimeout(() => generator.next(), 0);
}

function spawnMany(spawn: () => unknown): (count: number) => Run {
  return (count) => () => {
    const finished = expectResumes(count);
    for (let i = 0; i < count; i++) spawn();
    return finished;
  };
}

// ---------------------------------------------------------------------------
// The Promise boundary (issue 15): whirlwind meeting native promises and
// native async functions meeting whirlwind Futures.

// BP: yield a pending native Promise that settles a microtask later (what a
// promise-returning library call that answers from a cache looks like).
const one = (): number => 1;
function microtaskPromise(): Promise<number> {
  return resolvedPromise.then(one);
}
const whirlwindBP = coroutine(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield microtaskPromise()) as number;
  return sum;
});
async function nativeBP(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await microtaskPromise();
  return sum;
}
function tslibBP(this: unknown, n: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (yield microtaskPromise()) as number;
    return sum;
  });
}
const coBP = co.wrap(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield microtaskPromise()) as number;
  return sum;
});
const bluebirdBP = Bluebird.coroutine(function* (n: number) {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += (yield microtaskPromise()) as number;
  return sum;
});

// XA: a native async function awaiting a call of each runner's coroutine that
// finishes at once (no pending yield). The outer loop is native for all.
const whirlwindQuick = coroutine(function* (): Generator<unknown, number, unknown> {
  return 1;
});
async function nativeQuick(): Promise<number> {
  return 1;
}
function tslibQuick(this: unknown): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    return 1;
  });
}
const coQuick = co.wrap(function* (): Generator<unknown, number, unknown> {
  return 1;
});
const bluebirdQuick = Bluebird.coroutine(function* (): Generator<unknown, number, unknown> {
  return 1;
});
function awaitEach(call: () => PromiseLike<number>): (n: number) => Run {
  return (n) => async () => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += await call();
    return sum;
  };
}

// XF: a native async function awaiting a done Future (native: a resolved Promise).
async function whirlwindXF(n: number): Promise<number> {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await doneFuture;
  return sum;
}

// EP: yield `Promise.reject(new Error())`, a fresh error each time, caught.
function freshRejection(): Promise<never> {
  return Promise.reject(new Error('expected failure'));
}
function catchEach(yielder: () => unknown) {
  return function* (n: number): Generator<unknown, number, unknown> {
    let caught = 0;
    for (let i = 0; i < n; i++) {
      try {
        yield yielder();
      } catch {
        caught++;
      }
    }
    return caught;
  };
}
const whirlwindEP = coroutine(catchEach(freshRejection));
async function nativeEP(n: number): Promise<number> {
  let caught = 0;
  for (let i = 0; i < n; i++) {
    try {
      await freshRejection();
    } catch {
      caught++;
    }
  }
  return caught;
}
function tslibEP(this: unknown, n: number): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, () => catchEach(freshRejection)(n));
}
const coEP = co.wrap(catchEach(freshRejection));
const bluebirdEP = Bluebird.coroutine(catchEach(freshRejection));

// EF: yield a done failed Future holding a fresh Error, caught (what yielding
// a coroutine call that threw at once looks like).
function freshFailedFuture(): Future<never> {
  const future = new Future<never>();
  future.setException(new Error('expected failure'));
  return future;
}
const whirlwindEF = coroutine(catchEach(freshFailedFuture));

// DP: coroutines suspended on one shared native Promise; wake-up includes
// `await Promise.all` over the coroutines' own Futures / promises.
let dpShared: Promise<number> = Promise.resolve(0);
let dpResolve: (value: number) => void = () => undefined;
let dpCalls: PromiseLike<number>[] = [];
const whirlwindDPWaiter = coroutine(function* () {
  return (yield dpShared) as number;
});
async function nativeDPWaiter(): Promise<number> {
  return await dpShared;
}
function tslibDPWaiter(this: unknown): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    return (yield dpShared) as number;
  });
}
const coDPWaiter = co.wrap(function* () {
  return (yield dpShared) as number;
});
const bluebirdDPWaiter = Bluebird.coroutine(function* () {
  return (yield dpShared) as number;
});
const DP_WAITERS: Partial<Record<RunnerName, () => PromiseLike<number>>> = {
  whirlwind: whirlwindDPWaiter,
  native: nativeDPWaiter,
  tslib: tslibDPWaiter,
  co: coDPWaiter,
  bluebird: bluebirdDPWaiter,
};

/** DP: heap bytes per coroutine suspended on a shared Promise (its Future kept), then ns to wake each and gather all. */
async function measureSharedPromise(
  runner: RunnerName,
  count: number,
  reps: number,
  warmups: number,
): Promise<Record<string, number[]>> {
  const waiter = DP_WAITERS[runner]!;
  const bytes: number[] = [];
  const wake: number[] = [];
  for (let rep = -warmups; rep < reps; rep++) {
    dpShared = new Promise<number>((resolve) => (dpResolve = resolve));
    dpCalls = new Array<PromiseLike<number>>(count);
    gc();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < count; i++) dpCalls[i] = waiter();
    gc();
    gc();
    const heapAfter = process.memoryUsage().heapUsed;
    const wakeStart = now();
    dpResolve(1);
    const values = await Promise.all(dpCalls);
    const wakeEnd = now();
    let sum = 0;
    for (let i = 0; i < values.length; i++) sum += values[i];
    if (values.length !== count || sum !== count) throw new Error('DP: the waiters did not all finish with 1');
    dpCalls = [];
    if (rep < 0) continue;
    bytes.push((heapAfter - heapBefore) / count);
    wake.push((wakeEnd - wakeStart) / count);
  }
  return { 'DP-mem': bytes, 'DP-wake': wake };
}

// PA: `Promise.all` over 1,000 coroutine calls, each waiting once on a
// native Promise settled by one loop callback; an op is one call.
let paGate: Promise<number> = Promise.resolve(1);
const whirlwindPAChild = coroutine(function* () {
  return (yield paGate) as number;
});
async function nativePAChild(): Promise<number> {
  return await paGate;
}
function tslibPAChild(this: unknown): Promise<number> {
  return __awaiter(this, void 0, GLOBAL_PROMISE, function* () {
    return (yield paGate) as number;
  });
}
const coPAChild = co.wrap(function* () {
  return (yield paGate) as number;
});
const bluebirdPAChild = Bluebird.coroutine(function* () {
  return (yield paGate) as number;
});
function promiseAllOver(child: () => PromiseLike<number>): (n: number) => Run {
  return (n) => async () => {
    let total = 0;
    const calls = new Array<PromiseLike<number>>(CHILDREN);
    for (let r = 0; r < n / CHILDREN; r++) {
      paGate = laterPromise(1);
      for (let i = 0; i < CHILDREN; i++) calls[i] = child();
      const values = await Promise.all(calls);
      for (let i = 0; i < values.length; i++) total += values[i];
    }
    return total;
  };
}

// ---------------------------------------------------------------------------

/** D has its own measurement (two rows); its runners map here so `runnersOf` lists them. */
function measuredByCustom(): Run {
  throw new Error("measured by the workload's custom function");
}

const resolvedNow = (compute: () => unknown): PromiseLike<unknown> => Promise.resolve(compute());

export const WORKLOADS: Record<string, Workload> = {
  A: {
    unit: 'ns per yield of a done Future / resolved Promise',
    size: { full: 300_000, quick: 50_000 },
    runners: {
      whirlwind: (n) => () => whirlwindA(n),
      native: (n) => () => nativeA(n),
      tslib: (n) => () => tslibA(n),
      co: (n) => () => coA(n),
      bluebird: (n) => () => bluebirdA(n),
      raw: (n) => () => resolvedNow(() => driveRaw(rawA(n))),
    },
  },
  A2: {
    unit: 'ns per yield of a plain value',
    size: { full: 300_000, quick: 50_000 },
    runners: {
      native: (n) => () => nativeA2(n),
      tslib: (n) => () => tslibA2(n),
      raw: (n) => () => resolvedNow(() => driveRaw(rawA(n))),
    },
  },
  BF: {
    unit: 'ns per yield of a Future / Promise settled on a later loop iteration',
    size: { full: 100_000, quick: 20_000 },
    runners: {
      whirlwind: (n) => () => whirlwindB(n),
      native: (n) => () => nativeB(n),
      tslib: (n) => () => tslibB(n),
      co: (n) => () => coB(n),
      bluebird: (n) => () => bluebirdB(n),
      raw: (n) => () => rawLater(n),
    },
  },
  C: {
    unit: 'ns per coroutine call, calls nested 100 deep',
    size: { full: 300_000, quick: 30_000 },
    runners: {
      whirlwind: (n) => () => whirlwindCOuter(n / DEPTH),
      native: (n) => () => nativeCOuter(n / DEPTH),
      tslib: (n) => () => tslibCOuter(n / DEPTH),
      co: (n) => () => coCOuter(n / DEPTH),
      bluebird: (n) => () => bluebirdCOuter(n / DEPTH),
      raw: (n) => () => resolvedNow(() => driveNested(rawCOuter(n / DEPTH))),
    },
  },
  D: {
    unit: 'bytes per suspended coroutine (D-mem); ns to wake each of 100,000 (D-wake)',
    size: { full: 100_000, quick: 30_000 },
    runners: Object.fromEntries(RUNNERS.map((runner) => [runner, measuredByCustom])),
    custom: (runner, size, reps, warmups) => measureSuspended(runner, size, reps, warmups),
  },
  E: {
    unit: 'ns per yield of a failed Future / rejected Promise, caught',
    size: { full: 100_000, quick: 20_000 },
    runners: {
      whirlwind: (n) => () => whirlwindE(n),
      native: (n) => () => nativeE(n),
      tslib: (n) => () => tslibE(n),
      co: (n) => () => coE(n),
      bluebird: (n) => () => bluebirdE(n),
      raw: (n) => () => resolvedNow(() => rawE(n)),
    },
  },
  F: {
    unit: 'ns per child of a multi / Promise.all over 1,000 pending children',
    size: { full: 100_000, quick: 20_000 },
    runners: {
      whirlwind: (n) => () => whirlwindF(n / CHILDREN),
      native: (n) => () => nativeF(n / CHILDREN),
      tslib: (n) => () => tslibF(n / CHILDREN),
      co: (n) => () => coF(n / CHILDREN),
      bluebird: (n) => () => bluebirdF(n / CHILDREN),
    },
  },
  G: {
    unit: 'ns per coroutine, 10,000 coroutines each sleeping 0 s once',
    size: { full: 10_000, quick: 10_000 },
    runners: {
      whirlwind: spawnMany(whirlwindSleeper),
      native: spawnMany(nativeSleeper),
      tslib: spawnMany(tslibSleeper),
      co: spawnMany(coSleeper),
      bluebird: spawnMany(bluebirdSleeper),
      raw: spawnMany(rawSleeper),
    },
  },
  BP: {
    unit: 'ns per yield of a pending native Promise settled a microtask later',
    size: { full: 200_000, quick: 40_000 },
    runners: {
      whirlwind: (n) => () => whirlwindBP(n),
      native: (n) => () => nativeBP(n),
      tslib: (n) => () => tslibBP(n),
      co: (n) => () => coBP(n),
      bluebird: (n) => () => bluebirdBP(n),
    },
  },
  XA: {
    unit: 'ns per await (in an async function) of a coroutine call that finished at once',
    size: { full: 200_000, quick: 40_000 },
    runners: {
      whirlwind: awaitEach(whirlwindQuick),
      native: awaitEach(nativeQuick),
      tslib: awaitEach(tslibQuick),
      co: awaitEach(coQuick),
      bluebird: awaitEach(bluebirdQuick),
    },
  },
  XF: {
    unit: 'ns per await (in an async function) of a done Future / resolved Promise',
    size: { full: 300_000, quick: 50_000 },
    runners: {
      whirlwind: (n) => () => whirlwindXF(n),
      native: (n) => () => nativeA(n),
    },
  },
  EP: {
    unit: 'ns per yield of Promise.reject(new Error()), caught',
    size: { full: 100_000, quick: 20_000 },
    runners: {
      whirlwind: (n) => () => whirlwindEP(n),
      native: (n) => () => nativeEP(n),
      tslib: (n) => () => tslibEP(n),
      co: (n) => () => coEP(n),
      bluebird: (n) => () => bluebirdEP(n),
    },
  },
  EF: {
    unit: 'ns per yield of a done Future failed with a fresh Error, caught (native: await Promise.reject(new Error()))',
    size: { full: 100_000, quick: 20_000 },
    runners: {
      whirlwind: (n) => () => whirlwindEF(n),
      native: (n) => () => nativeEP(n),
    },
  },
  DP: {
    unit: 'bytes per coroutine suspended on one shared Promise (DP-mem); ns to wake each of 100,000 and await Promise.all of them (DP-wake)',
    size: { full: 100_000, quick: 30_000 },
    runners: Object.fromEntries(Object.keys(DP_WAITERS).map((runner) => [runner, measuredByCustom])),
    custom: (runner, size, reps, warmups) => measureSharedPromise(runner, size, reps, warmups),
  },
  PA: {
    unit: 'ns per call of a Promise.all over 1,000 coroutine calls, each waiting once on a native Promise',
    size: { full: 100_000, quick: 20_000 },
    runners: {
      whirlwind: promiseAllOver(whirlwindPAChild),
      native: promiseAllOver(nativePAChild),
      tslib: promiseAllOver(tslibPAChild),
      co: promiseAllOver(coPAChild),
      bluebird: promiseAllOver(bluebirdPAChild),
    },
  },
};

/** The rows of the tables, in order (D and DP report two each). */
export const ROWS = [
  'A',
  'A2',
  'BF',
  'BP',
  'C',
  'D-mem',
  'D-wake',
  'E',
  'EP',
  'EF',
  'F',
  'G',
  'XA',
  'XF',
  'DP-mem',
  'DP-wake',
  'PA',
] as const;

export function runnersOf(workload: string): RunnerName[] {
  const runners = WORKLOADS[workload].runners;
  return RUNNERS.filter((runner) => runner in runners);
}

/** Warm-up runs (at least `warmups`, and for at least WARM_UP_MS, so the JIT has settled), then `reps` timed runs: ns per op for each. */
async function measureRuns(run: Run, ops: number, reps: number, warmups: number): Promise<number[]> {
  // Every run resolves with the number of ops it did (a sum of ones, a count
  // of caught errors, of children, of resumes): a runner that skipped work
  // would look fast, so check it once.
  const done = await run();
  if (done !== ops) throw new Error(`bench cell did ${String(done)} ops instead of ${ops}: its runner code is wrong`);
  const warmUpEnd = SMOKE ? 0 : performance.now() + (reps < 5 ? WARM_UP_MS / 2 : WARM_UP_MS);
  for (let i = 1; i < warmups || performance.now() < warmUpEnd; i++) await run();
  // No gc() between repetitions: a full GC shrinks the young generation, and
  // the next run then pays for extra scavenges that steady-state code does not
  // (it doubled whirlwind's A figure at 50,000 ops).
  const samples: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const start = now();
    await run();
    const end = now();
    samples.push((end - start) / ops);
  }
  return samples;
}

/** Minimum warm-up time per cell (half in a quick run): TurboFan needs a few hundred thousand iterations of a hot loop. */
const WARM_UP_MS = 150;

export async function measureCell(
  workloadName: string,
  runner: RunnerName,
  quick: boolean,
): Promise<Record<string, number[]>> {
  const workload = WORKLOADS[workloadName];
  if (workload === undefined)
    throw new Error(`unknown workload ${workloadName}; expected one of ${Object.keys(WORKLOADS).join(', ')}`);
  const size = SMOKE ? SMOKE_SIZE : quick ? workload.size.quick : workload.size.full;
  const reps = SMOKE ? 1 : quick ? 3 : 5;
  const warmups = SMOKE || quick ? 1 : 2;
  // D's repetitions each hold 100,000 coroutines and take four full GCs: fewer of them in a quick run.
  if (workload.custom !== undefined) return workload.custom(runner, size, quick ? Math.min(reps, 2) : reps, warmups);
  const factory = workload.runners[runner];
  if (factory === undefined) throw new Error(`workload ${workloadName} has no ${runner} version`);
  return { [workloadName]: await measureRuns(factory(size), size, reps, warmups) };
}

// Run as a script: measure one cell and print it as one JSON line.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [workload, runner] = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  if (!(RUNNERS as readonly string[]).includes(runner)) {
    throw new Error(
      `usage: node --expose-gc dist/bench/core.js <${Object.keys(WORKLOADS).join('|')}> <${RUNNERS.join('|')}> [--quick]`,
    );
  }
  const metrics = await measureCell(workload, runner as RunnerName, process.argv.includes('--quick'));
  process.stdout.write(`${JSON.stringify({ workload, runner, metrics })}\n`);
}
