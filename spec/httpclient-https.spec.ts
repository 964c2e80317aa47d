/**
 * The http clients over https, against local servers that present the
 * self-signed certificate in spec/fixtures/ (see its README: made once with
 * openssl and committed, so these tests never need openssl).
 */
import { expect } from 'chai';
import type { IncomingHttpHeaders } from 'node:http';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AsyncHTTPClient, HTTPClient, HTTPClientError, HTTPRequest, type HTTPResponse } from '../lib/httpclient.js';
import { failureOf, thrownBy, useFreshLoop } from './support/index.js';
import {
  HELLO,
  startServer,
  startServerThread,
  type LocalServer,
  type ServerTLS,
  type ThreadServer,
} from './httpclient-servers.js';

// This file runs as dist/spec/httpclient-https.spec.js and tsc copies no PEM files: read them from the sources.
const FIXTURES = new URL('../../spec/fixtures/', import.meta.url);
const CERT_FILE = fileURLToPath(new URL('test-server-cert.pem', FIXTURES));
const KEY_FILE = fileURLToPath(new URL('test-server-key.pem', FIXTURES));
const TLS: ServerTLS = { cert: readFileSync(CERT_FILE, 'utf8'), key: readFileSync(KEY_FILE, 'utf8') };

const VERIFICATION_FAILED = 'TLS certificate verification failed: ';

function headersEchoedBy(response: HTTPResponse): IncomingHttpHeaders {
  return (JSON.parse(response.body.toString('utf8')) as { headers: IncomingHttpHeaders }).headers;
}

/** Asserts the 599 a client gives for the fixture's self-signed certificate, for a GET of `url`. */
function expectSelfSignedRejection(error: HTTPClientError, url: string): void {
  expect(error).to.be.instanceOf(HTTPClientError);
  expect(error.code).to.equal(599);
  expect(error.message.startsWith(VERIFICATION_FAILED), error.message).to.equal(true);
  expect(error.message).to.contain(`(GET ${url})`);
  expect(error.message).to.contain('caCerts');
  expect(error.message).to.contain('validateCert: false');
  expect((error.cause as { code?: string } | undefined)?.code).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
  expect(error.response).to.equal(undefined);
}

