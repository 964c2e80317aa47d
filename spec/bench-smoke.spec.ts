/**
 * The benchmarks must not rot: a suite that no longer loads (a moved module)
 * or a runner that no longer does its work would otherwise go unnoticed until
 * the next full `npm run bench`. Every cell of the core suite and every other
 * suite `npm run bench` runs is started here with BENCH_SMOKE=1 (tiny sizes,
 * one repetition, no results file), each in its own process as the bench
 * runs it.
 *
 * No figure is compared with a goal or another figure (the machine is shared
 * and the sizes are tiny): a cell passes when it exits 0 and prints a finite,
 * positive figure under every name the tables expect; the workloads check
 * their own op counts, so a runner that skips its work fails there.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'chai';

const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench'); // dist/bench
const root = join(benchDir, '..', '..');
const corePath = join(benchDir, 'core.js');
const resultsDir = join(root, 'bench', 'results');
/** Wall clock: CPU time at these sizes can read 0 on a coarse clock. */
const SMOKE_ENV = { ...process.env, BENCH_SMOKE: '1', BENCH_CLOCK: 'wall' };
/** A child that runs longer than this is hung (a runner that never resumes), not slow. */
const CHILD_TIMEOUT_MS = 90_000;
/** Per `it`: a few children one after another on a loaded two-core machine. */
const IT_TIMEOUT_MS = 240_000;

interface Outcome {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runNode(args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: SMOKE_ENV, timeout: CHILD_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** Runs `work` over `items`, at most one per core at a time, in order of the results. */
async function onEachCore<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), items.length) }, worker));
  return results;
}

function describeFailure(what: string, outcome: Outcome): string {
  const how = outcome.signal !== null ? `killed by ${outcome.signal} (hung?)` : `exit ${outcome.status}`;
  return `${what}: ${how}\n${outcome.stderr.trim().split('\n').slice(-15).join('\n')}`;
}

// ---------------------------------------------------------------------------
// What to run, asked of the built bench itself so that a new workload, runner
// or suite is covered without editing this file.

interface CoreCatalogue {
  /** Workload → the runners that can express it (bench/core.ts `runnersOf`). */
  workloads: Record<string, string[]>;
  /** The rows of the tables (bench/core.ts `ROWS`). */
  rows: string[];
}

