/**
 * `npm run bench`: the core suite (whirlwind against native async/await and
 * the other coroutine runners), then every other suite in dist/bench/.
 *
 *     npm run bench                     # full run, a few minutes
 *     npm run bench -- --quick          # core suite only, small sizes, under a minute
 *     npm run bench -- --only A,C       # workloads and/or runners and/or suites by name
 *     npm run bench -- --only whirlwind,native --rounds 4
 *     BENCH_CLOCK=cpu npm run bench     # CPU time, not wall time: for a loaded machine
 *     BENCH_SMOKE=1 npm run bench       # smoke test: every cell and suite at tiny sizes, writes only partial.*
 *
 * Method: each cell (workload × runner) runs in a fresh `node --expose-gc`
 * process (no JIT feedback or heap leaks from one runner into another), which
 * warms up and then times several repetitions. Rounds alternate the order of
 * the cells (forward, then backward) so that drift on a noisy machine lands on
 * every runner alike; a cell's figure is the median of all its repetitions.
 * Ratios are to native async/await measured in the same run.
 *
 * A full run with no --only writes bench/results/latest.json, latest.md and
 * ratios.svg and refreshes the tables in docs/performance.md; a --quick or
 * --only run writes bench/results/partial.json, partial.md and
 * partial-ratios.svg instead, so the committed results stay a full run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROWS, RUNNERS, WORKLOADS, runnersOf, type RunnerName } from './core.js';

type Row = (typeof ROWS)[number];

interface Options {
  quick: boolean;
  rounds: number;
  only: string[];
}

interface CellResult {
  row: Row;
  runner: RunnerName;
  /** Median of every repetition of every round. */
  median: number;
  /** Median of each round, in round order: how stable the figure is across processes. */
  roundMedians: number[];
  samples: number[];
  ratioToNative: number | null;
}

interface Goal {
  goal: string;
  target: string;
  measured: string;
  met: boolean | null;
  note: string;
}

const here = dirname(fileURLToPath(import.meta.url));
/** What the cells time (bench/core.ts `now()`): wall time unless BENCH_CLOCK=cpu. */
const CLOCK = process.env.BENCH_CLOCK === 'cpu' ? 'cpu' : 'wall';
const repositoryRoot = join(here, '..', '..');
const resultsDir = join(repositoryRoot, 'bench', 'results');
const corePath = join(here, 'core.js');
/** Files in dist/bench/ that are not standalone suites. */
const NOT_SUITES = new Set(['run.js', 'core.js']);

