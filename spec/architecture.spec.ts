/**
 * The layers of lib/ point down (docs/architecture.md):
 *
 *     entry points (lib/*.ts) → gen/, locks, queues, httpclient, testing, trace
 *       → ioloop.ts → gen/convert.ts, gen/multi.ts → concurrent/future.ts → internal/, log.ts
 *
 * These rules read the import graph from the sources, type-only imports
 * included, and fail naming each offending import, so a change that ties
 * two layers back together is caught when it is made, not when a load-order
 * bug shows up.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import {
  diagramIn,
  fenced,
  importCycles,
  importsWhere,
  mermaidDiagram,
  readModuleGraph,
  transitiveReduction,
} from './support/module-graph.js';

// dist/spec/architecture.spec.js → the repository root is two levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const graph = readModuleGraph(repositoryRoot);

const isEntryPoint = (file: string) => /^lib\/[^/]+\.ts$/.test(file);
const isInternal = (file: string) => file.startsWith('lib/internal/');
/** Below the loop module: what `ioloop.ts` itself builds on. */
const BELOW_THE_LOOP = (file: string) =>
  isInternal(file) ||
  file.startsWith('lib/concurrent/') ||
  file === 'lib/gen/convert.ts' ||
  file === 'lib/gen/multi.ts';

describe('architecture: the import graph of lib/', () => {
  it('reads every module of lib/', () => {
    expect(graph.size).to.be.greaterThan(30);
    expect(graph.get('lib/ioloop.ts')).to.include('lib/concurrent/future.ts');
  });

  it('has no import cycles', () => {
    expect(importCycles(graph)).to.deep.equal([]);
  });

  it('internal/ imports no public module but log (the leaf every layer logs through)', () => {
    const upward = importsWhere(graph, (from, to) => isInternal(from) && isEntryPoint(to) && to !== 'lib/log.ts');
    expect(upward).to.deep.equal([]);
  });

  it('Future imports only internal/ and log: it reaches the loop through internal/scheduling', () => {
    const outside = importsWhere(
      graph,
      (from, to) => from === 'lib/concurrent/future.ts' && !isInternal(to) && to !== 'lib/log.ts',
    );
    expect(outside).to.deep.equal([]);
  });

  it('nothing the loop builds on imports the loop module', () => {
    expect(importsWhere(graph, (from, to) => BELOW_THE_LOOP(from) && to === 'lib/ioloop.ts')).to.deep.equal([]);
  });

  it('gen/ imports none of the modules built on it (locks, queues, httpclient, testing, trace)', () => {
    const above = ['lib/locks.ts', 'lib/queues.ts', 'lib/httpclient.ts', 'lib/testing.ts', 'lib/trace.ts'];
    const upward = importsWhere(graph, (from, to) => from.startsWith('lib/gen/') && above.includes(to));
    expect(upward).to.deep.equal([]);
  });

  it('only the package index imports the package index', () => {
    expect(importsWhere(graph, (_from, to) => to === 'lib/index.ts')).to.deep.equal([]);
  });

  it('the cycle check finds a cycle when there is one', () => {
    const cyclic = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['d.ts']],
      ['e.ts', ['a.ts']],
    ]);
    expect(importCycles(cyclic)).to.deep.equal([['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
  });
});

describe('architecture: the layer diagram in docs/architecture.md', () => {
  it('is the one generated from the sources (run `npm run architecture` after moving an import)', () => {
    const page = readFileSync(join(repositoryRoot, 'docs', 'architecture.md'), 'utf8');
    expect(diagramIn(page)).to.equal(fenced(mermaidDiagram(graph)));
  });

  it('leaves out exactly the imports another path implies', () => {
    const graph = new Map([
      ['a.ts', ['b.ts', 'c.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', []],
    ]);
    expect(Object.fromEntries(transitiveReduction(graph))).to.deep.equal({
      'a.ts': ['b.ts'],
      'b.ts': ['c.ts'],
      'c.ts': [],
    });
  });
});

describe('architecture: every entry point works when it is the only one imported', () => {
  // Futures and waiters reach the loop through internal/scheduling, which the
  // loop module fills in when it loads: each entry point must load it.
  // log is the one entry point with nothing that waits on a Future.
  const entries = [...graph.keys()]
    .filter((file) => isEntryPoint(file) && file !== 'lib/log.ts')
    .map((file) => file.slice('lib/'.length, -'.ts'.length));

  it('each entry point, alone in a fresh process, runs a Future done callback on the loop', function () {
    this.timeout(60_000);
    const program = (entry: string) => `
      const { Future } = await import(${JSON.stringify(join(repositoryRoot, 'dist', 'lib', 'concurrent', 'future.js'))});
      await import(${JSON.stringify(join(repositoryRoot, 'dist', 'lib', `${entry}.js`))});
      const f = new Future();
      f.addDoneCallback((done) => console.log('called back with', done.result()));
      f.setResult(${JSON.stringify(entry)});`;
    const outputs = entries.map((entry) => {
      // The entry is imported after Future's own module, so only the entry can have loaded the loop.
      return execFileSync(process.execPath, ['--input-type=module', '-e', program(entry)], { encoding: 'utf8' }).trim();
    });
    expect(outputs).to.deep.equal(entries.map((entry) => `called back with ${entry}`));
  });
});
