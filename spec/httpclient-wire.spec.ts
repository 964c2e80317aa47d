/**
 * What both clients put on the wire, byte for byte, read by a raw server
 * that parses requests as a strict server would (see ./support/wire-server.ts):
 * body framing (request smuggling, RFC 9112 §6) and credential headers
 * across redirects to other origins.
 */
import { expect } from 'chai';
import { AsyncHTTPClient, HTTPClient, type FetchOptions, type HTTPResponse } from '../lib/httpclient.js';
import { IOLoop } from '../lib/ioloop.js';
import { thrownBy } from './support/index.js';
import { startWireServers, startWireServerThread, type WireRecord, type WireServers } from './support/wire-server.js';

/** One client under test, and how to run its servers so that it can be answered. */
interface Driver {
  name: string;
  startServers(useTLS: boolean[]): Promise<WireServers>;
  open(): void;
  /** Throws synchronously for a request the client refuses. */
  fetch(url: string, options?: FetchOptions): PromiseLike<HTTPResponse> | HTTPResponse;
  close(): void;
}

function asyncDriver(): Driver {
  let loop: IOLoop | null = null;
  let client: AsyncHTTPClient | null = null;
  return {
    name: 'AsyncHTTPClient',
    startServers: startWireServers,
    open() {
      loop = new IOLoop();
      loop.makeCurrent();
      client = new AsyncHTTPClient({ forceInstance: true });
    },
    fetch: (url, options) => client!.fetch(url, options),
    close() {
      client?.close();
      loop?.close();
    },
  };
}

function blockingDriver(): Driver {
  let client: HTTPClient | null = null;
  return {
    name: 'HTTPClient (blocking)',
    // This thread stops while the blocking client waits: its servers live on another.
    startServers: startWireServerThread,
    open() {
      client = new HTTPClient();
    },
    fetch: (url, options) => client!.fetch(url, options),
    close() {
      client?.close();
    },
  };
}

const SMUGGLED = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
const FRAMING_HEADER = /^(content-length|transfer-encoding):/gim;
const CREDENTIALS = {
  Authorization: 'Bearer s3cret',
  'Proxy-Authorization': 'Basic cHJveHk6czNjcmV0',
  Cookie: 'session=s3cret',
  Cookie2: '$Version="1"',
  'X-Kept': 'yes',
};
const CREDENTIAL_LINE = /^(authorization|proxy-authorization|cookie|cookie2):/gim;

/** The request heads (everything before each blank line) a connection carried. */
function headsOf(record: WireRecord): string[] {
  return record.requests.map((request) => request.headers.map(([name, value]) => `${name}: ${value}`).join('\r\n'));
}

function framingHeadersOf(head: string): string[] {
  return head.match(FRAMING_HEADER) ?? [];
}

function redirectTo(from: string, to: string, code = 302): string {
  return `${from}/redirect?code=${code}&to=${encodeURIComponent(to)}`;
}

