/**
 * The coordination suite: queue ping-pong between two coroutines and lock
 * hand-off between N coroutines, each written three ways:
 *
 * - `whirlwind`: `gen.coroutine` generators over whirlwind's Queue / Lock;
 * - `native`: native async/await over the *same* whirlwind Queue / Lock (the
 *   reference: the issue's goal is whirlwind within 1.5x of it);
 * - `promise`: native async/await over a plain Promise-based channel / mutex
 *   written here, with no IOLoop at all: what hand-written code costs.
 *
 *     node --expose-gc dist/bench/queues.js [--reps 9] [--quick]
 *     BENCH_SMOKE=1 node --expose-gc dist/bench/queues.js   # smoke test: 200 ops, one rep, writes nothing
 *
 * Method: one warm-up run of every variant, then `reps` rounds; each round
 * runs every variant once, alternating the order (forward, backward) so drift
 * on a noisy machine lands on every variant alike. A figure is the median
 * of its rounds, in ns per op (an op is one item delivered, or one lock
 * hand-off). Prints a markdown table and writes bench/results/queues.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coroutine } from '../lib/gen/runner.js';
import { IOLoop } from '../lib/ioloop.js';
import { Lock } from '../lib/locks.js';
import { Queue } from '../lib/queues.js';

/** BENCH_SMOKE=1 (spec/bench-smoke.spec.ts): tiny sizes, one repetition, no results file; the figures mean nothing. */
const SMOKE = process.env.BENCH_SMOKE === '1';
const VARIANTS = ['whirlwind', 'native', 'promise'] as const;
type Variant = (typeof VARIANTS)[number];

interface Workload {
  name: string;
  unit: string;
  /** Ops per run (full, quick). */
  size: { full: number; quick: number };
  run: Record<Variant, (size: number) => PromiseLike<unknown>>;
}

const loop = IOLoop.current();
const collectGarbage: () => void = (globalThis as { gc?: () => void }).gc ?? (() => undefined);

// ---------------------------------------------------------------------------
// The plain Promise-based primitives the `promise` variant uses.

/** An unbounded channel: items wait in an array, receivers wait as promise resolvers. */
class PromiseChannel<T> {
  private readonly items: T[] = [];
  private itemsHead = 0;
  private readonly receivers: ((item: T) => void)[] = [];
  private receiversHead = 0;

  send(item: T): void {
    if (this.receiversHead < this.receivers.length) {
      const receive = this.receivers[this.receiversHead];
      this.receivers[this.receiversHead++] = undefined as never;
      if (this.receiversHead === this.receivers.length) this.receivers.length = this.receiversHead = 0;
      receive(item);
    } else {
      this.items.push(item);
    }
  }

  receive(): Promise<T> {
    if (this.itemsHead < this.items.length) {
      const item = this.items[this.itemsHead];
      this.items[this.itemsHead++] = undefined as never;
      if (this.itemsHead === this.items.length) this.items.length = this.itemsHead = 0;
      return Promise.resolve(item);
    }
    return new Promise<T>((resolve) => this.receivers.push(resolve));
  }
}

/** A FIFO mutex: `lock()` resolves when it is ours; `unlock()` hands it to the next in line. */
class PromiseMutex {
  private locked = false;
  private readonly waiting: (() => void)[] = [];
  private head = 0;

  lock(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  unlock(): void {
    if (this.head < this.waiting.length) {
      const next = this.waiting[this.head];
      this.waiting[this.head++] = undefined as never;
      if (this.head === this.waiting.length) this.waiting.length = this.head = 0;
      next();
    } else {
      this.locked = false;
    }
  }
}

// ---------------------------------------------------------------------------
// Ping-pong: `pinger` puts n on `ping`, `ponger` gets it and puts n + 1 on
// `pong`, `pinger` gets that. An op is one item delivered (two per round trip).

const whirlwindPinger = coroutine(function* (ping: Queue<number>, pong: Queue<number>, trips: number) {
  let last = 0;
  for (let i = 0; i < trips; i++) {
    yield ping.put(i);
    last = yield* pong.get();
  }
  return last;
});

const whirlwindPonger = coroutine(function* (ping: Queue<number>, pong: Queue<number>, trips: number) {
  for (let i = 0; i < trips; i++) {
    const n = yield* ping.get();
    yield pong.put(n + 1);
  }
});

async function nativePinger(ping: Queue<number>, pong: Queue<number>, trips: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < trips; i++) {
    await ping.put(i);
    last = await pong.get();
  }
  return last;
}

