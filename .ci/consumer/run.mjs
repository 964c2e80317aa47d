// The consumer test: whirlwind as a user gets it. Packs the repository, checks the tarball with publint and
// @arethetypeswrong/cli, installs it into a fresh temporary project and there imports every entry point as
// ESM, requires it from CommonJS, compiles a strict consumer with TypeScript 5.9 and 7 (skipLibCheck false)
// without and then with @types/mocha, runs a mocha spec that uses whirlwind/testing, and bundles the core
// with esbuild. Prints one line per check and ends with "consumer: N passed, N failed" (read by .ci/run).
//
//   node .ci/consumer/run.mjs            (KEEP_CONSUMER=1 keeps the temporary folder for a look)
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'whirlwind-consumer-'));
const project = join(work, 'project');
const repoPackage = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));

/** The versions the repository itself builds and tests with, so the consumer sees the same tools. */
const devVersion = (name) => `${name}@${repoPackage.devDependencies[name]}`;
const TOOLS = {
  typescript59: 'ts59@npm:typescript@~5.9.0',
  typescript7: `ts7@npm:typescript@${repoPackage.devDependencies.typescript}`,
  typesNode: devVersion('@types/node'),
  esbuild: 'esbuild@^0.28.0',
  mocha: [devVersion('mocha'), devVersion('@types/mocha')],
};
const SHIPPED_AT_TOP = new Set(['package.json', 'README.md', 'LICENSE']);
const SHIPPED_FOLDERS = ['dist/lib/', 'lib/'];

const results = [];
let tarball = null;
let failedPrerequisite = null;

