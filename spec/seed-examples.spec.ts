import { expect } from 'chai';
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

  it('the async examples share the loop\'s one AsyncHTTPClient', async () => {
    await Promise.all([asynchronousFetch(`${server.url}/hello`), asyncFetchGen(`${server.url}/hello`)]);
    expect(new AsyncHTTPClient()).to.equal(new AsyncHTTPClient());
  });
});
