import { expect } from 'chai';
import type { IncomingHttpHeaders } from 'node:http';
import { Future } from '../lib/concurrent.js';
import { coroutine } from '../lib/gen.js';
import { AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse } from '../lib/httpclient.js';
import { genTest } from '../lib/testing.js';
import { iterations, useFreshLoop } from './support/index.js';
import { COMPRESSIBLE, HELLO, startServer, type LocalServer } from './httpclient-servers.js';

interface Echo {
  method: string;
  headers: IncomingHttpHeaders;
  body: string;
  path: string;
}

function echoOf(response: HTTPResponse): Echo {
  return JSON.parse(response.body.toString('utf8')) as Echo;
}

/** The error a future failed with (the test fails if it succeeded). */
async function failureOf(future: PromiseLike<unknown>): Promise<HTTPClientError> {
  try {
    await future;
  } catch (error) {
    return error as HTTPClientError;
  }
  throw new Error('expected the fetch to fail, but it succeeded');
}

/** Waits (on real time, for a real server) until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('httpclient', () => {
  useFreshLoop();
  let server: LocalServer;
  let client: AsyncHTTPClient;

  beforeEach(async () => {
    server = await startServer();
    client = new AsyncHTTPClient({ forceInstance: true });
  });

  afterEach(async () => {
    client.close();
    await server.close();
  });

  describe('HTTPRequest', () => {
    it("fills in Tornado's defaults", () => {
      const request = new HTTPRequest('http://127.0.0.1/');
      expect(request).to.include({
        method: 'GET',
        connectTimeout: 20,
        requestTimeout: 20,
        followRedirects: true,
        maxRedirects: 5,
        decompressResponse: true,
        validateCert: true,
        maxBodySize: 100 * 1024 * 1024,
      });
    });

    it('rejects a malformed URL at construction, naming it', () => {
      expect(() => new HTTPRequest('not a url')).to.throw(TypeError, "malformed URL 'not a url'");
    });

    it('names a long malformed URL whole', () => {
      const url = `http//example.com/${'path-segment/'.repeat(30)}`;
      expect(() => new HTTPRequest(url)).to.throw(TypeError, `malformed URL '${url}': expected`);
    });

    it('rejects a URL scheme other than http and https', () => {
      expect(() => new HTTPRequest('ftp://127.0.0.1/file')).to.throw(TypeError, "unsupported URL scheme 'ftp:'");
    });

    it('rejects CR or LF in a header value', () => {
      expect(() => new HTTPRequest('http://127.0.0.1/', { headers: { 'X-Evil': 'a\r\nInjected: yes' } })).to.throw(
        TypeError,
        'invalid value',
      );
    });

    it('rejects a header value Node cannot send (a control character, or a character above U+00FF) at construction', () => {
      for (const value of ['price in \u20ac', 'a\u0001b', 'a\u007fb']) {
        expect(() => new HTTPRequest('http://127.0.0.1/', { headers: { 'X-Value': value } })).to.throw(
          TypeError,
          'invalid value',
        );
      }
      expect(() => new HTTPRequest('http://127.0.0.1/', { userAgent: 'agent \u20ac' })).to.throw(
        TypeError,
        'invalid userAgent',
      );
      expect(() => new HTTPRequest('http://127.0.0.1/', { headers: { 'X-Value': 'caf\u00e9\tok' } })).not.to.throw();
    });

    it('rejects headers given as a Map, a Headers, an array or a string instead of silently dropping or mangling them', () => {
      const notPlain: unknown[] = [
        new Map([['X-Token', 'secret']]),
        new Headers({ 'X-Token': 'secret' }),
        [['X-Token', 'secret']],
        'X-Token: secret',
      ];
      for (const headers of notPlain) {
        expect(() => new HTTPRequest('http://127.0.0.1/', { headers: headers as Record<string, string> })).to.throw(
          TypeError,
          'headers must be a plain object of header names to values, got ',
        );
      }
      expect(() => new HTTPRequest('http://127.0.0.1/', { headers: new Map() as never })).to.throw(
        TypeError,
        'Object.fromEntries',
      );
      expect(
        new HTTPRequest('http://127.0.0.1/', { headers: Object.assign(Object.create(null), { 'X-Token': 'secret' }) })
          .headers,
      ).to.deep.equal({
        'X-Token': 'secret',
      });
    });

    it('rejects a headerCallback or streamingCallback that is not a function at construction', () => {
      expect(() => new HTTPRequest('http://127.0.0.1/', { headerCallback: 'log' as never })).to.throw(
        TypeError,
        "headerCallback must be a function, got 'log'",
      );
      expect(() => new HTTPRequest('http://127.0.0.1/', { streamingCallback: {} as never })).to.throw(
        TypeError,
        'streamingCallback must be a function, got {}',
      );
    });

    it('rejects CR or LF in a header name', () => {
      expect(() => new HTTPRequest('http://127.0.0.1/', { headers: { 'X-Evil\r\nInjected': 'yes' } })).to.throw(
        TypeError,
        'invalid header name',
      );
    });

    it('rejects CR or LF in the method', () => {
      expect(() => new HTTPRequest('http://127.0.0.1/', { method: 'GET / HTTP/1.1\r\nX:' })).to.throw(
        TypeError,
        'invalid method',
      );
    });

    it('rejects a body on GET and a missing body on POST, as Tornado', () => {
      expect(() => new HTTPRequest('http://127.0.0.1/', { body: 'x' })).to.throw(
        TypeError,
        'body must be null for method GET',
      );
      expect(() => new HTTPRequest('http://127.0.0.1/', { method: 'POST' })).to.throw(
        TypeError,
        'body must not be null for method POST',
      );
    });
  });

  describe('AsyncHTTPClient.fetch', () => {
    it('resolves with the response of a 200', async () => {
      const response = await client.fetch(`${server.url}/hello`);
      expect(response).to.be.instanceOf(HTTPResponse);
      expect(response.code).to.equal(200);
      expect(response.reason).to.equal('OK');
      expect(response.body.toString()).to.equal(HELLO);
      expect(response.headers['content-type']).to.equal('text/plain');
      expect(response.effectiveUrl).to.equal(`${server.url}/hello`);
      expect(response.error).to.equal(null);
      expect(response.requestTime).to.be.greaterThan(0);
    });

    it('returns a Future', () => {
      const future = client.fetch(`${server.url}/hello`);
      expect(future).to.be.instanceOf(Future);
      return future;
    });

    it('rejects a 404 with HTTPClientError "HTTP 404: Not Found" carrying the response', async () => {
      const error = await failureOf(client.fetch(`${server.url}/status/404`));
      expect(error).to.be.instanceOf(HTTPClientError);
      expect(error.name).to.equal('HTTPClientError');
      expect(error.message).to.equal('HTTP 404: Not Found');
      expect(error.code).to.equal(404);
      expect(error.response?.body.toString()).to.equal('status 404');
    });

    it('rejects a 500 with HTTPClientError "HTTP 500: Internal Server Error"', async () => {
      const error = await failureOf(client.fetch(`${server.url}/status/500`));
      expect(error.message).to.equal('HTTP 500: Internal Server Error');
      expect(error.code).to.equal(500);
    });

    it('resolves a 404 with raiseError false, the error kept on the response', async () => {
      const response = await client.fetch(`${server.url}/status/404`, { raiseError: false });
      expect(response.code).to.equal(404);
      expect(response.error?.message).to.equal('HTTP 404: Not Found');
      expect(() => response.rethrow()).to.throw(HTTPClientError, 'HTTP 404: Not Found');
    });

    it('rejects a refused connection with code 599 even with raiseError false', async () => {
      const port = Number(new URL(server.url).port);
      await server.close();
      const error = await failureOf(client.fetch(`http://127.0.0.1:${port}/hello`, { raiseError: false }));
      expect(error).to.be.instanceOf(HTTPClientError);
      expect(error.code).to.equal(599);
      expect(error.message).to.contain('ECONNREFUSED');
      expect(error.response).to.equal(undefined);
    });

    it('rejects with "Timeout during request" when the server never answers', async () => {
      const error = await failureOf(client.fetch(`${server.url}/never`, { requestTimeout: 0.2 }));
      expect(error.code).to.equal(599);
      expect(error.message).to.equal('Timeout during request');
    });

    it("honours timeouts beyond Node's 24.8-day timer limit instead of timing out at once", async () => {
      const thirtyDays = 30 * 86400;
      const response = await client.fetch(`${server.url}/slow/20`, {
        requestTimeout: thirtyDays,
        connectTimeout: thirtyDays,
      });
      expect(response.code).to.equal(200);
    });

    it('rejects with "Stream closed" when the server stops mid-body', async () => {
      const error = await failureOf(client.fetch(`${server.url}/cut`));
      expect(error.code).to.equal(599);
      expect(error.message).to.equal('Stream closed');
    });

    it('rejects with "Stream closed" when the server hangs up before answering', async () => {
      const error = await failureOf(client.fetch(`${server.url}/hangup`));
      expect(error.message).to.equal('Stream closed');
    });

    it('throws at the call, not later, for a malformed URL', () => {
      expect(() => client.fetch('http//missing-colon')).to.throw(TypeError, 'malformed URL');
    });

    it('throws at the call for a header carrying CR/LF', () => {
      expect(() => client.fetch(`${server.url}/echo`, { headers: { Cookie: 'a=1\r\nX-Injected: 1' } })).to.throw(
        TypeError,
      );
      expect(server.log.arrivals).to.deep.equal([]);
    });

    it('refuses request options next to an HTTPRequest', () => {
      const request = new HTTPRequest(`${server.url}/hello`);
      expect(() => client.fetch(request, { method: 'POST' })).to.throw(TypeError, 'request options (method)');
    });

    it('sends method, headers and body, and basic auth', async () => {
      const response = await client.fetch(`${server.url}/echo`, {
        method: 'PUT',
        headers: { 'X-Test': 'yes' },
        body: 'payload',
        authUsername: 'user',
        authPassword: 'secret',
      });
      const echo = echoOf(response);
      expect(echo.method).to.equal('PUT');
      expect(echo.body).to.equal('payload');
      expect(echo.headers['x-test']).to.equal('yes');
      expect(echo.headers.authorization).to.equal(`Basic ${Buffer.from('user:secret').toString('base64')}`);
      expect(echo.headers['user-agent']).to.equal('whirlwind');
    });

    it(
      'works with yield inside a coroutine',
      genTest(function* () {
        const response: HTTPResponse = yield client.fetch(`${server.url}/hello`);
        expect(response.body.toString()).to.equal(HELLO);
      }),
    );

    it(
      'is typed through yield* inside a coroutine',
      genTest(function* () {
        const response = yield* client.fetch(`${server.url}/hello`);
        expect(response.code).to.equal(200);
      }),
    );
  });

  describe('response bodies', () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      it(`decodes a ${encoding} body and records the consumed encoding`, async () => {
        const response = await client.fetch(`${server.url}/${encoding}`);
        expect(response.body.toString()).to.equal(COMPRESSIBLE);
        expect(response.headers['content-encoding']).to.equal(undefined);
        expect(response.headers['x-consumed-content-encoding']).to.equal(encoding);
      });
    }

    it('gives a HEAD of a gzip resource an empty body instead of a decompression error', async () => {
      const response = await client.fetch(`${server.url}/gzip`, { method: 'HEAD' });
      expect(response.code).to.equal(200);
      expect(response.body.length).to.equal(0);
      expect(response.headers['x-consumed-content-encoding']).to.equal('gzip');
    });

    for (const code of [200, 204, 304]) {
      it(`gives a ${code} with Content-Encoding gzip and no body bytes an empty body`, async () => {
        const response = await client.fetch(`${server.url}/gzip-empty/${code}`, { raiseError: false });
        expect(response.code).to.equal(code);
        expect(response.body.length).to.equal(0);
      });
    }

    it('asks for compressed bodies by default', async () => {
      const response = await client.fetch(`${server.url}/echo`);
      expect(echoOf(response).headers['accept-encoding']).to.equal('gzip, deflate, br');
    });

    it('leaves the body encoded with decompressResponse false', async () => {
      const response = await client.fetch(`${server.url}/gzip`, { decompressResponse: false });
      expect(response.headers['content-encoding']).to.equal('gzip');
      expect(response.body.subarray(0, 2)).to.deep.equal(Buffer.from([0x1f, 0x8b]));
    });

    it('assembles a chunked body', async () => {
      const response = await client.fetch(`${server.url}/chunked`);
      expect(response.headers['transfer-encoding']).to.equal('chunked');
      expect(response.body.toString()).to.equal('one,two,three');
    });

    it('streams a 50 MB body through streamingCallback without buffering it', async () => {
      const size = 50 * 1024 * 1024;
      let received = 0;
      let chunks = 0;
      let largestChunk = 0;
      const response = await client.fetch(`${server.url}/big/${size}`, {
        streamingCallback: (chunk) => {
          received += chunk.length;
          chunks++;
          largestChunk = Math.max(largestChunk, chunk.length);
        },
      });
      expect(received).to.equal(size);
      expect(response.body.length).to.equal(0);
      expect(chunks).to.be.greaterThan(100);
      expect(largestChunk).to.be.lessThan(size / 100);
    });

    it('fails a declared body larger than maxBodySize before reading it', async () => {
      const error = await failureOf(client.fetch(`${server.url}/big/2000`, { maxBodySize: 1000 }));
      expect(error.code).to.equal(599);
      expect(error.message).to.contain('larger than maxBodySize (1000 bytes)');
    });

    it('accepts a HEAD response declaring a length above maxBodySize', async () => {
      const response = await client.fetch(`${server.url}/big/2000`, { method: 'HEAD', maxBodySize: 1000 });
      expect(response.headers['content-length']).to.equal('2000');
      expect(response.body.length).to.equal(0);
    });

    it('fails a chunked body once it grows past maxBodySize', async () => {
      const error = await failureOf(client.fetch(`${server.url}/big/200000/chunked`, { maxBodySize: 100000 }));
      expect(error.message).to.contain('larger than maxBodySize (100000 bytes)');
    });

    it('passes the header lines of the final response to headerCallback', async () => {
      const lines: string[] = [];
      await client.fetch(`${server.url}/redirect/302?to=/hello`, { headerCallback: (line) => lines.push(line) });
      expect(lines[0]).to.equal('HTTP/1.1 200 OK\r\n');
      expect(lines).to.include('Content-Type: text/plain\r\n');
      expect(lines[lines.length - 1]).to.equal('\r\n');
    });

    it('fails the fetch with the error a streamingCallback throws', async () => {
      const oops = new Error('oops');
      const error = await failureOf(
        client.fetch(`${server.url}/hello`, {
          streamingCallback: () => {
            throw oops;
          },
        }),
      );
      expect(error).to.equal(oops);
    });
  });

  describe('redirects', () => {
    for (const code of [301, 302, 303, 307, 308]) {
      it(`follows a ${code} for GET`, async () => {
        const response = await client.fetch(`${server.url}/redirect/${code}?to=/hello`);
        expect(response.code).to.equal(200);
        expect(response.body.toString()).to.equal(HELLO);
        expect(response.effectiveUrl).to.equal(`${server.url}/hello`);
      });
    }

    for (const code of [301, 302, 303]) {
      it(`turns a POST into a GET without body on ${code}`, async () => {
        const response = await client.fetch(`${server.url}/redirect/${code}?to=/echo`, {
          method: 'POST',
          body: 'payload',
          headers: { 'Content-Type': 'text/plain' },
        });
        const echo = echoOf(response);
        expect(echo.method).to.equal('GET');
        expect(echo.body).to.equal('');
        expect(echo.headers['content-type']).to.equal(undefined);
      });
    }

    for (const code of [307, 308]) {
      it(`keeps the method and body on ${code}`, async () => {
        const response = await client.fetch(`${server.url}/redirect/${code}?to=/echo`, {
          method: 'POST',
          body: 'payload',
        });
        expect(echoOf(response)).to.include({ method: 'POST', body: 'payload' });
      });
    }

    it('turns a PUT into a GET on 303 but keeps it on 302', async () => {
      const after303 = await client.fetch(`${server.url}/redirect/303?to=/echo`, { method: 'PUT', body: 'x' });
      const after302 = await client.fetch(`${server.url}/redirect/302?to=/echo`, { method: 'PUT', body: 'x' });
      expect(echoOf(after303).method).to.equal('GET');
      expect(echoOf(after302)).to.include({ method: 'PUT', body: 'x' });
    });

    it('stops after maxRedirects and answers with the last 3xx', async () => {
      const error = await failureOf(client.fetch(`${server.url}/loop`, { maxRedirects: 3 }));
      expect(error.message).to.equal('HTTP 302: Found');
      expect(server.log.arrivals).to.deep.equal(['/loop', '/loop', '/loop', '/loop']);
    });

    it('does not follow with followRedirects false', async () => {
      const response = await client.fetch(`${server.url}/redirect/301?to=/hello`, {
        followRedirects: false,
        raiseError: false,
      });
      expect(response.code).to.equal(301);
      expect(response.headers.location).to.equal('/hello');
    });

    it('drops Authorization and Cookie on a cross-origin redirect', async () => {
      const other = await startServer();
      try {
        const response = await client.fetch(
          `${server.url}/redirect/302?to=${encodeURIComponent(`${other.url}/echo`)}`,
          {
            headers: { Authorization: 'Bearer secret', Cookie: 'session=1', 'X-Kept': 'yes' },
          },
        );
        const echo = echoOf(response);
        expect(echo.headers.authorization).to.equal(undefined);
        expect(echo.headers.cookie).to.equal(undefined);
        expect(echo.headers['x-kept']).to.equal('yes');
        expect(response.effectiveUrl).to.equal(`${other.url}/echo`);
      } finally {
        await other.close();
      }
    });

    it('drops authUsername credentials on a cross-origin redirect', async () => {
      const other = await startServer();
      try {
        const response = await client.fetch(
          `${server.url}/redirect/307?to=${encodeURIComponent(`${other.url}/echo`)}`,
          {
            authUsername: 'user',
            authPassword: 'secret',
          },
        );
        expect(echoOf(response).headers.authorization).to.equal(undefined);
      } finally {
        await other.close();
      }
    });

    it('keeps Authorization and Cookie on a same-origin redirect', async () => {
      const response = await client.fetch(`${server.url}/redirect/302?to=/echo`, {
        headers: { Authorization: 'Bearer secret', Cookie: 'session=1' },
      });
      expect(echoOf(response).headers).to.include({ authorization: 'Bearer secret', cookie: 'session=1' });
    });

    it('refuses to follow a redirect to another scheme', async () => {
      const error = await failureOf(
        client.fetch(`${server.url}/redirect/302?to=${encodeURIComponent('file:///etc/passwd')}`),
      );
      expect(error.code).to.equal(599);
      expect(error.message).to.contain('Refusing to follow a redirect to file:');
    });
  });

  describe('maxClients', () => {
    it('keeps at most maxClients requests in flight and starts the rest in FIFO order', async () => {
      const limited = new AsyncHTTPClient({ maxClients: 2 });
      try {
        const futures = [0, 1, 2, 3, 4].map((i) => limited.fetch(`${server.url}/hold/${i}`));
        await until(() => server.held.waiting.length === 2);
        while (server.held.waiting.length > 0) {
          server.held.release(1);
          await until(() => server.held.waiting.length === 2 || server.log.arrivals.length === 5);
          if (server.log.arrivals.length === 5) server.held.release();
        }
        const bodies = (await Promise.all(futures)).map((r) => r.body.toString());
        expect(bodies).to.deep.equal(['/hold/0', '/hold/1', '/hold/2', '/hold/3', '/hold/4']);
        expect(server.log.arrivals).to.deep.equal(['/hold/0', '/hold/1', '/hold/2', '/hold/3', '/hold/4']);
        expect(server.log.peakInFlight).to.equal(2);
      } finally {
        limited.close();
      }
    });

    it('fails a request that waits in the queue past its timeout with "Timeout in request queue"', async () => {
      const limited = new AsyncHTTPClient({ maxClients: 1 });
      try {
        const first = limited.fetch(`${server.url}/never`, { requestTimeout: 5 });
        const error = await failureOf(limited.fetch(`${server.url}/hello`, { requestTimeout: 0.2 }));
        expect(error.code).to.equal(599);
        expect(error.message).to.equal('Timeout in request queue');
        first.cancel();
      } finally {
        limited.close();
      }
    });

    it("keeps a queued request whose timeout is beyond Node's 24.8-day timer limit waiting instead of failing it", async () => {
      const limited = new AsyncHTTPClient({ maxClients: 1 });
      try {
        const futures = [0, 1].map((i) => limited.fetch(`${server.url}/slow/20?${i}`, { requestTimeout: 1e9 }));
        const bodies = (await Promise.all(futures)).map((r) => r.body.toString());
        expect(bodies).to.deep.equal(['slow ?0', 'slow ?1']);
      } finally {
        limited.close();
      }
    });

    it('rejects maxClients below 1', () => {
      expect(() => new AsyncHTTPClient({ maxClients: 0 })).to.throw(
        RangeError,
        'maxClients must be a positive integer, got 0',
      );
    });
  });

  describe('cancellation', () => {
    it('aborts an in-flight request and gives its slot to the next one', async () => {
      const limited = new AsyncHTTPClient({ maxClients: 1 });
      try {
        const first = limited.fetch(`${server.url}/never`);
        const second = limited.fetch(`${server.url}/hello`);
        await until(() => server.log.arrivals.length === 1);
        expect(first.cancel()).to.equal(true);
        const response = await second;
        expect(response.body.toString()).to.equal(HELLO);
        await until(() => server.log.aborted === 1);
        expect(first.cancelled()).to.equal(true);
      } finally {
        limited.close();
      }
    });

    it('never sends a request cancelled while queued', async () => {
      const limited = new AsyncHTTPClient({ maxClients: 1 });
      try {
        const first = limited.fetch(`${server.url}/hold/first`);
        const queued = limited.fetch(`${server.url}/hello`);
        queued.cancel();
        await until(() => server.held.waiting.length === 1);
        server.held.release();
        await first;
        expect(server.log.arrivals).to.deep.equal(['/hold/first']);
      } finally {
        limited.close();
      }
    });

    it('aborts the request when a coroutine waiting on it is cancelled', async () => {
      const waiter = coroutine(function* () {
        yield client.fetch(`${server.url}/never`);
      });
      const running = waiter();
      await until(() => server.log.arrivals.length === 1);
      running.cancel();
      await until(() => server.log.aborted === 1);
      expect(server.log.aborted).to.equal(1);
    });
  });

  describe('close', () => {
    it('makes later fetches throw "fetch() called on closed AsyncHTTPClient"', () => {
      client.close();
      expect(() => client.fetch(`${server.url}/hello`)).to.throw(Error, 'fetch() called on closed AsyncHTTPClient');
    });

    it('fails requests still in flight', async () => {
      const pending = client.fetch(`${server.url}/never`);
      client.close();
      const error = await failureOf(pending);
      expect(error.code).to.equal(599);
      expect(error.message).to.contain('AsyncHTTPClient closed');
    });

    it('names the unfinished request without the userinfo of its URL', async () => {
      const pending = client.fetch(`${server.url.replace('://', '://user:s3cret@')}/never`);
      client.close();
      const error = await failureOf(pending);
      expect(error.message).to.equal(
        `AsyncHTTPClient closed before the request finished (GET ${server.url.replace('://', '://***@')}/never)`,
      );
    });
  });

  describe('instances', () => {
    it('shares one client per IOLoop when made without options, as Tornado', () => {
      const shared = new AsyncHTTPClient();
      try {
        expect(new AsyncHTTPClient()).to.equal(shared);
        expect(new AsyncHTTPClient({ forceInstance: true })).to.not.equal(shared);
      } finally {
        shared.close();
      }
    });

    it('makes a fresh shared client after the shared one is closed', () => {
      const first = new AsyncHTTPClient();
      first.close();
      const second = new AsyncHTTPClient();
      expect(second).to.not.equal(first);
      second.close();
    });
  });

  describe('types', () => {
    it('types fetch results and rejects misspelt options at compile time', () => {
      // Compiled, never called: tsc must keep rejecting the marked lines.
      const typeChecks = function* (c: AsyncHTTPClient) {
        const viaYieldStar: HTTPResponse = yield* c.fetch('http://127.0.0.1/');
        const viaThen: PromiseLike<HTTPResponse> = c.fetch('http://127.0.0.1/');
        // @ts-expect-error requestTimout is not an option
        c.fetch('http://127.0.0.1/', { requestTimout: 1 });
        // @ts-expect-error a body is a string or bytes
        c.fetch('http://127.0.0.1/', { method: 'POST', body: { json: true } });
        // @ts-expect-error the response body is a Buffer, not a string
        const text: string = viaYieldStar.body;
        return [viaThen, text];
      };
      expect(typeChecks).to.be.a('function');
    });
  });

  describe('keep-alive', () => {
    it('retries a GET once on a fresh connection when a reused one turns out closed', async () => {
      await client.fetch(`${server.url}/first-on-connection`);
      const response = await client.fetch(`${server.url}/first-on-connection`);
      expect(response.body.toString()).to.equal('GET answered');
      expect(server.log.connections).to.equal(2);
    });

    it('does not retry a POST on a reused connection that turns out closed', async () => {
      await client.fetch(`${server.url}/first-on-connection`);
      const error = await failureOf(
        client.fetch(`${server.url}/first-on-connection`, { method: 'POST', body: 'once' }),
      );
      expect(error.message).to.equal('Stream closed');
      expect(server.log.connections).to.equal(1);
    });

    it('reuses one connection for 1,000 sequential requests', async () => {
      for (let i = 0; i < 1000; i++) {
        const response = await client.fetch(`${server.url}/hello`);
        expect(response.code).to.equal(200);
      }
      expect(server.log.connections).to.equal(1);
      await iterations(1);
    });
  });
});