function parseOptions(argv: string[]): Options {
  const options: Options = { quick: false, rounds: 0, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') options.quick = true;
    else if (arg === '--only') options.only.push(...(argv[++i] ?? '').split(',').filter(Boolean));
    else if (arg.startsWith('--only=')) options.only.push(...arg.slice(7).split(',').filter(Boolean));
    else if (arg === '--rounds') options.rounds = Number(argv[++i]);
    else throw new Error(`bench: unknown argument ${arg}; expected --quick, --only <names>, --rounds <n>`);
  }
  if (options.rounds === 0) options.rounds = options.quick ? 2 : 4;
  if (!Number.isInteger(options.rounds) || options.rounds < 1)
    throw new Error(`bench: --rounds expects a positive integer, got ${options.rounds}`);
  return options;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The cells `--only` selects: a name filters workloads, runners, or both. */
function selectCells(only: string[]): { workload: string; runner: RunnerName }[] {
  const workloadFilter = only.filter((name) => name in WORKLOADS);
  const runnerFilter = only.filter((name) => (RUNNERS as readonly string[]).includes(name));
  if (only.length > 0 && workloadFilter.length === 0 && runnerFilter.length === 0) return [];
  const cells: { workload: string; runner: RunnerName }[] = [];
  for (const workload of Object.keys(WORKLOADS)) {
    if (workloadFilter.length > 0 && !workloadFilter.includes(workload)) continue;
    for (const runner of runnersOf(workload)) {
      if (runnerFilter.length === 0 || runnerFilter.includes(runner)) cells.push({ workload, runner });
    }
  }
  // Ratios need native measured in the same run.
  for (const workload of new Set(cells.map((cell) => cell.workload))) {
    if (!cells.some((cell) => cell.workload === workload && cell.runner === 'native'))
      cells.push({ workload, runner: 'native' });
  }
  return cells;
}

/**
 * Runs one cell in a fresh process, retrying once (a concurrent rebuild of
 * dist/ can hand a child a half-written file); a cell that fails twice is
 * reported and left out, the others still run.
 */
function runCell(workload: string, runner: RunnerName, quick: boolean): Record<string, number[]> {
  const args = ['--expose-gc', corePath, workload, runner, ...(quick ? ['--quick'] : [])];
  let problem = '';
  for (let attempt = 0; attempt < 2; attempt++) {
    const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
    const lastLine = child.stdout.trim().split('\n').pop() ?? '';
    if (child.status === 0 && lastLine.startsWith('{')) {
      return (JSON.parse(lastLine) as { metrics: Record<string, number[]> }).metrics;
    }
    problem = `exit ${child.status ?? child.signal}, stdout ${JSON.stringify(lastLine.slice(0, 200))}:\n${child.stderr}`;
  }
  process.stderr.write(`bench cell ${workload}/${runner} failed (${problem})\n`);
  process.exitCode = 1;
  return {};
}

function runCore(options: Options, cells: { workload: string; runner: RunnerName }[]): CellResult[] {
  // row → runner → per-round sample lists
  const collected = new Map<string, number[][]>();
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? cells : [...cells].reverse();
    for (const { workload, runner } of order) {
      const cellStart = Date.now();
      const metrics = runCell(workload, runner, options.quick);
      const cellSeconds = (Date.now() - cellStart) / 1000;
      for (const [row, samples] of Object.entries(metrics)) {
        const key = `${row}/${runner}`;
        if (!collected.has(key)) collected.set(key, []);
        collected.get(key)!.push(samples);
      }
      process.stderr.write(
        `  round ${round + 1}/${options.rounds} ${workload.padEnd(2)} ${runner.padEnd(9)} ${Object.entries(metrics)
          .map(([row, s]) => `${row} ${median(s).toFixed(1)}`)
          .join(', ')} (${cellSeconds.toFixed(1)} s)\n`,
      );
    }
  }
  const results: CellResult[] = [];
  for (const row of ROWS) {
    for (const runner of RUNNERS) {
      const rounds = collected.get(`${row}/${runner}`);
      if (rounds === undefined) continue;
      const samples = rounds.flat();
      results.push({
        row,
        runner,
        median: median(samples),
        roundMedians: rounds.map(median),
        samples,
        ratioToNative: null,
      });
    }
  }
  for (const result of results) {
    const native = results.find((other) => other.row === result.row && other.runner === 'native');
    result.ratioToNative = native === undefined ? null : result.median / native.median;
  }
  return results;
}

// ---------------------------------------------------------------------------
// Reporting

const ROW_UNITS: Record<Row, string> = {
  A: 'ns',
  A2: 'ns',
  BF: 'ns',
  BP: 'ns',
  C: 'ns',
  'D-mem': 'B',
  'D-wake': 'ns',
  E: 'ns',
  EP: 'ns',
  EF: 'ns',
  F: 'ns',
  G: 'ns',
  XA: 'ns',
  XF: 'ns',
  'DP-mem': 'B',
  'DP-wake': 'ns',
  PA: 'ns',
};
const ROW_TITLES: Record<Row, string> = {
  A: 'A: yield a done Future / resolved Promise',
  A2: 'A2: yield a plain value',
  BF: 'BF: yield a Future settled on a later iteration',
  BP: 'BP: yield a pending native Promise',
  C: 'C: coroutine call, 100 deep',
  'D-mem': 'D: heap per suspended coroutine',
  'D-wake': 'D: wake 100,000 suspended coroutines',
  E: 'E: yield a failed Future, caught',
  F: 'F: multi over 1,000 children (per child)',
  G: 'G: sleep(0) in 10,000 coroutines',
  EP: 'EP: yield Promise.reject(new Error()), caught',
  EF: 'EF: yield a Future failed with a fresh Error, caught',
  XA: 'XA: await a coroutine call that finished at once',
  XF: 'XF: await a done Future',
  'DP-mem': 'DP: heap per coroutine on a shared Promise',
  'DP-wake': 'DP: wake 100,000 + await Promise.all',
  PA: 'PA: Promise.all over 1,000 coroutine calls',
};

function find(results: CellResult[], row: Row, runner: RunnerName): CellResult | undefined {
  return results.find((result) => result.row === row && result.runner === runner);
}

