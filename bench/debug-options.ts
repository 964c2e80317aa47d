/**
 * What the runner's debugging switches cost (lib/internal/trace-hook.ts):
 *
 * - **stack traces across yields** (`setAsyncStackTraces(true)`, here through
 *   its environment switch `WHIRLWIND_ASYNC_STACKS=1`): every coroutine call
 *   captures its call site, so workload C (a coroutine call, 100 deep) is
 *   where it shows;
 * - **the trace hooks when nothing records**: the runner tests
 *   `traceSink !== null` at each start, yield, resume and finish. Measured
 *   against a copy of the build with those tests (and the call-site ones)
 *   deleted from the compiled runner, on A (yield a done Future: the
 *   tightest loop), B (a resume through the loop) and C.
 *
 * Each cell is the core suite's own (`dist/bench/core.js <workload>
 * whirlwind`) in a fresh process; variants interleaved, both orders, medians
 * of every repetition.
 *
 *     npx tsc -p tsconfig.json && node dist/bench/debug-options.js
 *     BENCH_SMOKE=1 node dist/bench/debug-options.js   # smoke test: one round of smoke cells, writes nothing
 *
 * Prints a markdown table and writes bench/results/debug-options.json.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url)); // dist/bench
const dist = join(here, '..');
const root = join(dist, '..');
/** BENCH_SMOKE=1 (spec/bench-smoke.spec.ts): tiny sizes, one repetition, no results file; the figures mean nothing. */
const SMOKE = process.env.BENCH_SMOKE === '1';
const ROUNDS = SMOKE ? 1 : 4;

interface Variant {
  name: string;
  /** The dist/ directory whose bench/core.js runs the cell. */
  dist: string;
  env: Record<string, string>;
  workloads: string[];
}

/**
 * A copy of dist/ whose compiled runner has no debugging hooks: every
 * `if (traceSink !== null) …;` and `if (callSitesEnabled) …;` statement
 * deleted. Refuses to go on if it finds none (the runner changed shape).
 */
function buildWithoutHooks(): { dir: string; removed: number } {
  const top = mkdtempSync(join(tmpdir(), 'whirlwind-no-hooks-'));
  // The copy keeps the checkout's layout (package.json beside dist/), because package.json's "imports"
  // map (#platform) points into ./dist/lib.
  const dir = join(top, 'dist');
  cpSync(join(dist, 'lib'), join(dir, 'lib'), { recursive: true });
  cpSync(join(dist, 'bench'), join(dir, 'bench'), { recursive: true });
  // ESM resolution of the bench's peers (tslib, co, bluebird) and "type": "module".
  symlinkSync(join(root, 'node_modules'), join(top, 'node_modules'), 'dir');
  writeFileSync(join(top, 'package.json'), readFileSync(join(root, 'package.json')));
  const runnerPath = join(dir, 'lib', 'gen', 'runner.js');
  // tsc puts the guarded call on the line after the `if`.
  const hook = /^[ \t]*if \((?:traceSink !== null|callSitesEnabled)\)\s*[^;{}]*;[ \t]*\n/gm;
  const source = readFileSync(runnerPath, 'utf8');
  const removed = source.match(hook)?.length ?? 0;
  if (removed === 0) throw new Error(`debug-options: no hook statements found in ${runnerPath}; update the pattern`);
  writeFileSync(runnerPath, source.replace(hook, ''));
  return { dir, removed };
}

function runCell(variant: Variant, workload: string): Record<string, number[]> {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', join(variant.dist, 'bench', 'core.js'), workload, 'whirlwind'],
    {
      encoding: 'utf8',
      env: { ...process.env, ...variant.env },
    },
  );
  if (child.status !== 0) throw new Error(`debug-options: ${variant.name} ${workload} failed:\n${child.stderr}`);
  return (JSON.parse(child.stdout.trim().split('\n').pop()!) as { metrics: Record<string, number[]> }).metrics;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const withoutHooks = buildWithoutHooks();
const variants: Variant[] = [
  { name: 'hooks compiled out', dist: withoutHooks.dir, env: {}, workloads: ['A', 'BF', 'C'] },
  { name: 'as shipped (hooks off)', dist, env: { WHIRLWIND_ASYNC_STACKS: '0' }, workloads: ['A', 'BF', 'C'] },
  { name: 'setAsyncStackTraces(true)', dist, env: { WHIRLWIND_ASYNC_STACKS: '1' }, workloads: ['C'] },
];

const cells = variants.flatMap((variant) => variant.workloads.map((workload) => ({ variant, workload })));
const samples = new Map<string, number[]>();
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? cells : [...cells].reverse();
    for (const { variant, workload } of order) {
      const key = `${workload}\t${variant.name}`;
      samples.set(key, [...(samples.get(key) ?? []), ...runCell(variant, workload)[workload]]);
    }
  }
} finally {
  rmSync(dirname(withoutHooks.dir), { recursive: true, force: true }); // the whole temporary checkout
}

const rows = cells.map(({ variant, workload }) => {
  const perOp = median(samples.get(`${workload}\t${variant.name}`)!);
  const baseline = median(samples.get(`${workload}\thooks compiled out`)!);
  return { workload, variant: variant.name, nsPerOp: perOp, ratioToCompiledOut: perOp / baseline };
});

const table = [
  `${ROUNDS} rounds, medians of all repetitions; ${withoutHooks.removed} hook statements deleted from the compiled runner for "hooks compiled out".`,
  '',
  '| workload | variant | per op | vs hooks compiled out |',
  '|---|---|---:|---:|',
  ...rows.map(
    (r) => `| ${r.workload} | ${r.variant} | ${r.nsPerOp.toFixed(1)} ns | ${r.ratioToCompiledOut.toFixed(2)}× |`,
  ),
].join('\n');
console.log(table);

if (!SMOKE) {
  const resultsDir = join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'debug-options.json'),
    `${JSON.stringify({ date: new Date().toISOString(), node: process.version, rounds: ROUNDS, hookStatementsRemoved: withoutHooks.removed, rows, samples: Object.fromEntries(samples) }, null, 2)}\n`,
  );
}
