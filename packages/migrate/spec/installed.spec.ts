/**
 * As a user installs them: the runtime's tarball alone brings no parser, and
 * with whirlwind-migrate's tarball next to it `npx whirlwind migrate --dry-run
 * examples/` works in a fresh project. Packs with --ignore-scripts: `npm test`
 * has built both packages already.
 */
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot, repositoryRoot } from './support.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const quiet = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

function pack(dir: string, destination: string): string {
  const name = execFileSync(npm, ['pack', '--ignore-scripts', '--pack-destination', destination, '--loglevel=error'], {
    cwd: dir,
    encoding: 'utf8',
  });
  return join(destination, name.trim().split('\n').pop()!);
}

function freshProject(parent: string, name: string): string {
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true, type: 'module' }));
  return dir;
}

describe('whirlwind migrate: installed from the packed tarballs', function () {
  this.timeout(5 * 60_000);
  let work: string;
  let runtime: string;
  let tool: string;

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'whirlwind-migrate-installed-'));
    runtime = pack(repositoryRoot, work);
    tool = pack(packageRoot, work);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('installs the runtime alone without a parser (tslib is its one dependency)', () => {
    const project = freshProject(work, 'runtime-only');
    execFileSync(npm, ['install', ...quiet, runtime], { cwd: project, stdio: 'pipe' });
    expect(existsSync(join(project, 'node_modules', 'whirlwind'))).to.equal(true);
    expect(existsSync(join(project, 'node_modules', '@babel'))).to.equal(false);
    expect(existsSync(join(project, 'node_modules', 'whirlwind-migrate'))).to.equal(false);
  });

  it('runs `npx whirlwind migrate --dry-run examples/` with both installed', () => {
    const project = freshProject(work, 'with-tool');
    execFileSync(npm, ['install', ...quiet, runtime, tool], { cwd: project, stdio: 'pipe' });
    cpSync(join(repositoryRoot, 'examples'), join(project, 'examples'), { recursive: true });
    const result = spawnSync('npx', ['--no-install', 'whirlwind', 'migrate', '--dry-run', 'examples/'], {
      cwd: project,
      encoding: 'utf8',
    });
    expect(result.status, result.stderr).to.equal(1); // the examples carry flags
    expect(result.stdout).to.contain('+++ b/examples/migration/stage2-coroutine.ts');
    expect(result.stdout).to.contain('+  private readonly load = async function (this: PackageCache, name: string) {');
    expect(result.stderr).to.match(/examples\/migration\/stage2-coroutine\.ts:\d+: future-use: /);
    expect(result.stderr).to.contain('(dry run, nothing written)');
  });
});
