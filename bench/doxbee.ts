/**
 * The doxbee suite: bluebird's "doxbee" benchmark shape, rewritten for
 * whirlwind. 10,000 uploads run at once against a fake database whose every
 * call answers through a 1 ms timer:
 *
 * - `sequential`: six calls in a row per upload (put the blob, look the file
 *   up, insert a version, insert or update the file, insert the file
 *   version, update the file), as doxbee's `doxbee-sequential`;
 * - `parallel`: 25 inserts at once, wait for all, then one commit call, as
 *   doxbee's `madeup-parallel`.
 *
 * Each runner writes the upload in its own idiom over the same fake calls:
 * `callbacks` (Node-style callbacks, no promises), `bluebird` (bluebird's own
 * promises and `Promise.coroutine`), `co`, `native` (async/await),
 * `whirlwind` (coroutines yielding native Promises; parallel as
 * `yield [promises]`, i.e. a multi), `whirlwind-all` (the same, parallel as
 * `yield Promise.all([...])`) and `whirlwind-task` (`gen.Task` over the
 * callback API; parallel as `yield [tasks]`).
 *
 *     node --expose-gc dist/bench/doxbee.js [--rounds 4] [--quick]
 *     node --expose-gc dist/bench/doxbee.js --cell sequential whirlwind   # one cell, for --cpu-prof
 *     BENCH_SMOKE=1 node dist/bench/doxbee.js   # smoke test: 100 uploads, one round, writes nothing
 *
 * Method as the core suite: each cell in a fresh process (warm-up runs, then
 * timed repetitions), rounds alternate the cell order, a figure is the
 * median of all repetitions, ratios are to native in the same run. Time is
 * ms for the 10,000 uploads (wall time; CPU time with BENCH_CLOCK=cpu); memory is the process's peak resident set
 * (`maxRSS`), which includes Node's own ~40 MB.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Bluebird from 'bluebird';
import co from 'co';
import { multi } from '../lib/gen/convert.js';
import '../lib/ioloop.js'; // the loop the Futures schedule on
import { coroutine } from '../lib/gen/runner.js';
import { Task } from '../lib/gen/task.js';

const RUNNERS = ['callbacks', 'bluebird', 'co', 'native', 'whirlwind', 'whirlwind-all', 'whirlwind-task'] as const;
type RunnerName = (typeof RUNNERS)[number];
const SHAPES = ['sequential', 'parallel'] as const;
type Shape = (typeof SHAPES)[number];

/** BENCH_SMOKE=1 (spec/bench-smoke.spec.ts): tiny sizes, one repetition, no results file; the figures mean nothing. */
const SMOKE = process.env.BENCH_SMOKE === '1';
const UPLOADS = SMOKE ? 100 : 10_000;

/** ns; CPU time of the process with BENCH_CLOCK=cpu (as the core suite), else wall time. */
const CPU_CLOCK = process.env.BENCH_CLOCK === 'cpu';
function now(): number {
  if (!CPU_CLOCK) return Number(process.hrtime.bigint());
  const usage = process.cpuUsage();
  return (usage.user + usage.system) * 1000;
}
const PARALLEL_QUERIES = 25;

// ---------------------------------------------------------------------------
// The fake database: every call answers after 1 ms, in each API style.

type Callback = (error: Error | null, value?: number) => void;
function dbCall(argument: number, callback: Callback): void {
  setTimeout(callback, 1, null, argument);
}
function dbPromise(argument: number): Promise<number> {
  return new Promise<number>((resolve) => setTimeout(resolve, 1, argument));
}
function dbBluebird(argument: number): Bluebird<number> {
  return new Bluebird<number>((resolve) => setTimeout(resolve, 1, argument));
}

// ---------------------------------------------------------------------------
// sequential: six dependent calls per upload.