describe('httpclient over https', () => {
  describe('AsyncHTTPClient', () => {
    useFreshLoop();
    let secure: LocalServer;
    let plain: LocalServer;
    let client: AsyncHTTPClient;

    beforeEach(async () => {
      [secure, plain] = await Promise.all([startServer(TLS), startServer()]);
      client = new AsyncHTTPClient({ forceInstance: true });
    });

    afterEach(async () => {
      client.close();
      await Promise.all([secure.close(), plain.close()]);
    });

    it('fetches from a self-signed server with validateCert false', async () => {
      const response = await client.fetch(`${secure.url}/hello`, { validateCert: false });
      expect(secure.url.startsWith('https://127.0.0.1:')).to.equal(true);
      expect(response.code).to.equal(200);
      expect(response.body.toString()).to.equal(HELLO);
      expect(response.effectiveUrl).to.equal(`${secure.url}/hello`);
    });

    it('rejects a self-signed server by default with 599 saying the certificate check failed', async () => {
      const error = (await failureOf(client.fetch(`${secure.url}/hello`))) as HTTPClientError;
      expectSelfSignedRejection(error, `${secure.url}/hello`);
      expect(secure.log.arrivals).to.deep.equal([]);
    });

    it('rejects a self-signed server with 599 even with raiseError false', async () => {
      const error = (await failureOf(client.fetch(`${secure.url}/hello`, { raiseError: false }))) as HTTPClientError;
      expectSelfSignedRejection(error, `${secure.url}/hello`);
    });

    it('never reuses a connection opened with validateCert false for a request that validates', async () => {
      await client.fetch(`${secure.url}/hello`, { validateCert: false });
      const error = (await failureOf(client.fetch(`${secure.url}/hello`))) as HTTPClientError;
      expectSelfSignedRejection(error, `${secure.url}/hello`);
      expect(secure.log.arrivals).to.deep.equal(['/hello']);
    });

    it('trusts a server whose certificate is in caCerts, with validateCert true', async () => {
      const response = await client.fetch(`${secure.url}/hello`, { caCerts: CERT_FILE, validateCert: true });
      expect(response.code).to.equal(200);
      expect(response.body.toString()).to.equal(HELLO);
    });

    it('keeps caCerts on the HTTPRequest, undefined by default', () => {
      expect(new HTTPRequest(`${secure.url}/`).caCerts).to.equal(undefined);
      expect(new HTTPRequest(`${secure.url}/`, { caCerts: CERT_FILE }).caCerts).to.equal(CERT_FILE);
    });

    it('throws at the call, naming the path, when the caCerts file cannot be read', () => {
      const missing = fileURLToPath(new URL('no-such-ca.pem', FIXTURES));
      expect(() => client.fetch(`${secure.url}/hello`, { caCerts: missing })).to.throw(
        Error,
        `HTTPRequest: cannot read caCerts file '${missing}': ENOENT`,
      );
      expect(secure.log.arrivals).to.deep.equal([]);
    });

    it('names a missing caCerts path whole however deep it is', () => {
      const deep = fileURLToPath(new URL(`${'a-folder-nobody-made/'.repeat(20)}no-such-ca.pem`, FIXTURES));
      expect(() => client.fetch(`${secure.url}/hello`, { caCerts: deep })).to.throw(
        Error,
        `HTTPRequest: cannot read caCerts file '${deep}': ENOENT`,
      );
    });

    it('throws at the call when the caCerts file holds no certificate', () => {
      expect(() => client.fetch(`${secure.url}/hello`, { caCerts: KEY_FILE })).to.throw(
        Error,
        `HTTPRequest: caCerts file '${KEY_FILE}' holds no PEM certificate`,
      );
    });

    it('rejects a caCerts that is not a path at construction', () => {
      const options = { caCerts: 42 as unknown as string };
      expect(() => new HTTPRequest(`${secure.url}/`, options)).to.throw(
        TypeError,
        'caCerts must be the path of a PEM file, got 42',
      );
    });

    /** Fetches `from` with credentials and one more header, redirected to `/echo` on `to`; the headers `to` saw. */
    async function credentialsAfterRedirect(from: LocalServer, to: LocalServer): Promise<IncomingHttpHeaders> {
      const target = `${to.url}/echo`;
      const response = await client.fetch(`${from.url}/redirect/302?to=${encodeURIComponent(target)}`, {
        validateCert: false,
        authUsername: 'user',
        authPassword: 'secret',
        headers: { Cookie: 'session=1', 'X-Kept': 'yes' },
      });
      expect(response.effectiveUrl).to.equal(target);
      return headersEchoedBy(response);
    }

    it('follows an http to https redirect, dropping Authorization and Cookie', async () => {
      const headers = await credentialsAfterRedirect(plain, secure);
      expect([headers.authorization, headers.cookie, headers['x-kept']]).to.deep.equal([undefined, undefined, 'yes']);
    });

    it('follows an https to http redirect, dropping Authorization and Cookie', async () => {
      const headers = await credentialsAfterRedirect(secure, plain);
      expect([headers.authorization, headers.cookie, headers['x-kept']]).to.deep.equal([undefined, undefined, 'yes']);
    });

    it('keeps Authorization and Cookie on a same-origin https redirect', async () => {
      const response = await client.fetch(`${secure.url}/redirect/302?to=/echo`, {
        caCerts: CERT_FILE,
        authUsername: 'user',
        authPassword: 'secret',
        headers: { Cookie: 'session=1' },
      });
      expect(response.effectiveUrl).to.equal(`${secure.url}/echo`);
      const headers = headersEchoedBy(response);
      expect([headers.authorization, headers.cookie]).to.deep.equal([
        `Basic ${Buffer.from('user:secret').toString('base64')}`,
        'session=1',
      ]);
    });

    it('checks the certificate of an https server reached by a redirect from http', async () => {
      const target = `${secure.url}/hello`;
      const error = (await failureOf(
        client.fetch(`${plain.url}/redirect/302?to=${encodeURIComponent(target)}`),
      )) as HTTPClientError;
      expectSelfSignedRejection(error, target);
      expect([plain.log.arrivals, secure.log.arrivals]).to.deep.equal([['/redirect/302'], []]);
    });

    it('trusts caCerts on an https server reached by a redirect from http', async () => {
      const target = `${secure.url}/hello`;
      const response = await client.fetch(`${plain.url}/redirect/307?to=${encodeURIComponent(target)}`, {
        caCerts: CERT_FILE,
      });
      expect([response.code, response.effectiveUrl, response.body.toString()]).to.deep.equal([200, target, HELLO]);
    });
  });

  // The server lives on another thread: HTTPClient blocks this one while it waits.
  describe('HTTPClient (blocking)', () => {
    let secure: ThreadServer;
    let client: HTTPClient;

    beforeEach(async () => {
      secure = await startServerThread(TLS);
      client = new HTTPClient();
    });

    afterEach(async () => {
      client.close();
      await secure.close();
    });

    it('fetches from a self-signed server with validateCert false', () => {
      const response = client.fetch(`${secure.url}/hello`, { validateCert: false });
      expect(secure.url.startsWith('https://127.0.0.1:')).to.equal(true);
      expect([response.code, response.body.toString()]).to.deep.equal([200, HELLO]);
    });

    it('rejects a self-signed server by default with the same 599 as AsyncHTTPClient', () => {
      const error = thrownBy(() => client.fetch(`${secure.url}/hello`)) as HTTPClientError;
      expectSelfSignedRejection(error, `${secure.url}/hello`);
    });

    it('trusts a server whose certificate is in caCerts, read before the request crosses to the worker', () => {
      const response = client.fetch(`${secure.url}/hello`, { caCerts: CERT_FILE });
      expect([response.code, response.body.toString()]).to.deep.equal([200, HELLO]);
    });
  });
});