async function nativePonger(ping: Queue<number>, pong: Queue<number>, trips: number): Promise<void> {
  for (let i = 0; i < trips; i++) {
    const n = await ping.get();
    await pong.put(n + 1);
  }
}

async function promisePinger(
  ping: PromiseChannel<number>,
  pong: PromiseChannel<number>,
  trips: number,
): Promise<number> {
  let last = 0;
  for (let i = 0; i < trips; i++) {
    ping.send(i);
    last = await pong.receive();
  }
  return last;
}

async function promisePonger(ping: PromiseChannel<number>, pong: PromiseChannel<number>, trips: number): Promise<void> {
  for (let i = 0; i < trips; i++) {
    const n = await ping.receive();
    pong.send(n + 1);
  }
}

/** Checks a run's outcome, so a broken variant cannot post a fast figure. */
function expectEqual(actual: unknown, expected: unknown, what: string): void {
  if (actual !== expected) throw new Error(`${what}: expected ${String(expected)}, got ${String(actual)}`);
}

const pingPong: Workload = {
  name: 'queue ping-pong (2 coroutines)',
  unit: 'item delivered',
  size: { full: 200_000, quick: 20_000 },
  run: {
    whirlwind: (items) =>
      loop.runSync(async () => {
        const trips = items / 2;
        const ping = new Queue<number>();
        const pong = new Queue<number>();
        whirlwindPonger(ping, pong, trips);
        expectEqual(await whirlwindPinger(ping, pong, trips), trips, 'whirlwind ping-pong');
      }),
    native: (items) =>
      loop.runSync(async () => {
        const trips = items / 2;
        const ping = new Queue<number>();
        const pong = new Queue<number>();
        void nativePonger(ping, pong, trips);
        expectEqual(await nativePinger(ping, pong, trips), trips, 'native ping-pong');
      }),
    promise: async (items) => {
      const trips = items / 2;
      const ping = new PromiseChannel<number>();
      const pong = new PromiseChannel<number>();
      void promisePonger(ping, pong, trips);
      expectEqual(await promisePinger(ping, pong, trips), trips, 'promise ping-pong');
    },
  },
};

// ---------------------------------------------------------------------------
// Lock hand-off: N coroutines each take the lock `rounds` times, bump a shared
// counter and release. The harness holds the lock while they start, so all of
// them queue up; from then on every release hands the lock to the next in
// line (FIFO) and every op is a hand-off and a coroutine switch. (Without
// that, the first coroutine would take and release a free lock `rounds`
// times without ever waiting, and nothing would be handed off.)

const LOCK_CONTENDERS = 10;

const whirlwindContender = coroutine(function* (lock: Lock, rounds: number, counter: { value: number }) {
  for (let i = 0; i < rounds; i++) {
    const releaser = yield* lock.acquire();
    counter.value++;
    releaser.release();
  }
});

async function nativeContender(lock: Lock, rounds: number, counter: { value: number }): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const releaser = await lock.acquire();
    counter.value++;
    releaser.release();
  }
}

async function promiseContender(mutex: PromiseMutex, rounds: number, counter: { value: number }): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await mutex.lock();
    counter.value++;
    mutex.unlock();
  }
}

/** Starts the contenders while the lock is held, then lets go: from here on, every op is a hand-off. */
async function contend<L>(
  lock: L,
  hold: (lock: L) => PromiseLike<() => void>,
  ops: number,
  contender: (lock: L, rounds: number, counter: { value: number }) => PromiseLike<void>,
  what: string,
): Promise<void> {
  const counter = { value: 0 };
  const rounds = ops / LOCK_CONTENDERS;
  const letGo = await hold(lock);
  const all = Array.from({ length: LOCK_CONTENDERS }, () => contender(lock, rounds, counter));
  letGo();
  await Promise.all(all);
  expectEqual(counter.value, ops, what);
}

const holdLock = async (lock: Lock) => {
  const releaser = await lock.acquire();
  return () => releaser.release();
};

