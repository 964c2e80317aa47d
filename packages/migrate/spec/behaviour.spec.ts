/**
 * Behaviour, not just text: every program of the corpus runs twice, as
 * written and as `whirlwind migrate` rewrote it, and the two transcripts
 * (stdout, stderr without stack frames, exit status) are compared. A
 * difference is allowed only in a program where the tool emitted a flag, and
 * a program that declares `// expect-difference: <kind>` must show the
 * difference and carry that flag. The rewritten TypeScript must compile,
 * except on a line the tool flagged.
 *
 * The corpus: the programs in spec/corpus/, every coroutine program among the
 * docs' code blocks (docs/generated/manifest.json, made by `npm run build`),
 * and examples/migration/'s stage 2 (default options and --keep-future).
 */
import { expect } from 'chai';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { migrateSource, type Flag, type MigrateOptions } from '../src/index.js';
import { packageRoot, repositoryRoot } from './support.js';

interface Program {
  id: string;
  /** Where it comes from, for messages. */
  origin: string;
  /** The file the tool rewrites, and the entry point that runs. */
  file: string;
  source: string;
  /** Files copied unchanged next to it. */
  companions: Record<string, string>;
  entry: string;
  options: MigrateOptions;
  expectDifference: string[];
}

interface Outcome {
  program: Program;
  flags: Flag[];
  migrated: string;
  original: string[];
  rewritten: string[];
}

