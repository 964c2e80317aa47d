import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, STAGES } from '../examples/migration/main.js';
import { runScenario } from '../examples/migration/scenario.js';
import { startPackageServer, type PackageServer } from '../examples/migration/server.js';
import { useFreshLoop } from './support/index.js';

// dist/spec/migration.spec.js → the repository root is two levels up.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const page = readFileSync(join(root, 'docs', 'migrating.md'), 'utf8');

/** The fenced blocks of the page, with their info strings. */
function codeBlocks(markdown: string): Array<{ info: string; body: string }> {
  const blocks: Array<{ info: string; body: string }> = [];
  const fence = /^```(.*)\n([\s\S]*?)^```$/gm;
  for (let match = fence.exec(markdown); match !== null; match = fence.exec(markdown)) {
    blocks.push({ info: match[1].trim(), body: match[2].replace(/\n$/, '') });
  }
  return blocks;
}

const EXPECTED_TRANSCRIPT = [
  'alpha, fetched: {"name":"alpha","version":"1.0.0"}',
  'alpha, from memory: {"name":"alpha","version":"1.0.0"}',
  'beta twice at once: {"name":"beta","version":"2.1.0"}, same object: true',
  'alpha, new cache, from disk: {"name":"alpha","version":"1.0.0"}',
  'missing: Error: HTTP 404 for /missing',
  'broken: SyntaxError',
  'HTTP requests: /alpha /beta /missing /broken',
  'files: alpha.json beta.json',
];

describe('the migration example (docs/migrating.md)', () => {
  useFreshLoop();
  let server: PackageServer;

  before(async () => {
    server = await startPackageServer();
  });

  after(async () => {
    await server.close();
  });

  for (const [stage, open] of Object.entries(STAGES)) {
    it(`gives the reference transcript at ${stage}`, async () => {
      expect(await runScenario(open, server)).to.deep.equal(EXPECTED_TRANSCRIPT);
    });
  }

  it('prints what the page says main.ts prints', async () => {
    const blocks = codeBlocks(page);
    const command = blocks.findIndex((b) => b.body.includes('node dist/examples/migration/main.js'));
    expect(command, 'the page shows how to run main.js').to.be.at.least(0);
    const shown = blocks[command + 1];
    expect(shown.info).to.equal('text');
    expect(await main()).to.deep.equal(shown.body.split('\n'));
  });

  for (const file of ['stage0-callbacks.ts', 'stage1-futures.ts', 'stage2-coroutine.ts', 'stage3-async.ts']) {
    it(`shows ${file} exactly as it is in examples/migration`, () => {
      const source = readFileSync(join(root, 'examples', 'migration', file), 'utf8').replace(/\n$/, '');
      const stageHeader = source.split('\n').slice(0, 2).join('\n');
      const shown = codeBlocks(page).find((b) => b.info === 'ts' && b.body.startsWith(stageHeader));
      expect(shown, `a ts block starting like ${file}`).to.not.equal(undefined);
      expect(shown!.body).to.equal(source);
    });
  }
});