function listCoreCells(): CoreCatalogue | Error {
  const program = `
    const core = await import(${JSON.stringify(pathToFileURL(corePath).href)});
    const workloads = Object.fromEntries(Object.keys(core.WORKLOADS).map((name) => [name, core.runnersOf(name)]));
    process.stdout.write(JSON.stringify({ workloads, rows: core.ROWS }));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', cwd: root });
  if (child.status !== 0) return new Error(`dist/bench/core.js does not load:\n${child.stderr}`);
  return JSON.parse(child.stdout) as CoreCatalogue;
}

/** The suites `npm run bench` runs after the core suite: the same rule as bench/run.ts's `allSuites`. */
function listOtherSuites(): string[] {
  return readdirSync(benchDir)
    .filter((file) => file.endsWith('.js') && file !== 'run.js' && file !== 'core.js')
    .map((file) => file.slice(0, -3))
    .sort();
}

/** The rows a workload's cell must print: its own name, or `<name>-…` for the ones that report several. */
function rowsOf(workload: string, rows: readonly string[]): string[] {
  return rows.filter((row) => row === workload || row.startsWith(`${workload}-`));
}

/** Everything wrong with one core cell's run, empty when it ran and printed what the tables expect. */
function problemsOfCell(workload: string, runner: string, rows: string[], outcome: Outcome): string[] {
  const where = `${workload}/${runner}`;
  if (outcome.status !== 0) return [describeFailure(where, outcome)];
  const lastLine = outcome.stdout.trim().split('\n').pop() ?? '';
  let printed: { workload?: unknown; runner?: unknown; metrics?: Record<string, unknown> };
  try {
    printed = JSON.parse(lastLine);
  } catch {
    return [`${where}: last line of output is not JSON: ${JSON.stringify(lastLine.slice(0, 200))}`];
  }
  const problems: string[] = [];
  if (printed.workload !== workload || printed.runner !== runner)
    problems.push(`${where}: printed the cell ${String(printed.workload)}/${String(printed.runner)}`);
  const metrics = printed.metrics ?? {};
  for (const row of rows) if (!(row in metrics)) problems.push(`${where}: no ${row} figure`);
  for (const [name, samples] of Object.entries(metrics)) {
    if (name !== workload && !name.startsWith(`${workload}-`))
      problems.push(`${where}: prints ${name}, which is not one of its rows`);
    const good = Array.isArray(samples) && samples.length > 0;
    // A heap figure (D-mem, DP-mem) is a difference of heapUsed: at smoke sizes V8's own allocations
    // can outweigh the coroutines' (raw D-mem measured -103 B once), so only its finiteness is checked.
    const isHeapDelta = name.endsWith('-mem');
    const fits = (value: unknown) => typeof value === 'number' && Number.isFinite(value) && (isHeapDelta || value > 0);
    if (!good || !samples.every(fits))
      problems.push(
        `${where}: ${name} is ${JSON.stringify(samples)}, expected finite ${isHeapDelta ? '' : 'positive '}figures`,
      );
  }
  return problems;
}

// ---------------------------------------------------------------------------
// What a smoke run must leave alone: the committed results and the tables
// in docs/performance.md (bench/results/partial* is git-ignored scratch).

function fingerprintOfResults(): Record<string, string> {
  const files = existsSync(resultsDir)
    ? readdirSync(resultsDir)
        .filter((file) => !file.startsWith('partial'))
        .map((file) => join(resultsDir, file))
    : [];
  files.push(join(root, 'docs', 'performance.md'));
  return Object.fromEntries(
    files
      .filter((file) => existsSync(file) && statSync(file).isFile())
      .map((file) => [relative(root, file), createHash('sha256').update(readFileSync(file)).digest('hex')]),
  );
}

/** `git status` of the checkout, or null outside a git checkout (e.g. an unpacked tarball). */
function gitStatus(): string | null {
  try {
    return execFileSync('git', ['status', '--porcelain=v1', '--untracked-files=all'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------

const core = listCoreCells();

describe('the benchmarks, smoke-tested (BENCH_SMOKE=1: tiny sizes, figures not judged)', () => {
  let statusBefore: string | null = null;
  let resultsBefore: Record<string, string> = {};
  before(() => {
    statusBefore = gitStatus();
    resultsBefore = fingerprintOfResults();
  });

  describe('core suite (dist/bench/core.js <workload> <runner>)', () => {
    it('loads and lists its workloads and runners', () => {
      if (core instanceof Error) throw core;
      expect(Object.keys(core.workloads)).to.not.be.empty;
    });

    const catalogue = core instanceof Error ? { workloads: {}, rows: [] } : core;
    for (const [workload, runners] of Object.entries(catalogue.workloads)) {
      const rows = rowsOf(workload, catalogue.rows);
      const figures = `finite ${rows.join(', ')} (times positive)`;
      it(`${workload}: every runner (${runners.join(', ')}) exits 0 and prints ${figures}`, async function () {
        this.timeout(IT_TIMEOUT_MS);
        expect(rows, `the tables have no row for workload ${workload}`).to.not.be.empty;
        const outcomes = await onEachCore(runners, (runner) => runNode(['--expose-gc', corePath, workload, runner]));
        const problems = runners.flatMap((runner, i) => problemsOfCell(workload, runner, rows, outcomes[i]));
        expect(problems.join('\n\n')).to.equal('');
      });
    }
  });

  describe('the other suites (dist/bench/<suite>.js, as npm run bench runs them)', () => {
    for (const suite of listOtherSuites()) {
      it(`${suite}: exits 0 and prints figures with no NaN`, async function () {
        this.timeout(IT_TIMEOUT_MS);
        const outcome = await runNode(['--expose-gc', join(benchDir, `${suite}.js`)]);
        if (outcome.status !== 0) throw new Error(describeFailure(suite, outcome));
        expect(outcome.stdout.trim(), `${suite} printed nothing`).to.not.equal('');
        expect(outcome.stdout).to.not.match(/NaN/);
      });
    }
  });

  describe('npm run bench -- --quick --only (dist/bench/run.js)', () => {
    it('runs one cell and its native reference and writes them to bench/results/partial.json', async function () {
      this.timeout(IT_TIMEOUT_MS);
      const started = Date.now();
      const outcome = await runNode([join(benchDir, 'run.js'), '--quick', '--only', 'A,whirlwind']);
      if (outcome.status !== 0) throw new Error(describeFailure('run.js --quick --only A,whirlwind', outcome));
      expect(outcome.stdout).to.contain('wrote bench/results/partial.json');
      const partial = JSON.parse(readFileSync(join(resultsDir, 'partial.json'), 'utf8')) as {
        mode: string;
        date: string;
        results: { row: string; runner: string; median: number }[];
      };
      expect(partial.mode).to.equal('quick');
      expect(Date.parse(partial.date)).to.be.at.least(started - 1000);
      const cells = partial.results.map((result) => `${result.row}/${result.runner}`).sort();
      expect(cells).to.deep.equal(['A/native', 'A/whirlwind']);
      for (const result of partial.results) expect(result.median).to.be.finite.and.above(0);
    });
  });

  // A suite's own tests run before its nested suites: this one is nested, and last.
  describe('afterwards', () => {
    it('leaves the committed results, docs/performance.md and git status as they were', () => {
      expect(fingerprintOfResults()).to.deep.equal(resultsBefore);
      expect(gitStatus()).to.equal(statusBefore);
    });
  });
});
