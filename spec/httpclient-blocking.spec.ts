import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { coroutine, moment } from '../lib/gen.js';
import { AsyncHTTPClient, HTTPClient, HTTPClientError, HTTPResponse } from '../lib/httpclient.js';
import { fetcherIsRunning } from '../lib/internal/http-blocking.js';
import { IOLoop } from '../lib/ioloop.js';
import { genTest } from '../lib/testing.js';
import { COMPRESSIBLE, HELLO, startServer, startServerThread, type ThreadServer } from './httpclient-servers.js';

/** The error `fn` throws (the test fails if it does not). */
function thrownBy(fn: () => unknown): HTTPClientError {
  try {
    fn();
  } catch (error) {
    return error as HTTPClientError;
  }
  throw new Error('expected a throw');
}

// The server lives on another thread: HTTPClient blocks this one while it waits.
describe('HTTPClient (blocking)', () => {
  let server: ThreadServer;
  let client: HTTPClient;

  before(async () => {
    server = await startServerThread();
  });

  after(async () => {
    await server.close();
  });

  beforeEach(() => {
    client = new HTTPClient();
  });

  afterEach(() => {
    client.close();
  });

  it('returns the HTTPResponse itself, with no IOLoop involved', () => {
    const response = client.fetch(`${server.url}/hello`);
    expect(response).to.be.instanceOf(HTTPResponse);
    expect(response.code).to.equal(200);
    expect(response.body.toString()).to.equal(HELLO);
    expect(response.headers['content-type']).to.equal('text/plain');
    expect(response.request.url).to.equal(`${server.url}/hello`);
  });

  it('throws the same HTTPClientError as AsyncHTTPClient for a 404', async () => {
    const blockingError = thrownBy(() => client.fetch(`${server.url}/status/404`));
    const loop = new IOLoop();
    loop.makeCurrent();
    const asyncClient = new AsyncHTTPClient({ forceInstance: true });
    let asyncError: HTTPClientError | undefined;
    try {
      await asyncClient.fetch(`${server.url}/status/404`);
    } catch (error) {
      asyncError = error as HTTPClientError;
    } finally {
      asyncClient.close();
      loop.close();
    }
    expect(blockingError).to.be.instanceOf(HTTPClientError);
    expect(blockingError.message).to.equal('HTTP 404: Not Found');
    expect([blockingError.name, blockingError.code, blockingError.response?.body.toString()]).to.deep.equal([
      asyncError?.name,
      asyncError?.code,
      asyncError?.response?.body.toString(),
    ]);
  });

  it('returns a 404 response with raiseError false', () => {
    const response = client.fetch(`${server.url}/status/404`, { raiseError: false });
    expect(response.code).to.equal(404);
    expect(response.error?.message).to.equal('HTTP 404: Not Found');
  });

  it('throws 599 "Timeout during request" when the server never answers', () => {
    const error = thrownBy(() => client.fetch(`${server.url}/never`, { requestTimeout: 0.2 }));
    expect(error).to.be.instanceOf(HTTPClientError);
    expect(error.code).to.equal(599);
    expect(error.message).to.equal('Timeout during request');
  });

  it('throws 599 "Stream closed" when the server stops mid-body', () => {
    expect(() => client.fetch(`${server.url}/cut`)).to.throw(HTTPClientError, 'Stream closed');
  });

  it('follows redirects and decodes bodies as the async client does', () => {
    const response = client.fetch(`${server.url}/redirect/302?to=/gzip`);
    expect(response.effectiveUrl).to.equal(`${server.url}/gzip`);
    expect(response.body.toString()).to.equal(COMPRESSIBLE);
  });

  it('sends a request body', () => {
    const response = client.fetch(`${server.url}/echo`, { method: 'POST', body: 'payload' });
    expect(JSON.parse(response.body.toString())).to.include({ method: 'POST', body: 'payload' });
  });

  it('calls headerCallback and streamingCallback before returning, in order', () => {
    const seen: string[] = [];
    const response = client.fetch(`${server.url}/chunked`, {
      headerCallback: (line) => seen.push(`header ${line.trim()}`),
      streamingCallback: (chunk) => seen.push(`chunk ${chunk.toString()}`),
    });
    expect(seen[0]).to.equal('header HTTP/1.1 200 OK');
    expect(seen.filter((s) => s.startsWith('chunk')).map((s) => s.slice(6)).join('')).to.equal('one,two,three');
    // The blank line that ends the headers comes before the first chunk.
    expect(seen.findIndex((s) => s.startsWith('chunk'))).to.equal(seen.indexOf('header ') + 1);
    expect(response.body.length).to.equal(0);
  });

  it('throws at the call for a malformed URL', () => {
    expect(() => client.fetch('http://')).to.throw(TypeError, 'malformed URL');
  });

  it('blocks a running coroutine, and the loop with it, until the response is in', genTest(function* () {
    const order: string[] = [];
    IOLoop.current().addCallback(() => order.push('callback queued before the fetch'));
    const response = client.fetch(`${server.url}/slow/50`);
    order.push('fetch returned');
    yield moment;
    expect(order).to.deep.equal(['fetch returned', 'callback queued before the fetch']);
    expect(response.code).to.equal(200);
  }));

  it('works inside a coroutine next to AsyncHTTPClient', genTest(function* () {
    const asyncClient = new AsyncHTTPClient();
    const viaAsync: HTTPResponse = yield asyncClient.fetch(`${server.url}/hello`);
    const viaBlocking = client.fetch(`${server.url}/hello`);
    expect(viaBlocking.body).to.deep.equal(viaAsync.body);
    asyncClient.close();
  }));

  it('throws "fetch() called on closed HTTPClient" after close()', () => {
    client.close();
    expect(() => client.fetch(`${server.url}/hello`)).to.throw(Error, 'fetch() called on closed HTTPClient');
  });

  it('ends its worker thread when the last open client closes', () => {
    const other = new HTTPClient();
    client.fetch(`${server.url}/hello`);
    other.fetch(`${server.url}/hello`);
    client.close();
    expect(fetcherIsRunning()).to.equal(true);
    other.close();
    expect(fetcherIsRunning()).to.equal(false);
  });

  it('does not keep the process alive when a client is never closed', async function () {
    this.timeout(10000);
    // A server on this thread can answer: this thread is not the one blocking.
    const local = await startServer();
    try {
      const moduleUrl = new URL('../lib/httpclient.js', import.meta.url).href;
      const script = `import { HTTPClient } from ${JSON.stringify(moduleUrl)};
        const body = new HTTPClient().fetch(${JSON.stringify(`${local.url}/hello`)}).body.toString();
        console.log(body);`;
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        cwd: fileURLToPath(new URL('.', import.meta.url)),
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let output = '';
      child.stdout.on('data', (data: Buffer) => (output += data.toString()));
      const exitCode = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(exitCode).to.equal(0);
      expect(output.trim()).to.equal(HELLO);
    } finally {
      await local.close();
    }
  });
});