for (const makeDriver of [asyncDriver, blockingDriver]) {
  const driver = makeDriver();

  describe(`${driver.name} on the wire`, () => {
    let servers: WireServers;

    before(async () => {
      servers = await driver.startServers([false, false, true]);
    });

    after(async () => {
      await servers.close();
    });

    beforeEach(() => driver.open());
    afterEach(() => driver.close());

    /** What each server received during this test only. */
    async function receivedSince(before: WireRecord[]): Promise<WireRecord[]> {
      const now = await servers.records();
      return now.map((record, i) => ({
        connections: record.connections.slice(before[i]!.connections.length),
        requests: record.requests.slice(before[i]!.requests.length),
      }));
    }

    describe('body framing', () => {
      it('sends a body that looks like a request as one request, framed by its own length', async () => {
        const [plain] = servers.urls;
        const before = await servers.records();
        const response = await driver.fetch(`${plain}/post`, { method: 'POST', body: SMUGGLED });
        const [received] = await receivedSince(before);
        expect(response.body.toString()).to.equal('ok');
        expect(received!.requests.map((request) => request.target)).to.deep.equal(['/post']);
        expect(received!.requests[0]!.body).to.equal(SMUGGLED);
        expect(framingHeadersOf(headsOf(received!)[0]!)).to.deep.equal([`content-length:`]);
        expect(received!.connections.join('')).to.contain(`\r\ncontent-length: ${SMUGGLED.length}\r\n`);
      });

      it('refuses a Content-Length smaller than the body, and sends nothing', async () => {
        const before = await servers.records();
        const error = thrownBy(() =>
          driver.fetch(`${servers.urls[0]}/post`, {
            method: 'POST',
            body: SMUGGLED,
            headers: { 'Content-Length': '0' },
          }),
        );
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.equal(
          `HTTPRequest: Content-Length header '0' does not match the body (${SMUGGLED.length} bytes): ` +
            'leave it out, the client sets it from the body',
        );
        expect((await receivedSince(before))[0]!.connections).to.deep.equal([]);
      });

      it('refuses a Content-Length larger than the body (which would hang), and sends nothing', async () => {
        const before = await servers.records();
        const error = thrownBy(() =>
          driver.fetch(`${servers.urls[0]}/post`, {
            method: 'POST',
            body: 'hello',
            headers: { 'content-length': '50' },
          }),
        );
        expect(error.message).to.contain(`Content-Length header '50' does not match the body (5 bytes)`);
        expect((await receivedSince(before))[0]!.connections).to.deep.equal([]);
      });

      it('accepts a Content-Length equal to the body length and sends it once', async () => {
        const before = await servers.records();
        await driver.fetch(`${servers.urls[0]}/post`, {
          method: 'PUT',
          body: 'hello',
          headers: { 'Content-Length': '5' },
        });
        const [received] = await receivedSince(before);
        expect(received!.requests.map((request) => request.body)).to.deep.equal(['hello']);
        expect(framingHeadersOf(headsOf(received!)[0]!)).to.have.length(1);
        expect(received!.connections.join('')).to.contain('\r\ncontent-length: 5\r\n');
        expect(received!.connections.join('').endsWith('\r\n\r\nhello')).to.equal(true);
      });

      it('refuses a Transfer-Encoding header, and sends nothing', async () => {
        const before = await servers.records();
        const error = thrownBy(() =>
          driver.fetch(`${servers.urls[0]}/post`, {
            method: 'POST',
            body: 'hello',
            headers: { 'Transfer-Encoding': 'chunked' },
          }),
        );
        expect(error).to.be.instanceOf(TypeError);
        expect(error.message).to.equal(
          "HTTPRequest: a Transfer-Encoding header ('chunked') cannot be set: " +
            'the client frames the body itself, with a Content-Length computed from it; remove the header',
        );
        expect((await receivedSince(before))[0]!.connections).to.deep.equal([]);
      });

      const bodies: Array<[string, FetchOptions, string]> = [
        ['a GET without a body', { method: 'GET' }, ''],
        ['a DELETE without a body', { method: 'DELETE' }, ''],
        ['a POST with an empty body', { method: 'POST', body: '' }, ''],
        [
          'a PATCH with a binary body',
          { method: 'PATCH', body: new Uint8Array([0, 13, 10, 48, 13, 10]) },
          '\0\r\n0\r\n',
        ],
        ['a bodiless POST (allowNonstandardMethods)', { method: 'POST', allowNonstandardMethods: true }, ''],
      ];
      for (const [what, options, body] of bodies) {
        it(`sends ${what} with at most one framing header, and exactly its body`, async () => {
          const before = await servers.records();
          await driver.fetch(`${servers.urls[0]}/x`, options);
          const [received] = await receivedSince(before);
          expect(received!.requests.map((request) => request.body)).to.deep.equal([body]);
          expect(framingHeadersOf(headsOf(received!)[0]!).length).to.be.at.most(1);
          if (body !== '') expect(received!.connections.join('')).to.contain(`content-length: ${body.length}\r\n`);
        });
      }

      it('frames a POST body again on each hop of a 307 redirect', async () => {
        const before = await servers.records();
        await driver.fetch(redirectTo(servers.urls[0]!, '/done', 307), { method: 'POST', body: SMUGGLED });
        const [received] = await receivedSince(before);
        expect(received!.requests.map((request) => [request.target.split('?')[0], request.body])).to.deep.equal([
          ['/redirect', SMUGGLED],
          ['/done', SMUGGLED],
        ]);
        for (const head of headsOf(received!)) expect(framingHeadersOf(head)).to.have.length(1);
      });

      it('drops the body and its framing when a 303 turns a POST into a GET', async () => {
        const before = await servers.records();
        await driver.fetch(redirectTo(servers.urls[0]!, '/done', 303), { method: 'POST', body: 'hello' });
        const [received] = await receivedSince(before);
        expect(received!.requests.map((request) => `${request.method} ${request.target.split('?')[0]}`)).to.deep.equal([
          'POST /redirect',
          'GET /done',
        ]);
        expect(framingHeadersOf(headsOf(received!)[1]!)).to.deep.equal([]);
        expect(received!.requests[1]!.body).to.equal('');
      });
    });

    describe('URL userinfo in messages', () => {
      /** What `run` throws or rejects with. */
      async function failureOf(run: () => unknown): Promise<Error> {
        try {
          await run();
        } catch (error) {
          return error as Error;
        }
        throw new Error('expected the fetch to fail');
      }

      function expectNoCredentials(error: Error): void {
        const everything = [
          error.message,
          String(error),
          error.stack,
          (error.cause as Error | undefined)?.message,
        ].join('\n');
        expect(everything).not.to.contain('s3cret');
        expect(everything).not.to.contain('user');
      }

      const withUserinfo = (url: string) => url.replace('://', '://user:s3cret@');
      const redacted = (url: string) => url.replace('://', '://***@');

      it('redacts it from a connection failure', async () => {
        const error = await failureOf(() => driver.fetch('http://user:s3cret@127.0.0.1:1/x'));
        expect(error.message).to.equal('connect ECONNREFUSED 127.0.0.1:1 (GET http://***@127.0.0.1:1/x)');
        expectNoCredentials(error);
      });

      it('redacts it from a body over maxBodySize', async () => {
        const url = `${servers.urls[0]}/bytes?n=100`;
        const error = await failureOf(() => driver.fetch(withUserinfo(url), { maxBodySize: 10 }));
        expect(error.message).to.equal(`Response body larger than maxBodySize (10 bytes) (GET ${redacted(url)})`);
        expectNoCredentials(error);
      });

      it('redacts it from a response that is not HTTP', async () => {
        const url = `${servers.urls[0]}/garbage`;
        const error = await failureOf(() => driver.fetch(withUserinfo(url)));
        expect(error.message).to.match(/^Parse Error: /);
        expect(error.message.endsWith(` (GET ${redacted(url)})`), error.message).to.equal(true);
        expectNoCredentials(error);
      });

      it('redacts it from both ends of a refused redirect', async () => {
        const url = redirectTo(withUserinfo(servers.urls[0]!), 'ftp://user:s3cret@127.0.0.1/file');
        const error = await failureOf(() => driver.fetch(url));
        expect(error.message).to.equal(
          `Refusing to follow a redirect to ftp: (only http and https) from ${redacted(redirectTo(servers.urls[0]!, ''))}` +
            'ftp%3A%2F%2Fuser%3As3cret%40127.0.0.1%2Ffile to ftp://***@127.0.0.1/file',
        );
      });

      it('redacts it from a malformed URL', async () => {
        const error = await failureOf(() => driver.fetch('http://user:s3cret@[::1/x'));
        expect(error.message).to.equal(
          "HTTPRequest: malformed URL 'http://***@[::1/x': expected an absolute http:// or https:// URL",
        );
        expectNoCredentials(error);
      });

      it('redacts it from the request and response toString', async () => {
        const response = await driver.fetch(withUserinfo(`${servers.urls[0]}/x`));
        expect(String(response.request)).to.equal(`<HTTPRequest GET ${redacted(servers.urls[0]!)}/x>`);
        expect(String(response)).to.equal(`<HTTPResponse 200 OK ${redacted(servers.urls[0]!)}/x>`);
      });
    });

    describe('credentials across redirects', () => {
      function credentialLines(record: WireRecord, index: number): string[] {
        return ((headsOf(record)[index] ?? '').match(CREDENTIAL_LINE) ?? []).map((line) => line.toLowerCase());
      }

      it('drops Authorization, Proxy-Authorization, Cookie and Cookie2 on a redirect to another port', async () => {
        const [first, second] = servers.urls;
        const before = await servers.records();
        await driver.fetch(redirectTo(first!, `${second}/landed`), { headers: CREDENTIALS });
        const [atFirst, atSecond] = await receivedSince(before);
        expect(credentialLines(atFirst!, 0)).to.deep.equal([
          'authorization:',
          'proxy-authorization:',
          'cookie:',
          'cookie2:',
        ]);
        expect(atSecond!.requests.map((request) => request.target)).to.deep.equal(['/landed']);
        expect(credentialLines(atSecond!, 0)).to.deep.equal([]);
        expect(atSecond!.connections.join('')).not.to.contain('s3cret');
        expect(atSecond!.connections.join('')).to.match(/\r\nx-kept: yes\r\n/i);
      });

      it('drops them on an https to http redirect, where they would go out in cleartext', async () => {
        const [, plain, secure] = servers.urls;
        const before = await servers.records();
        await driver.fetch(redirectTo(secure!, `${plain}/landed`, 307), {
          headers: CREDENTIALS,
          authUsername: 'user',
          authPassword: 's3cret',
          validateCert: false,
        });
        const [, atPlain, atSecure] = await receivedSince(before);
        expect(atSecure!.requests.map((request) => request.target.split('?')[0])).to.deep.equal(['/redirect']);
        expect(atPlain!.requests.map((request) => request.target)).to.deep.equal(['/landed']);
        expect(atPlain!.connections.join('')).not.to.match(CREDENTIAL_LINE);
        expect(atPlain!.connections.join('')).not.to.contain('s3cret');
      });

      it('drops URL userinfo and the Authorization made from it on a cross-origin redirect', async () => {
        const [first, second] = servers.urls;
        const before = await servers.records();
        const withUserinfo = first!.replace('http://', 'http://user:s3cret@');
        await driver.fetch(redirectTo(withUserinfo, `${second}/landed`));
        const [atFirst, atSecond] = await receivedSince(before);
        expect(credentialLines(atFirst!, 0)).to.deep.equal(['authorization:']);
        expect(atSecond!.connections.join('')).not.to.match(CREDENTIAL_LINE);
      });

      it('keeps every credential header on a same-origin redirect', async () => {
        const [first] = servers.urls;
        const before = await servers.records();
        await driver.fetch(redirectTo(first!, '/landed'), { headers: CREDENTIALS });
        const [atFirst] = await receivedSince(before);
        expect(atFirst!.requests.map((request) => request.target.split('?')[0])).to.deep.equal([
          '/redirect',
          '/landed',
        ]);
        expect(credentialLines(atFirst!, 1)).to.have.length(4);
      });
    });
  });
}