const corpusDir = join(packageRoot, 'spec', 'corpus');
// Inside the repository, so `import ... from 'whirlwind'` resolves to this checkout through its exports map.
const work = join(repositoryRoot, 'dist', 'migrate-corpus');
const COROUTINE_PATTERN = /\bcoroutine\b|\bco\(function|\bco\.wrap\(/;

function header(source: string, key: string): string | undefined {
  return new RegExp(`^// ${key}: (.*)$`, 'm').exec(source)?.[1];
}

function corpusPrograms(): Program[] {
  return readdirSync(corpusDir)
    .sort()
    .map((name) => {
      const source = readFileSync(join(corpusDir, name), 'utf8');
      const ext = extname(name);
      const options = header(source, 'migrate-options');
      return {
        id: `corpus-${name.slice(0, -ext.length)}`,
        origin: `spec/corpus/${name}`,
        file: `main${ext}`,
        source,
        companions: {},
        entry: ext === '.ts' ? 'main.js' : `main${ext}`,
        options: options === undefined ? {} : (JSON.parse(options) as MigrateOptions),
        expectDifference: (header(source, 'expect-difference') ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      };
    });
}

interface DocBlock {
  page: string;
  line: number;
  run: boolean;
  code: string;
}

/** The docs' runnable blocks that define a coroutine (a translated page's copy of a block counts once). */
function docsPrograms(): Program[] {
  const manifest = join(repositoryRoot, 'docs', 'generated', 'manifest.json');
  if (!existsSync(manifest)) throw new Error(`${manifest} is missing: run \`npm run build\` first`);
  const seen = new Set<string>();
  const programs: Program[] = [];
  for (const block of JSON.parse(readFileSync(manifest, 'utf8')) as DocBlock[]) {
    // A block that runs the tool itself (the guide's migration chapter) is not a coroutine program.
    if (!block.run || !COROUTINE_PATTERN.test(block.code) || block.code.includes("'whirlwind-migrate'")) continue;
    if (seen.has(block.code)) continue;
    seen.add(block.code);
    programs.push({
      id: `docs-${block.page.replace(/^docs\//, '').replace(/[^\w]+/g, '-')}-${block.line}`,
      origin: `${block.page}:${block.line}`,
      file: 'main.ts',
      source: `${block.code}\nexport {};\n`,
      companions: {},
      entry: 'main.js',
      options: {},
      expectDifference: [],
    });
  }
  return programs;
}

function migrationExamplePrograms(): Program[] {
  const dir = join(repositoryRoot, 'examples', 'migration');
  const read = (name: string) => readFileSync(join(dir, name), 'utf8');
  const driver = [
    "import { runScenario } from './scenario.js';",
    "import { startPackageServer } from './server.js';",
    "import { PackageCache } from './stage2-coroutine.js';",
    'const server = await startPackageServer();',
    'try {',
    '  for (const line of await runScenario((dir, url) => new PackageCache(dir, url), server)) console.log(line);',
    '} finally {',
    '  await server.close();',
    '}',
    '',
  ].join('\n');
  const base = {
    origin: 'examples/migration/stage2-coroutine.ts',
    file: 'stage2-coroutine.ts',
    source: read('stage2-coroutine.ts'),
    companions: { 'scenario.ts': read('scenario.ts'), 'server.ts': read('server.ts'), 'main.ts': driver },
    entry: 'main.js',
  };
  return [
    { ...base, id: 'examples-migration-stage2', options: {}, expectDifference: ['future-use'] },
    { ...base, id: 'examples-migration-stage2-keep-future', options: { keepFuture: true }, expectDifference: [] },
  ];
}

function writeProgram(root: string, program: Program, text: string): void {
  const dir = join(root, program.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, program.file), text);
  for (const [name, companion] of Object.entries(program.companions)) writeFileSync(join(dir, name), companion);
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'ESNext.Disposable'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
    outDir: 'out',
    rootDir: '.',
    noEmitOnError: false,
  },
  include: ['original/**/*.ts', 'migrated/**/*.ts'],
};

/** tsc's errors, as `variant/id/file.ts:line: message`. */
function compile(): string[] {
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
  const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(work, 'tsconfig.json')], { cwd: work, encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .map((line) => /^(.+?)\((\d+),\d+\): (error .*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => `${match[1]}:${match[2]}: ${match[3]}`);
}

const RUNNER = `import { pathToFileURL } from 'node:url';
const module = await import(pathToFileURL(process.argv[2]).href);
if (typeof module.default === 'function') await module.default();
`;

/** What a program printed, without what differs between two copies of it (paths, stack frames, positions). */
function transcript(stdout: string, stderr: string, status: number | string): string[] {
  const clean = (text: string) =>
    text
      .split('\n')
      .filter((line) => !/^\s+at /.test(line) && !/^Node\.js v/.test(line))
      .map((line) => line.replace(/\S*migrate-corpus\/(out\/)?(original|migrated)\/[\w-]+\//g, '<program>/'))
      .map((line) => line.replace(/(\.[mc]?[jt]s):\d+(:\d+)?/g, '$1'))
      .map((line) => line.replace(/^\[([DIWEC]) \d{6} \d\d:\d\d:\d\d /, '[$1 ')); // log records carry the time
  return [...clean(stdout), '-- stderr --', ...clean(stderr), `-- exit ${status} --`];
}

const run = promisify(execFile);

async function runProgram(variant: 'original' | 'migrated', program: Program): Promise<string[]> {
  const root = program.entry.endsWith('.js') ? join(work, 'out', variant) : join(work, variant);
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [join(work, 'run.mjs'), join(root, program.id, program.entry)],
      {
        cwd: work,
        timeout: 120_000, // a shared, loaded machine: generous, so a slow start is not a difference
        encoding: 'utf8',
      },
    );
    return transcript(stdout, stderr, 0);
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; code?: number | string; killed?: boolean };
    return transcript(failed.stdout ?? '', failed.stderr ?? '', failed.killed ? 'timeout' : (failed.code ?? 'unknown'));
  }
}

async function inPairs<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

/** The flag whose comment stands above `line` of `text` (1-based), if any. */
function flagAt(flags: Flag[], line: number): Flag | undefined {
  return flags.find((flag) => flag.line === line);
}

const programs = [...corpusPrograms(), ...docsPrograms(), ...migrationExamplePrograms()];

describe('whirlwind migrate: behaviour over a corpus of coroutine programs', function () {
  this.timeout(15 * 60_000);
  const outcomes = new Map<string, Outcome>();
  let compileErrors: string[] = [];

  before(async () => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    writeFileSync(join(work, 'run.mjs'), RUNNER);
    const migrated = new Map<string, { output: string; flags: Flag[] }>();
    for (const program of programs) {
      const result = migrateSource(program.source, program.file, program.options);
      migrated.set(program.id, { output: result.output, flags: result.flags });
      writeProgram(join(work, 'original'), program, program.source);
      writeProgram(join(work, 'migrated'), program, result.output);
    }
    compileErrors = compile();
    const transcripts = await inPairs(programs, async (program) => [
      await runProgram('original', program),
      await runProgram('migrated', program),
    ]);
    programs.forEach((program, index) => {
      const { output, flags } = migrated.get(program.id)!;
      const [original, rewritten] = transcripts[index];
      outcomes.set(program.id, { program, flags, migrated: output, original, rewritten });
    });
    writeFileSync(join(work, 'summary.json'), JSON.stringify(summarize([...outcomes.values()]), null, 2));
  });

  it(`holds at least 30 programs (it holds ${programs.length})`, () => {
    expect(programs.length).to.be.at.least(30);
  });

  it('compiles every original TypeScript program', () => {
    expect(compileErrors.filter((error) => error.startsWith('original/'))).to.deep.equal([]);
  });

  // Where a coroutine's result is used as a Future (future-use, cancel), its type changes from
  // Future to Promise wherever it flows: those programs may fail to compile (--keep-future avoids it).
  it('leaves every rewritten TypeScript program compiling, except on flagged lines or where a Future became a Promise', () => {
    const unexplained = compileErrors.filter((error) => {
      const match = /^migrated\/([\w-]+)\/([\w.-]+):(\d+): /.exec(error);
      if (!match) return false;
      const outcome = outcomes.get(match[1])!;
      if (outcome.flags.some((flag) => flag.kind === 'future-use' || flag.kind === 'cancel')) return false;
      return match[2] !== outcome.program.file || flagAt(outcome.flags, Number(match[3])) === undefined;
    });
    expect(unexplained).to.deep.equal([]);
  });

  for (const program of programs) {
    it(`${program.origin}: same transcript, or a difference the flags explain`, () => {
      const outcome = outcomes.get(program.id)!;
      const kinds = [...new Set(outcome.flags.map((flag) => flag.kind))];
      if (JSON.stringify(outcome.original) === JSON.stringify(outcome.rewritten)) {
        expect(program.expectDifference, 'a difference the program declares did not show').to.deep.equal([]);
        return;
      }
      expect(kinds, `transcripts differ with no flag:\n${describeDifference(outcome)}`).to.not.be.empty;
      for (const kind of program.expectDifference) expect(kinds, describeDifference(outcome)).to.include(kind);
    });

    it(`${program.origin}: changes nothing when migrated again`, () => {
      const outcome = outcomes.get(program.id)!;
      const again = migrateSource(outcome.migrated, program.file, program.options);
      expect(again.output).to.equal(outcome.migrated);
    });
  }
});

function describeDifference(outcome: Outcome): string {
  return `original:\n  ${outcome.original.join('\n  ')}\nmigrated:\n  ${outcome.rewritten.join('\n  ')}`;
}

function summarize(outcomes: Outcome[]) {
  return {
    programs: outcomes.length,
    convertedWithNoFlag: outcomes.filter((o) => o.flags.length === 0).length,
    sameTranscript: outcomes.filter((o) => JSON.stringify(o.original) === JSON.stringify(o.rewritten)).length,
    differences: outcomes
      .filter((o) => JSON.stringify(o.original) !== JSON.stringify(o.rewritten))
      .map((o) => ({
        program: o.program.origin,
        flags: o.flags.map((f) => `${f.line} ${f.kind}`),
        original: o.original,
        migrated: o.rewritten,
      })),
    flaggedButSame: outcomes
      .filter((o) => o.flags.length > 0 && JSON.stringify(o.original) === JSON.stringify(o.rewritten))
      .map((o) => ({ program: o.program.origin, flags: o.flags.map((f) => `${f.line} ${f.kind}`) })),
  };
}