function callbacksSequential(id: number, done: Callback): void {
  dbCall(id, (e1, blob) => {
    if (e1) return done(e1);
    dbCall(blob!, (e2, file) => {
      if (e2) return done(e2);
      dbCall(file!, (e3, version) => {
        if (e3) return done(e3);
        dbCall(version!, (e4, fileId) => {
          if (e4) return done(e4);
          dbCall(fileId!, (e5, fileVersion) => {
            if (e5) return done(e5);
            dbCall(fileVersion!, done);
          });
        });
      });
    });
  });
}
function* sequentialSteps(call: (argument: number) => unknown, id: number): Generator<unknown, number, any> {
  const blob: number = yield call(id);
  const file: number = yield call(blob);
  const version: number = yield call(file);
  const fileId: number = yield call(version);
  const fileVersion: number = yield call(fileId);
  return (yield call(fileVersion)) as number;
}
const bluebirdSequential = Bluebird.coroutine((id: number) => sequentialSteps(dbBluebird, id));
const coSequential = co.wrap((id: number) => sequentialSteps(dbPromise, id));
async function nativeSequential(id: number): Promise<number> {
  const blob = await dbPromise(id);
  const file = await dbPromise(blob);
  const version = await dbPromise(file);
  const fileId = await dbPromise(version);
  const fileVersion = await dbPromise(fileId);
  return await dbPromise(fileVersion);
}
const whirlwindSequential = coroutine((id: number) => sequentialSteps(dbPromise, id));
const taskCall = (argument: number) => Task(dbCall, argument);
const taskSequential = coroutine((id: number) => sequentialSteps(taskCall, id));

// ---------------------------------------------------------------------------
// parallel: 25 calls at once, then one more.

function callbacksParallel(id: number, done: Callback): void {
  let pending = PARALLEL_QUERIES;
  let failed = false;
  const each: Callback = (error) => {
    if (failed) return;
    if (error) {
      failed = true;
      return done(error);
    }
    if (--pending === 0) dbCall(id, done);
  };
  for (let i = 0; i < PARALLEL_QUERIES; i++) dbCall(i, each);
}
function queries<Q>(call: (argument: number) => Q): Q[] {
  const list = new Array<Q>(PARALLEL_QUERIES);
  for (let i = 0; i < PARALLEL_QUERIES; i++) list[i] = call(i);
  return list;
}
const bluebirdParallel = Bluebird.coroutine(function* (id: number) {
  yield Bluebird.all(queries(dbBluebird));
  return (yield dbBluebird(id)) as number;
});
const coParallel = co.wrap(function* (id: number) {
  yield queries(dbPromise); // co's own multi: a yielded array
  return (yield dbPromise(id)) as number;
});
async function nativeParallel(id: number): Promise<number> {
  await Promise.all(queries(dbPromise));
  return await dbPromise(id);
}
const whirlwindParallel = coroutine(function* (id: number) {
  yield queries(dbPromise); // a multi over native promises
  return (yield dbPromise(id)) as number;
});
const whirlwindAllParallel = coroutine(function* (id: number) {
  yield Promise.all(queries(dbPromise));
  return (yield dbPromise(id)) as number;
});
const taskParallel = coroutine(function* (id: number) {
  yield multi(queries(taskCall));
  return (yield taskCall(id)) as number;
});

// ---------------------------------------------------------------------------

type Upload = (id: number) => PromiseLike<number>;
const UPLOAD: Record<Shape, Record<RunnerName, Upload | null>> = {
  sequential: {
    callbacks: null,
    bluebird: bluebirdSequential,
    co: coSequential,
    native: nativeSequential,
    whirlwind: whirlwindSequential,
    'whirlwind-all': null,
    'whirlwind-task': taskSequential,
  },
  parallel: {
    callbacks: null,
    bluebird: bluebirdParallel,
    co: coParallel,
    native: nativeParallel,
    whirlwind: whirlwindParallel,
    'whirlwind-all': whirlwindAllParallel,
    'whirlwind-task': taskParallel,
  },
};

/** Runs 10,000 uploads at once; resolves with the time in ms. Callbacks count completions without a promise per upload. */
function runUploads(shape: Shape, runner: RunnerName): Promise<number> {
  const start = now();
  const finished = () => (now() - start) / 1e6;
  if (runner === 'callbacks') {
    const upload = shape === 'sequential' ? callbacksSequential : callbacksParallel;
    return new Promise((resolve, reject) => {
      let pending = UPLOADS;
      const done: Callback = (error) => {
        if (error) reject(error);
        else if (--pending === 0) resolve(finished());
      };
      for (let i = 0; i < UPLOADS; i++) upload(i, done);
    });
  }
  const upload = UPLOAD[shape][runner];
  if (upload === null) throw new Error(`doxbee: no ${runner} version of ${shape}`);
  return new Promise((resolve, reject) => {
    let pending = UPLOADS;
    const done = () => {
      if (--pending === 0) resolve(finished());
    };
    for (let i = 0; i < UPLOADS; i++) upload(i).then(done, reject);
  });
}