function formatValue(value: number, unit: string): string {
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)}×`;
}

function markdownTable(results: CellResult[]): string {
  const runners = RUNNERS.filter((runner) => results.some((result) => result.runner === runner));
  const lines = [`| workload | ${runners.join(' | ')} |`, `|---|${runners.map(() => '---:').join('|')}|`];
  for (const row of ROWS) {
    if (!results.some((result) => result.row === row)) continue;
    const cells = runners.map((runner) => {
      const result = find(results, row, runner);
      if (result === undefined) return 'n/a';
      const ratio = result.ratioToNative === null ? '' : ` (${formatRatio(result.ratioToNative)})`;
      return `${formatValue(result.median, ROW_UNITS[row])}${ratio}`;
    });
    lines.push(`| ${ROW_TITLES[row]} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

/** The issue's goals for whirlwind, checked against this run. */
function checkGoals(results: CellResult[]): Goal[] {
  const goals: Goal[] = [];
  const ww = (row: Row) => find(results, row, 'whirlwind')?.median;
  const other = (row: Row, runner: RunnerName) => find(results, row, runner)?.median;
  const atMost = (goal: string, row: Row, runner: RunnerName, factor: number, label: string) => {
    const mine = ww(row);
    const theirs = other(row, runner);
    if (mine === undefined || theirs === undefined) return;
    const ratio = mine / theirs;
    const met = ratio <= factor;
    goals.push({
      goal,
      target: `≤ ${factor}× ${label}`,
      measured: `${formatRatio(ratio)} ${label}`,
      met,
      note: met ? `${formatRatio(factor / ratio)} headroom` : `${formatRatio(ratio / factor)} over`,
    });
  };
  atMost('A: done Future vs native', 'A', 'native', 0.5, 'native');
  atMost('A: done Future vs raw generator floor', 'A', 'raw', 1.5, 'raw');
  goals.push({
    goal: 'A2: plain value',
    target: 'as A',
    measured: 'n/a',
    met: null,
    note: 'whirlwind (as Tornado, co and bluebird) rejects a plain value with BadYieldError',
  });
  for (const row of ['BF', 'BP', 'E'] as const) {
    atMost(`${row} vs native`, row, 'native', 1.2, 'native');
    atMost(`${row} vs co`, row, 'co', 1, 'co');
  }
  // Issue 15: the Promise boundary.
  for (const row of ['XA', 'XF'] as const) {
    atMost(`${row} vs native`, row, 'native', 2, 'native');
    atMost(`${row} vs native (stretch)`, row, 'native', 1.5, 'native');
  }
  for (const row of ['EP', 'EF'] as const) atMost(`${row} vs native`, row, 'native', 1.2, 'native');
  atMost('DP heap vs native', 'DP-mem', 'native', 1.5, 'native');
  atMost('DP wake-up vs native', 'DP-wake', 'native', 2, 'native');
  atMost('PA vs Promise.all over async calls', 'PA', 'native', 1.5, 'native');
  atMost('C vs native', 'C', 'native', 2, 'native');
  atMost('D heap vs native', 'D-mem', 'native', 1.5, 'native');
  atMost('D wake-up vs native', 'D-wake', 'native', 2, 'native');
  for (const row of ['A', 'C', 'D-mem', 'D-wake'] as const)
    atMost(`${row} at least 2× better than co`, row, 'co', 0.5, 'co');
  for (const row of ROWS) {
    const mine = ww(row);
    const theirs = other(row, 'bluebird');
    if (mine === undefined || theirs === undefined) continue;
    const ratio = mine / theirs;
    goals.push({
      goal: `${row} better than bluebird`,
      target: '< 1× bluebird',
      measured: `${formatRatio(ratio)} bluebird`,
      met: ratio < 1,
      note: ratio < 1 ? `${formatRatio(1 / ratio)} faster` : `${formatRatio(ratio)} slower`,
    });
  }
  return goals;
}

function goalsTable(goals: Goal[]): string {
  const lines = ['| goal | target | measured | met |', '|---|---|---|---|'];
  for (const goal of goals) {
    const met = goal.met === null ? '—' : goal.met ? `yes (${goal.note})` : `**no** (${goal.note})`;
    lines.push(`| ${goal.goal} | ${goal.target} | ${goal.measured} | ${goal.met === null ? goal.note : met} |`);
  }
  return lines.join('\n');
}

