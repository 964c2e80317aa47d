/**
 * The package root and `whirlwind/httpclient` outside Node: package.json
 * sends the `default` condition (browsers, workers, other runtimes) to
 * `lib/portable/`, so a browser bundle of `import { gen, httpclient } from
 * 'whirlwind'` builds without `node:http`, runs the core, and a use of the
 * HTTP clients fails with an error that says they need Node.js and to use
 * fetch() instead. Bundled with esbuild for platform=browser exactly as a
 * user's bundler resolves the package, then run in a child Node process
 * (the portable core needs only web standards, which Node has).
 */
import { expect } from 'chai';
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as nodeHttpclient from 'whirlwind/httpclient';
import * as nodeRoot from 'whirlwind';
import * as portableHttpclient from '../lib/portable/httpclient.js';
import * as portableRoot from '../lib/portable/index.js';

// dist/spec/portable-root.spec.js → the repository root is two levels up.
const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const NODE_ONLY = /needs Node\.js \(node:http, node:https and worker threads\).*use fetch\(\)/;

/** What a user writes in a page: the core runs, then the HTTP client is tried. */
const PAGE_PROGRAM = `
import { gen, httpclient, IOLoop } from 'whirlwind';
import { AsyncHTTPClient } from 'whirlwind/httpclient';
const double = gen.coroutine(function* (n) {
  yield gen.sleep(0.001);
  return n * 2;
});
const results = { doubled: await IOLoop.current().runSync(() => double(21)) };
for (const [name, make] of [
  ['root namespace AsyncHTTPClient', () => new httpclient.AsyncHTTPClient()],
  ['root namespace HTTPClient', () => new httpclient.HTTPClient()],
  ['subpath AsyncHTTPClient', () => new AsyncHTTPClient()],
]) {
  try {
    make();
    results[name] = 'constructed';
  } catch (error) {
    results[name] = error instanceof Error ? error.message : String(error);
  }
}
console.log(JSON.stringify(results));
`;

async function bundleForBrowser(source: string) {
  return build({
    stdin: { contents: source, resolveDir: repositoryRoot, sourcefile: 'page.mjs' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    metafile: true,
  });
}

describe('the package root outside Node', () => {
  it('exports the same names as the Node root, with httpclient among them', () => {
    expect(Object.keys(portableRoot).sort()).to.deep.equal(Object.keys(nodeRoot).sort());
    expect(Object.keys(portableRoot.httpclient).sort()).to.deep.equal(Object.keys(nodeRoot.httpclient).sort());
  });

  it('shares the core with the Node root: the same gen, ioloop and locks objects', () => {
    expect(portableRoot.gen).to.equal(nodeRoot.gen);
    expect(portableRoot.IOLoop).to.equal(nodeRoot.IOLoop);
    expect(portableRoot.locks).to.equal(nodeRoot.locks);
  });
});

describe('whirlwind/httpclient outside Node', () => {
  it('exports the same names as the Node module', () => {
    expect(Object.keys(portableHttpclient).sort()).to.deep.equal(Object.keys(nodeHttpclient).sort());
  });

  const { HTTPRequest, HTTPResponse, HTTPClientError, AsyncHTTPClient, HTTPClient } = portableHttpclient;
  const classes = { HTTPRequest, HTTPResponse, HTTPClientError, AsyncHTTPClient, HTTPClient };
  for (const [name, Class] of Object.entries(classes) as [string, new (...args: unknown[]) => unknown][]) {
    it(`new ${name}() throws an Error naming it, saying it needs Node.js and to use fetch()`, () => {
      expect(() => new Class('https://example.com/')).to.throw(
        Error,
        `new ${name}(): whirlwind/httpclient needs Node.js`,
      );
      expect(() => new Class()).to.throw(NODE_ONLY);
    });
  }

  it('keeps HTTPClientError an Error subclass, so instanceof checks in shared code still work', () => {
    expect(portableHttpclient.HTTPClientError.prototype).to.be.instanceOf(Error);
  });
});

describe("a browser bundle of 'whirlwind' (esbuild, platform=browser)", function () {
  this.timeout(60_000);
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'whirlwind-browser-root-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('builds, and pulls in no node: module and neither Node HTTP client', async () => {
    const result = await bundleForBrowser(PAGE_PROGRAM);
    expect(result.errors).to.deep.equal([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((input) => input.startsWith('node:'))).to.deep.equal([]);
    const nodeHttp = /dist\/lib\/(httpclient\.js|internal\/http-(core|blocking|worker)\.js)/;
    expect(inputs.filter((input) => nodeHttp.test(input))).to.deep.equal([]);
    expect(inputs).to.include('dist/lib/internal/platform-portable.js');
  });

  it('runs a coroutine, and every use of an HTTP client throws the clear Node-only message', async () => {
    const result = await bundleForBrowser(PAGE_PROGRAM);
    const bundle = join(work, 'page.mjs');
    writeFileSync(bundle, result.outputFiles[0].text);
    const results = JSON.parse(execFileSync(process.execPath, [bundle], { encoding: 'utf8' }).trim());
    expect(results.doubled).to.equal(42);
    expect(results['root namespace AsyncHTTPClient'])
      .to.match(/^new AsyncHTTPClient\(\)/)
      .and.match(NODE_ONLY);
    expect(results['root namespace HTTPClient'])
      .to.match(/^new HTTPClient\(\)/)
      .and.match(NODE_ONLY);
    expect(results['subpath AsyncHTTPClient'])
      .to.match(/^new AsyncHTTPClient\(\)/)
      .and.match(NODE_ONLY);
  });
});