const lockHandOff: Workload = {
  name: `lock hand-off (${LOCK_CONTENDERS} coroutines)`,
  unit: 'hand-off',
  size: { full: 200_000, quick: 20_000 },
  run: {
    whirlwind: (ops) =>
      loop.runSync(() => contend(new Lock(), holdLock, ops, whirlwindContender, 'whirlwind lock hand-off')),
    native: (ops) => loop.runSync(() => contend(new Lock(), holdLock, ops, nativeContender, 'native lock hand-off')),
    promise: (ops) =>
      contend(
        new PromiseMutex(),
        async (mutex) => {
          await mutex.lock();
          return () => mutex.unlock();
        },
        ops,
        promiseContender,
        'promise lock hand-off',
      ),
  },
};

const WORKLOADS = [pingPong, lockHandOff];

// ---------------------------------------------------------------------------

interface Options {
  reps: number;
  quick: boolean;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { reps: SMOKE ? 1 : 9, quick: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--quick') options.quick = true;
    else if (argv[i] === '--reps') options.reps = Number(argv[++i]);
    else throw new Error(`bench/queues: unknown argument ${argv[i]} (expected --reps N, --quick)`);
  }
  if (!Number.isInteger(options.reps) || options.reps < 1)
    throw new Error('bench/queues: --reps must be a positive integer');
  return options;
}

async function timeRun(run: () => PromiseLike<unknown>, ops: number): Promise<number> {
  collectGarbage();
  const start = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - start) / ops;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const round = (value: number) => Math.round(value * 100) / 100;

interface Result {
  workload: string;
  unit: string;
  variant: Variant;
  ops: number;
  nsPerOp: number;
  opsPerSecond: number;
  ratioToNative: number;
  samples: number[];
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const results: Result[] = [];
  for (const workload of WORKLOADS) {
    const ops = SMOKE ? 200 : options.quick ? workload.size.quick : workload.size.full;
    const samples: Record<Variant, number[]> = { whirlwind: [], native: [], promise: [] };
    for (const variant of VARIANTS) await timeRun(() => workload.run[variant](ops), ops); // warm-up
    for (let rep = 0; rep < options.reps; rep++) {
      const order = rep % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      for (const variant of order) samples[variant].push(await timeRun(() => workload.run[variant](ops), ops));
    }
    const nativeMedian = median(samples.native);
    for (const variant of VARIANTS) {
      const nsPerOp = median(samples[variant]);
      results.push({
        workload: workload.name,
        unit: workload.unit,
        variant,
        ops,
        nsPerOp: round(nsPerOp),
        opsPerSecond: Math.round(1e9 / nsPerOp),
        ratioToNative: round(nsPerOp / nativeMedian),
        samples: samples[variant].map(round),
      });
    }
  }

  const describeVariant: Record<Variant, string> = {
    whirlwind: 'gen.coroutine over whirlwind Queue/Lock',
    native: 'async/await over whirlwind Queue/Lock',
    promise: 'async/await over a plain Promise channel/mutex',
  };
  const lines = [
    '| workload | variant | ns per op | ops per second | ratio to native async (same primitives) |',
    '|---|---|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.workload} | ${describeVariant[r.variant]} | ${r.nsPerOp.toFixed(1)} | ${r.opsPerSecond.toLocaleString('en-US')} | ${r.ratioToNative.toFixed(2)}x |`,
    ),
  ];
  const goals = WORKLOADS.map((workload) => {
    const whirlwind = results.find((r) => r.workload === workload.name && r.variant === 'whirlwind')!;
    return {
      workload: workload.name,
      goal: 'whirlwind coroutine within 1.5x of native async/await',
      ratio: whirlwind.ratioToNative,
      met: whirlwind.ratioToNative <= 1.5,
    };
  });
  const machine = `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}`;
  process.stdout.write(
    `${lines.join('\n')}\n\n${goals.map((g) => `- ${g.workload}: whirlwind/native = ${g.ratio.toFixed(2)}x (goal <= 1.5x: ${g.met ? 'met' : 'NOT met'})`).join('\n')}\n` +
      `\n${options.reps} rounds after a warm-up, medians; ${machine}.\n`,
  );

  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const json = {
    suite: 'queues',
    mode: options.quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    machine,
    node: process.version,
    reps: options.reps,
    method:
      'one process; a warm-up run of each variant, then reps rounds alternating variant order; value = median ns per op',
    variants: describeVariant,
    results,
    goals,
  };
  if (!SMOKE) {
    writeFileSync(join(resultsDir, 'queues.json'), `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write('wrote bench/results/queues.json\n');
  }
  loop.close();
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