const RUNNER_COLOURS: Record<RunnerName, string> = {
  whirlwind: '#d62728',
  native: '#7f7f7f',
  tslib: '#1f77b4',
  co: '#2ca02c',
  bluebird: '#9467bd',
  raw: '#ff7f0e',
};

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Horizontal grouped bars of the ratio to native, on a log scale (1× is native). */
function ratioChart(results: CellResult[], subtitle: string): string {
  const runners = RUNNERS.filter((runner) => runner !== 'native' && results.some((result) => result.runner === runner));
  const rows = ROWS.filter((row) => results.some((result) => result.row === row && result.runner !== 'native'));
  const ratios = results.filter((r) => r.runner !== 'native' && r.ratioToNative !== null).map((r) => r.ratioToNative!);
  const low = Math.min(0.1, ...ratios.map((ratio) => ratio / 1.2));
  const high = Math.max(10, ...ratios.map((ratio) => ratio * 1.2));
  const left = 330;
  const plotWidth = 560;
  const barHeight = 11;
  const groupGap = 14;
  const top = 70;
  const groupHeight = runners.length * barHeight + groupGap;
  const height = top + rows.length * groupHeight + 40;
  const width = left + plotWidth + 30;
  const x = (ratio: number) =>
    left + ((Math.log(ratio) - Math.log(low)) / (Math.log(high) - Math.log(low))) * plotWidth;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  parts.push(
    `<text x="10" y="18" font-size="14" font-weight="bold">Time (or bytes) relative to native async/await, log scale: left of 1× is faster (smaller) than native</text>`,
  );
  parts.push(`<text x="10" y="34" fill="#555">${escapeXml(subtitle)}</text>`);
  runners.forEach((runner, i) => {
    const lx = 10 + i * 120;
    parts.push(`<rect x="${lx}" y="44" width="10" height="10" fill="${RUNNER_COLOURS[runner]}"/>`);
    parts.push(`<text x="${lx + 14}" y="53">${runner}</text>`);
  });
  const ticks = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000].filter(
    (t) => t >= low && t <= high,
  );
  const plotBottom = top + rows.length * groupHeight;
  for (const tick of ticks) {
    const tx = x(tick).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${top - 6}" x2="${tx}" y2="${plotBottom}" stroke="${tick === 1 ? '#000' : '#ddd'}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
    );
    parts.push(`<text x="${tx}" y="${plotBottom + 14}" text-anchor="middle">${tick}×</text>`);
  }
  rows.forEach((row, g) => {
    const gy = top + g * groupHeight;
    parts.push(
      `<text x="${left - 8}" y="${gy + (runners.length * barHeight) / 2 + 4}" text-anchor="end">${escapeXml(ROW_TITLES[row])}</text>`,
    );
    runners.forEach((runner, i) => {
      const result = find(results, row, runner);
      const by = gy + i * barHeight;
      if (result === undefined || result.ratioToNative === null) return;
      // Bars grow from the 1× line: leftwards for faster than native, rightwards for slower.
      const one = x(1);
      const end = x(result.ratioToNative);
      const faster = end < one;
      parts.push(
        `<rect x="${Math.min(one, end).toFixed(1)}" y="${by}" width="${Math.max(1, Math.abs(end - one)).toFixed(1)}" height="${barHeight - 2}" fill="${RUNNER_COLOURS[runner]}"><title>${runner} ${row}: ${formatRatio(result.ratioToNative)} native</title></rect>`,
      );
      parts.push(
        `<text x="${(faster ? end - 3 : end + 3).toFixed(1)}" y="${by + barHeight - 3}" font-size="9" fill="#333" text-anchor="${faster ? 'end' : 'start'}">${formatRatio(result.ratioToNative)}</text>`,
      );
    });
  });
  parts.push(
    `<text x="${left + plotWidth / 2}" y="${plotBottom + 30}" text-anchor="middle" fill="#555">ratio to native async/await (1× = native)</text>`,
  );
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repositoryRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Other suites: each dist/bench/<name>.js prints its own table and writes bench/results/<name>.json.

function allSuites(): string[] {
  return readdirSync(here)
    .filter((file) => file.endsWith('.js') && !NOT_SUITES.has(file))
    .map((file) => file.slice(0, -3))
    .sort();
}

function otherSuites(options: Options): string[] {
  if (options.quick) return [];
  const suites = allSuites();
  return options.only.length === 0 ? suites : suites.filter((suite) => options.only.includes(suite));
}

/** A misspelt --only name would silently select nothing: refuse it, listing the names there are. */
function checkOnlyNames(only: string[]): void {
  const known = [...Object.keys(WORKLOADS), ...RUNNERS, ...allSuites()];
  const unknown = only.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new Error(`bench: --only ${unknown.join(',')} names nothing; expected some of ${known.join(', ')}`);
}

