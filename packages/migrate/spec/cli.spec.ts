/** The command line: files and folders, --dry-run, --report, exit statuses, parse errors. */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/index.js';
import { packageRoot } from './support.js';

const CLEAN = `import { gen } from 'whirlwind';\nexport const f = gen.coroutine(function* () {\n  yield gen.sleep(0.01);\n});\n`;
const FLAGGED = `import { gen } from 'whirlwind';\nexport const g = gen.coroutine(function* () {\n  yield gen.moment;\n});\n`;
const BROKEN = `import { gen } from 'whirlwind';\nexport const h = gen.coroutine(function* () {\n  yield (;\n});\n`;

function run(args: string[]): { status: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const status = main(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { status, stdout, stderr };
}

describe('whirlwind migrate: the command', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'whirlwind-migrate-cli-'));
    mkdirSync(join(dir, 'src', 'node_modules'), { recursive: true });
    writeFileSync(join(dir, 'src', 'clean.ts'), CLEAN);
    writeFileSync(join(dir, 'src', 'node_modules', 'skipped.ts'), CLEAN);
    writeFileSync(join(dir, 'src', 'types.d.ts'), 'export declare const x: number;\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rewrites the files under a folder in place and exits 0 when nothing was flagged', () => {
    const { status, stdout } = run([join(dir, 'src')]);
    expect(status).to.equal(0);
    expect(readFileSync(join(dir, 'src', 'clean.ts'), 'utf8')).to.contain('export const f = async function () {');
    expect(readFileSync(join(dir, 'src', 'node_modules', 'skipped.ts'), 'utf8')).to.equal(CLEAN);
    expect(stdout).to.match(/1 file read, 1 changed, 1 coroutine converted, 0 flags, 0 parse errors \(written\)/);
  });

  it('exits 1 when it emitted flags, and 1 again on a second run while the flag comments remain', () => {
    writeFileSync(join(dir, 'src', 'flagged.ts'), FLAGGED);
    expect(run([join(dir, 'src')]).status).to.equal(1);
    const first = readFileSync(join(dir, 'src', 'flagged.ts'), 'utf8');
    const second = run([join(dir, 'src')]);
    expect(second.status).to.equal(1);
    expect(readFileSync(join(dir, 'src', 'flagged.ts'), 'utf8')).to.equal(first);
  });

  it('prints a unified diff with --dry-run and changes no file', () => {
    const { status, stdout, stderr } = run(['--dry-run', join(dir, 'src')]);
    expect(status).to.equal(0);
    expect(readFileSync(join(dir, 'src', 'clean.ts'), 'utf8')).to.equal(CLEAN);
    expect(stdout).to.contain('@@ -1,4 +1,4 @@');
    expect(stdout).to.contain('\n-export const f = gen.coroutine(function* () {\n');
    expect(stdout).to.contain('\n+export const f = async function () {\n');
    expect(stderr).to.contain('(dry run, nothing written)');
  });

  it('gives the report as JSON with --report json', () => {
    writeFileSync(join(dir, 'src', 'flagged.ts'), FLAGGED);
    const { stdout } = run(['--report', 'json', join(dir, 'src', 'flagged.ts')]);
    const report = JSON.parse(stdout);
    expect(report.summary).to.deep.include({ files: 1, changed: 1, converted: 1, flags: 2, errors: 0, written: true });
    expect(
      report.files[0].flags.map((flag: { kind: string; line: number }) => `${flag.line} ${flag.kind}`),
    ).to.deep.equal(['3 fast-path', '5 moment']);
  });

  it('exits 2 on a parse error, naming the file, line and column, and writes no file at all', () => {
    writeFileSync(join(dir, 'src', 'broken.ts'), BROKEN);
    const { status, stdout } = run([join(dir, 'src')]);
    expect(status).to.equal(2);
    expect(stdout).to.match(/broken\.ts:3:10: error: cannot parse: Unexpected token/);
    expect(readFileSync(join(dir, 'src', 'broken.ts'), 'utf8')).to.equal(BROKEN);
    expect(readFileSync(join(dir, 'src', 'clean.ts'), 'utf8')).to.equal(CLEAN);
  });

  it('rejects an unknown option or a bad --report value with exit status 2', () => {
    expect(run(['--fast', dir]).stderr).to.contain('unknown option --fast');
    const bad = run(['--report', 'xml', dir]);
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain('--report expects text or json, got "xml"');
  });

  it('runs as `whirlwind migrate` from its bin, and names an unknown command', () => {
    const bin = join(packageRoot, 'bin', 'whirlwind.mjs');
    const output = execFileSync(process.execPath, [bin, 'migrate', '--dry-run', join(dir, 'src')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(output).to.contain('+export const f = async function () {');
    const unknown = spawnSync(process.execPath, [bin, 'migrat'], { encoding: 'utf8' });
    expect(unknown.status).to.equal(2);
    expect(unknown.stderr).to.contain('whirlwind: unknown command "migrat"');
  });
});
