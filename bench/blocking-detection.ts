/**
 * What `IOLoop.setBlockingLogThreshold` costs: the same workloads with the
 * threshold off and on (at a threshold nothing reaches, so no warning is
 * logged and only the timing itself is measured).
 *
 *     npx tsc -p tsconfig.json && node --expose-gc dist/bench/blocking-detection.js
 *     BENCH_SMOKE=1 node --expose-gc dist/bench/blocking-detection.js   # smoke test: 1/100 of the sizes, one rep
 *
 * Prints ns per callback (or per coroutine step) off and on, medians of
 * interleaved repetitions, and the difference.
 */
import { Future } from '../lib/concurrent.js';
import { coroutine } from '../lib/gen/runner.js';
import { IOLoop } from '../lib/ioloop.js';

/** BENCH_SMOKE=1 (spec/bench-smoke.spec.ts): 1/100 of the sizes, one repetition; the figures mean nothing. */
const SMOKE = process.env.BENCH_SMOKE === '1';
const REPETITIONS = SMOKE ? 1 : 7;

/** 1,000,000 plain callbacks, 1,000 per loop iteration. */
function callbacks(loop: IOLoop): Promise<number> {
  const perIteration = 1000;
  const rounds = SMOKE ? 10 : 1000;
  return new Promise((resolve) => {
    let round = 0;
    const noop = () => undefined;
    const next = () => {
      if (++round === rounds) return resolve(perIteration * rounds);
      for (let i = 0; i < perIteration - 1; i++) loop.addCallback(noop);
      loop.addCallback(next);
    };
    loop.addCallback(next);
  });
}

/** 200,000 coroutine steps, each resumed through the ready queue by a Future another callback resolves. */
function coroutineSteps(loop: IOLoop): Promise<number> {
  const steps = SMOKE ? 2000 : 200_000;
  const run = coroutine(function* () {
    for (let i = 0; i < steps; i++) {
      const future = new Future<number>();
      loop.addCallback(() => future.setResult(i));
      yield future;
    }
  });
  return Promise.resolve(loop.runSync(() => run())).then(() => steps);
}

async function measure(workload: (loop: IOLoop) => Promise<number>, thresholdOn: boolean): Promise<number> {
  const loop = new IOLoop();
  loop.makeCurrent();
  if (thresholdOn) loop.setBlockingLogThreshold(60);
  (globalThis as { gc?: () => void }).gc?.();
  const started = process.hrtime.bigint();
  const ops = await workload(loop);
  const elapsed = Number(process.hrtime.bigint() - started);
  loop.close();
  return elapsed / ops;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const [name, workload] of [
  ['callbacks', callbacks],
  ['coroutine steps', coroutineSteps],
] as const) {
  await measure(workload, false); // warm-up
  await measure(workload, true);
  const off: number[] = [];
  const on: number[] = [];
  for (let i = 0; i < REPETITIONS; i++) {
    // Interleaved, alternating which goes first, so drift hits both alike.
    if (i % 2 === 0) {
      off.push(await measure(workload, false));
      on.push(await measure(workload, true));
    } else {
      on.push(await measure(workload, true));
      off.push(await measure(workload, false));
    }
  }
  const offNs = median(off);
  const onNs = median(on);
  console.log(
    `${name.padEnd(16)} off ${offNs.toFixed(1).padStart(7)} ns/op   on ${onNs.toFixed(1).padStart(7)} ns/op   ` +
      `+${(onNs - offNs).toFixed(1)} ns (+${(((onNs - offNs) / offNs) * 100).toFixed(0)}%)`,
  );
}