function runSuite(name: string): boolean {
  process.stdout.write(`\n## Suite: ${name}\n\n`);
  const child = spawnSync(process.execPath, ['--expose-gc', join(here, `${name}.js`)], { stdio: 'inherit' });
  if (child.status !== 0) process.stderr.write(`bench suite ${name} failed (exit ${child.status ?? child.signal})\n`);
  return child.status === 0;
}

// ---------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = Date.now();
  checkOnlyNames(options.only);
  const cells = selectCells(options.only);
  let failedSuites = 0;
  if (cells.length > 0) {
    const mode = options.quick ? 'quick' : 'full';
    process.stderr.write(
      `core suite (${mode}): ${cells.length} cells × ${options.rounds} rounds, each in a fresh process\n`,
    );
    const results = runCore(options, cells);
    const goals = checkGoals(results);
    const machine = `${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}, ${process.platform}/${process.arch}`;
    const date = new Date().toISOString();
    const subtitle = `${mode} run, ${date.slice(0, 16).replace('T', ' ')} UTC, ${machine}`;
    const table = markdownTable(results);
    const markdown = [
      `# Core benchmark: ${mode} run`,
      '',
      `${date} · ${machine} · commit ${gitCommit() ?? 'unknown'} · ${options.rounds} rounds, medians of all repetitions · ${CLOCK} clock${CLOCK === 'cpu' ? ' (BENCH_CLOCK=cpu: process CPU time, for a loaded machine)' : ''}.`,
      'Each cell: median per op, (ratio to native async/await in this run). D-mem is heap bytes per suspended coroutine.',
      '',
      table,
      '',
      '## Goals (issues 8 and 15), whirlwind',
      '',
      goals.length > 0 ? goalsTable(goals) : '(no whirlwind cells selected)',
      '',
    ].join('\n');
    mkdirSync(resultsDir, { recursive: true });
    const json = {
      suite: 'core',
      mode,
      date,
      machine,
      node: process.version,
      commit: gitCommit(),
      rounds: options.rounds,
      clock: CLOCK,
      method:
        'each cell in a fresh node --expose-gc process: warm-up runs, then timed repetitions; rounds alternate cell order; value = median of all repetitions',
      units: Object.fromEntries(
        ROWS.map((row) => [row, ROW_UNITS[row] === 'B' ? 'bytes per suspended coroutine' : 'ns per op']),
      ),
      workloads: Object.fromEntries(Object.entries(WORKLOADS).map(([name, workload]) => [name, workload.unit])),
      results: results.map((result) => ({
        ...result,
        median: round(result.median),
        ratioToNative: result.ratioToNative === null ? null : round(result.ratioToNative),
        roundMedians: result.roundMedians.map(round),
        samples: result.samples.map(round),
      })),
      goals,
    };
    // Only a full, unfiltered run replaces the committed results (and the
    // tables in docs/performance.md); --quick, --only and BENCH_SMOKE=1 runs go to partial.*.
    const complete = !options.quick && options.only.length === 0 && process.env.BENCH_SMOKE !== '1';
    const [jsonName, mdName, svgName] = complete
      ? ['latest.json', 'latest.md', 'ratios.svg']
      : ['partial.json', 'partial.md', 'partial-ratios.svg'];
    writeFileSync(join(resultsDir, jsonName), `${JSON.stringify(json, null, 2)}\n`);
    writeFileSync(join(resultsDir, mdName), markdown);
    writeFileSync(join(resultsDir, svgName), ratioChart(results, subtitle));
    if (complete) updatePerformanceDoc(markdown);
    process.stdout.write(
      `${markdown}\nwrote bench/results/${jsonName}, ${mdName}, ${svgName} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
    );
  }
  for (const suite of otherSuites(options)) if (!runSuite(suite)) failedSuites++;
  if (failedSuites > 0) process.exitCode = 1;
}

/**
 * A full, unfiltered run also refreshes the tables in docs/performance.md
 * (between its bench:core markers), so the page shows the latest run.
 */
function updatePerformanceDoc(markdown: string): void {
  const page = join(repositoryRoot, 'docs', 'performance.md');
  if (!existsSync(page)) return;
  const text = readFileSync(page, 'utf8');
  const start = '<!-- bench:core:start -->';
  const end = '<!-- bench:core:end -->';
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) return;
  // The page has its own headings: demote the report's by two levels.
  const body = markdown.replace(/^# .*\n\n/, '').replace(/^## /gm, '#### ');
  writeFileSync(page, `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

await main();
