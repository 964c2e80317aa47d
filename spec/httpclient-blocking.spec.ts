import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { moment } from '../lib/gen.js';
import { AsyncHTTPClient, HTTPClient, HTTPClientError, HTTPResponse } from '../lib/httpclient.js';
import {
  fetcherIsRunning,
  lastPeakBufferedBytes,
  STREAM_BUFFER_LIMIT,
  waitForStreamPause,
} from '../lib/internal/http-blocking.js';
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
    expect(
      seen
        .filter((s) => s.startsWith('chunk'))
        .map((s) => s.slice(6))
        .join(''),
    ).to.equal('one,two,three');
    // The blank line that ends the headers comes before the first chunk.
    expect(seen.findIndex((s) => s.startsWith('chunk'))).to.equal(seen.indexOf('header ') + 1);
    expect(response.body.length).to.equal(0);
  });

  describe('streaming a body', () => {
    const BODY_BYTES = 8 * 1024 * 1024;
    // A socket read or a decoded piece is at most 64 KB: the worker may hold one past its limit.
    const MOST_HELD = STREAM_BUFFER_LIMIT + 64 * 1024;

    /**
     * Fetches `path` with a streamingCallback that, at its first chunk, keeps
     * this thread busy until the worker pauses the body, then checks that the
     * whole body arrived and the worker never held more than MOST_HELD.
     */
    function expectBoundedWhileBehind(path: string): void {
      let received = 0;
      let whileBehind: ReturnType<typeof waitForStreamPause> | null = null;
      client.fetch(`${server.url}${path}`, {
        streamingCallback: (chunk) => {
          // This thread is busy here: the worker must hold, then pause, rather than read the rest.
          whileBehind ??= waitForStreamPause(20_000);
          received += chunk.length;
        },
      });
      expect(received).to.equal(BODY_BYTES);
      expect(whileBehind).to.include({ paused: true });
      expect(whileBehind!.bufferedBytes).to.be.at.least(STREAM_BUFFER_LIMIT).and.at.most(MOST_HELD);
      expect(lastPeakBufferedBytes()).to.be.at.most(MOST_HELD);
    }

    it('stops reading the body while the streamingCallback is behind, holding at most about 1 MB of it', () => {
      expectBoundedWhileBehind(`/big/${BODY_BYTES}`);
    });

    it('stops decoding a compressed body while the streamingCallback is behind, in the same bounds', () => {
      expectBoundedWhileBehind(`/big-gzip/${BODY_BYTES}`);
    });

    it('hands a small decoded body over whole and in order', () => {
      let received = '';
      client.fetch(`${server.url}/gzip`, { streamingCallback: (chunk) => (received += chunk.toString()) });
      expect(received).to.equal(COMPRESSIBLE);
    });

    it('fails the fetch with the error a streamingCallback throws, and the next fetch works', () => {
      const thrown = new Error('stop here');
      let calls = 0;
      const error = thrownBy(() =>
        client.fetch(`${server.url}/big/${BODY_BYTES}`, {
          streamingCallback: () => {
            calls++;
            throw thrown;
          },
        }),
      );
      expect(error).to.equal(thrown);
      expect(calls).to.equal(1);
      expect(client.fetch(`${server.url}/hello`).body.toString()).to.equal(HELLO);
    });

    it('refuses to start a blocking fetch from a callback of another', () => {
      const refusals: string[] = [];
      const inner = new HTTPClient();
      const response = client.fetch(`${server.url}/hello`, {
        streamingCallback: () => {
          refusals.push(thrownBy(() => inner.fetch(`${server.url}/hello`)).message);
        },
      });
      inner.close();
      expect(response.code).to.equal(200);
      expect(refusals).to.deep.equal([
        'HTTPClient.fetch: cannot start a blocking fetch from a headerCallback or streamingCallback of another',
      ]);
    });

    it('finishes a fetch whose callback closes the last client, then ends the worker', () => {
      let received = 0;
      const response = client.fetch(`${server.url}/big/${BODY_BYTES}`, {
        streamingCallback: (chunk) => {
          client.close();
          received += chunk.length;
        },
      });
      expect(response.code).to.equal(200);
      expect(received).to.equal(BODY_BYTES);
      expect(fetcherIsRunning()).to.equal(false);
    });
  });

  it('throws at the call for a malformed URL', () => {
    expect(() => client.fetch('http://')).to.throw(TypeError, 'malformed URL');
  });

  it(
    'blocks a running coroutine, and the loop with it, until the response is in',
    genTest(function* () {
      const order: string[] = [];
      IOLoop.current().addCallback(() => order.push('callback queued before the fetch'));
      const response = client.fetch(`${server.url}/slow/50`);
      order.push('fetch returned');
      yield moment;
      expect(order).to.deep.equal(['fetch returned', 'callback queued before the fetch']);
      expect(response.code).to.equal(200);
    }),
  );

  it(
    'works inside a coroutine next to AsyncHTTPClient',
    genTest(function* () {
      const asyncClient = new AsyncHTTPClient();
      const viaAsync: HTTPResponse = yield asyncClient.fetch(`${server.url}/hello`);
      const viaBlocking = client.fetch(`${server.url}/hello`);
      expect(viaBlocking.body).to.deep.equal(viaAsync.body);
      asyncClient.close();
    }),
  );

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