/** Runs one check; a check whose prerequisite failed is counted as failed too, so the total never shrinks. */
function check(name, fn, { prerequisite = false } = {}) {
  const started = Date.now();
  let outcome;
  try {
    if (failedPrerequisite !== null) throw new Error(`not run: ${failedPrerequisite} failed`);
    const detail = fn();
    outcome = { ok: true, detail };
  } catch (error) {
    outcome = { ok: false, detail: error instanceof Error ? error.message : String(error) };
    if (prerequisite && failedPrerequisite === null) failedPrerequisite = name;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  results.push({ name, ok: outcome.ok });
  if (outcome.ok) console.log(`ok    ${name}${outcome.detail ? `: ${outcome.detail}` : ''} (${seconds}s)`);
  else console.log(`FAIL  ${name} (${seconds}s)\n${outcome.detail.replace(/^/gm, '      ')}`);
}

/** Runs a command to completion; throws with its output if it fails. */
function run(command, args, cwd = project) {
  const child = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 5 * 60_000, env: withoutNpmConfig() });
  if (child.error) throw child.error;
  if (child.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited with ${child.status ?? child.signal}\n${child.stdout}${child.stderr}`.trim(),
    );
  }
  return child.stdout;
}

/** npm settings of an outer `npm run` (prefix, workspace...) must not leak into the consumer's installs. */
function withoutNpmConfig() {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
}

/** npm pack --json's report (a build's output may come before it). */
const packJson = (stdout) => stdout.slice(stdout.search(/^\[$/m));
const lastLine = (text) => stripVTControlCharacters(text).trim().split('\n').at(-1);
const repoBin = (name) => join(repo, 'node_modules', '.bin', name);
const projectBin = (name) => join(project, 'node_modules', '.bin', name);
const tsc = (alias) => join(project, 'node_modules', alias, 'bin', 'tsc');

/** Every file an `exports` or `imports` entry can resolve to, through nested conditions (`node`, `browser`, `types`...). */
function exportTargets(target) {
  if (typeof target === 'string') return [target];
  if (target === null) return [];
  return Object.values(target).flatMap(exportTargets);
}

function listFiles(root, prefix = '') {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(root, path) : [path];
  });
}

check(
  'npm pack',
  () => {
    const [packed] = JSON.parse(packJson(run('npm', ['pack', '--json', '--pack-destination', work], repo)));
    tarball = { ...packed, path: join(work, packed.filename) };
    mkdirSync(join(work, 'unpacked'));
    run('tar', ['-xzf', tarball.path, '-C', join(work, 'unpacked')], work);
    return `${packed.filename}, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked, ${packed.entryCount} files`;
  },
  { prerequisite: true },
);

check(
  'tarball: only the runtime, its sources, README and LICENSE; every worker, exports/imports and map target inside',
  () => {
    const root = join(work, 'unpacked', 'package');
    const files = new Set(listFiles(root));
    const problems = [];
    const workers = new Set();
    for (const file of files) {
      if (!SHIPPED_AT_TOP.has(file) && !SHIPPED_FOLDERS.some((folder) => file.startsWith(folder)))
        problems.push(`unexpected ${file}`);
    }
    for (const name of SHIPPED_AT_TOP) if (!files.has(name)) problems.push(`missing ${name}`);
    const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    for (const field of ['exports', 'imports']) {
      for (const [subpath, target] of Object.entries(packageJson[field] ?? {})) {
        for (const file of exportTargets(target)) {
          if (!files.has(posix.normalize(file))) problems.push(`${field} ${subpath} -> ${file} is not shipped`);
        }
      }
    }
    for (const file of files) {
      const text =
        file.endsWith('.js') || file.endsWith('.map') || file.endsWith('.d.ts')
          ? readFileSync(join(root, file), 'utf8')
          : '';
      const at = posix.dirname(file);
      // A worker thread's entry point is found at run time, next to the module that starts it.
      // (Lines of code only: doc comments show examples of the user's own worker modules.)
      const code = text
        .split('\n')
        .filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line))
        .join('\n');
      for (const [, relative] of code.matchAll(/new URL\(\s*'(\.{1,2}\/[^']+\.js)',\s*import\.meta\.url\s*\)/g)) {
        if (!files.has(posix.join(at, relative))) problems.push(`${file} starts ${relative}, not shipped`);
        if (file.endsWith('.js')) workers.add(posix.join(at, relative));
      }
      const mapUrl = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      if (mapUrl && !files.has(posix.join(at, mapUrl))) problems.push(`${file} names its map ${mapUrl}, not shipped`);
      if (file.endsWith('.map')) {
        const map = JSON.parse(text);
        for (const source of map.sources) {
          if (!files.has(posix.join(at, map.sourceRoot ?? '', source)))
            problems.push(`${file} points at ${source}, not shipped`);
        }
      }
    }
    if (workers.size === 0) problems.push('found no worker entry point (new URL(..., import.meta.url)) at all');
    if (problems.length > 0) throw new Error(problems.join('\n'));
    const maps = [...files].filter((file) => file.endsWith('.map')).length;
    return `${files.size} files; workers ${[...workers].join(', ')}; ${maps} source maps, all pointing at shipped sources`;
  },
);

check('publint --strict', () => lastLine(run(repoBin('publint'), ['run', tarball.path, '--strict'], work)));

check('@arethetypeswrong/cli --profile esm-only', () => {
  // esm-only: CommonJS reaches this package through require(esm), which attw's node16-cjs mode predates.
  run(repoBin('attw'), [tarball.path, '--profile', 'esm-only', '--no-definitely-typed', '--format', 'ascii'], work);
  return 'no problems';
});

check(
  'install the tarball into a fresh project',
  () => {
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'whirlwind-consumer', private: true, type: 'module' }),
    );
    for (const file of readdirSync(here)) if (file !== 'run.mjs') cpSync(join(here, file), join(project, file));
    const { typescript59, typescript7, typesNode, esbuild } = TOOLS;
    run('npm', ['install', '--no-audit', '--no-fund', tarball.path, typescript59, typescript7, typesNode, esbuild]);
    const versions = ['ts59', 'ts7'].map((alias) => lastLine(run('node', [tsc(alias), '--version'])));
    return `node ${process.version}, ${versions.join(' and ')}`;
  },
  { prerequisite: true },
);

for (const subpath of Object.keys(repoPackage.exports)) {
  const specifier = subpath === '.' ? 'whirlwind' : `whirlwind/${subpath.slice(2)}`;
  check(`ESM import '${specifier}' runs a coroutine`, () => lastLine(run('node', ['subpath.mjs', specifier])));
}

check("CommonJS require('whirlwind') (require(esm))", () => lastLine(run('node', ['require.cjs'])));

for (const alias of ['ts59', 'ts7']) {
  check(
    `${alias === 'ts59' ? 'TypeScript 5.9' : 'TypeScript 7'}: strict consumer, skipLibCheck false, no @types/mocha`,
    () => {
      if (existsSync(join(project, 'node_modules', '@types', 'mocha')))
        throw new Error('@types/mocha is installed already');
      rmSync(join(project, 'out'), { recursive: true, force: true });
      run('node', [tsc(alias), '-p', 'tsconfig.json']);
      return `compiled, ran: ${lastLine(run('node', ['out/strict.js']))}`;
    },
  );
}

check('esbuild: the core bundled for Node runs from a folder without node_modules', () => {
  const bundle = join(work, 'bundle', 'core.mjs');
  run(projectBin('esbuild'), [
    'bundle-entry.mjs',
    '--bundle',
    '--platform=node',
    '--format=esm',
    `--outfile=${bundle}`,
    '--log-level=warning',
  ]);
  const size = readFileSync(bundle).length;
  return `${size} bytes, ran: ${lastLine(run('node', [bundle], dirname(bundle)))}`;
});

check(
  'install mocha and @types/mocha',
  () => {
    run('npm', ['install', '--no-audit', '--no-fund', ...TOOLS.mocha]);
  },
  { prerequisite: true },
);

for (const alias of ['ts59', 'ts7']) {
  check(
    `${alias === 'ts59' ? 'TypeScript 5.9' : 'TypeScript 7'}: strict consumer and a mocha spec, with @types/mocha`,
    () => {
      rmSync(join(project, 'out'), { recursive: true, force: true });
      run('node', [tsc(alias), '-p', 'tsconfig.mocha.json']);
      return 'compiled';
    },
  );
}

check('mocha runs the compiled spec that uses genTest and ExpectLog', () => {
  const output = run(projectBin('mocha'), ['out/mocha-consumer.js']);
  return /(\d+) passing/.exec(output)?.[0] ?? lastLine(output);
});

if (process.env.KEEP_CONSUMER) console.log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
const failed = results.filter((result) => !result.ok).length;
console.log(`consumer: ${results.length - failed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