async function measureCell(shape: Shape, runner: RunnerName, quick: boolean): Promise<{ ms: number[]; rssMB: number }> {
  const warmups = SMOKE ? 1 : quick ? 2 : 4;
  const reps = SMOKE ? 1 : quick ? 3 : 5;
  for (let i = 0; i < warmups; i++) await runUploads(shape, runner);
  const ms: number[] = [];
  for (let i = 0; i < reps; i++) ms.push(await runUploads(shape, runner));
  return { ms, rssMB: process.resourceUsage().maxRSS / 1024 };
}

function cellsOf(): { shape: Shape; runner: RunnerName }[] {
  return SHAPES.flatMap((shape) =>
    RUNNERS.filter((runner) => runner === 'callbacks' || UPLOAD[shape][runner] !== null).map((runner) => ({
      shape,
      runner,
    })),
  );
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes('--quick');
  const cellAt = argv.indexOf('--cell');
  if (cellAt >= 0) {
    const [shape, runner] = [argv[cellAt + 1] as Shape, argv[cellAt + 2] as RunnerName];
    if (!SHAPES.includes(shape) || !RUNNERS.includes(runner)) {
      throw new Error(`doxbee: --cell expects <${SHAPES.join('|')}> <${RUNNERS.join('|')}>, got ${shape} ${runner}`);
    }
    process.stdout.write(`${JSON.stringify(await measureCell(shape, runner, quick))}\n`);
    return;
  }
  const roundsAt = argv.indexOf('--rounds');
  const rounds = roundsAt >= 0 ? Number(argv[roundsAt + 1]) : SMOKE ? 1 : quick ? 2 : 4;
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`doxbee: --rounds expects a positive integer, got ${argv[roundsAt + 1]}`);
  const cells = cellsOf();
  const ms = new Map<string, number[]>();
  const rss = new Map<string, number[]>();
  const self = fileURLToPath(import.meta.url);
  for (let round = 0; round < rounds; round++) {
    for (const { shape, runner } of round % 2 === 0 ? cells : [...cells].reverse()) {
      const args = ['--expose-gc', self, '--cell', shape, runner, ...(quick ? ['--quick'] : [])];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8' });
      if (child.status !== 0) throw new Error(`doxbee: cell ${shape}/${runner} failed:\n${child.stderr}`);
      const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as { ms: number[]; rssMB: number };
      const key = `${shape}/${runner}`;
      ms.set(key, [...(ms.get(key) ?? []), ...result.ms]);
      rss.set(key, [...(rss.get(key) ?? []), result.rssMB]);
      process.stderr.write(
        `  round ${round + 1}/${rounds} ${key.padEnd(26)} ${median(result.ms).toFixed(1)} ms, ${result.rssMB.toFixed(0)} MB\n`,
      );
    }
  }
  const rows = cells.map(({ shape, runner }) => {
    const key = `${shape}/${runner}`;
    const time = median(ms.get(key)!);
    const memory = median(rss.get(key)!);
    const nativeTime = median(ms.get(`${shape}/native`)!);
    const nativeMemory = median(rss.get(`${shape}/native`)!);
    return { shape, runner, ms: time, ratio: time / nativeTime, peakRssMB: memory, rssRatio: memory / nativeMemory };
  });
  const lines = [
    `doxbee shape, ${UPLOADS.toLocaleString('en')} concurrent uploads, fake calls answering through a 1 ms timer;`,
    `${rounds} rounds, medians, ${CPU_CLOCK ? 'CPU time (BENCH_CLOCK=cpu)' : 'wall time'}; ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.`,
    '',
    '| shape | runner | time | vs native | peak RSS | vs native |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.shape} | ${r.runner} | ${r.ms.toFixed(1)} ms | ${r.ratio.toFixed(2)}× | ${r.peakRssMB.toFixed(0)} MB | ${r.rssRatio.toFixed(2)}× |`,
    ),
  ];
  console.log(lines.join('\n'));
  if (SMOKE) return;
  const resultsDir = join(dirname(self), '..', '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, quick ? 'doxbee-quick.json' : 'doxbee.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rounds, quick, clock: CPU_CLOCK ? 'cpu' : 'wall', rows, ms: Object.fromEntries(ms), rssMB: Object.fromEntries(rss) }, null, 2)}\n`,
  );
}

await main();
