import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Future } from '../lib/concurrent.js';
import { AsyncHTTPClient } from '../lib/httpclient.js';
import { asyncFetchGen, asyncFetchManual, asynchronousFetch, synchronousFetch } from '../examples/seed.js';
import { useFreshLoop } from './support/index.js';
import { HELLO, startServerThread, type ThreadServer } from './httpclient-servers.js';

// The seed's four functions (examples/seed.ts), each fetching from a local
// server. The server runs on its own thread because synchronousFetch blocks
// this one.
describe("the seed's four examples", () => {
  useFreshLoop();
  let server: ThreadServer;

  before(async () => {
    server = await startServerThread();
  });

  after(async () => {
    await server.close();
  });

  afterEach(() => {
    // The async examples use the loop's shared client; let its pool go with the loop.
    new AsyncHTTPClient().close();
  });

  it('synchronousFetch returns the body itself', () => {
    const body = synchronousFetch(`${server.url}/hello`);
    expect(Buffer.isBuffer(body)).to.equal(true);
    expect(body.toString()).to.equal(HELLO);
  });

  it('asynchronousFetch returns a promise of the body', async () => {
    const pending = asynchronousFetch(`${server.url}/hello`);
    expect(pending).to.be.instanceOf(Promise);
    expect((await pending).toString()).to.equal(HELLO);
  });

  it('asyncFetchGen returns a pending Future of the body', async () => {
    const pending = asyncFetchGen(`${server.url}/hello`);
    expect(pending).to.be.instanceOf(Future);
    expect(pending.done()).to.equal(false);
    expect(((await pending) as Buffer).toString()).to.equal(HELLO);
  });

  it('asyncFetchManual returns a pending Future of the body', async () => {
    const pending = asyncFetchManual(`${server.url}/hello`);
    expect(pending.done()).to.equal(false);
    expect((await pending).toString()).to.equal(HELLO);
  });

  it("the async examples share the loop's one AsyncHTTPClient", async () => {
    await Promise.all([asynchronousFetch(`${server.url}/hello`), asyncFetchGen(`${server.url}/hello`)]);
    expect(new AsyncHTTPClient()).to.equal(new AsyncHTTPClient());
  });

  it('npm start: the demo prints the four styles and the trace, then exits by itself', async function () {
    this.timeout(30000);
    const demo = fileURLToPath(new URL('../examples/demo.js', import.meta.url));
    const child = spawn(process.execPath, [demo], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (data: Buffer) => (output += data.toString()));
    // If it hung, end it, so the failure does not also hold up mocha.
    const killer = setTimeout(() => child.kill(), 25000);
    const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearTimeout(killer);
    expect(exitCode).to.equal(0);
    for (const style of ['synchronousFetch', 'asynchronousFetch', 'asyncFetchGen', 'asyncFetchManual']) {
      expect(output).to.match(new RegExp(`\\| ${style} +\\|`));
    }
    expect(output).to.contain('Every style got the same 250 bytes from 20 requests: yes');
    expect(output).to.contain('runSync returned the body: "page /traced"');
  });
});
