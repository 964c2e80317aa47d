/**
 * The HTTP clients against a misbehaving local server (./misbehaving-server.ts):
 * a reset mid-body, a slow drip of bytes against `requestTimeout`, an endless
 * or declared 1 GB body against `maxBodySize`, malformed status lines and
 * headers, a redirect loop, a redirect to `file:`. Each fetch must end with a
 * clear `HTTPClientError` (no hang: mocha's timeout is the guard, far above
 * each request timeout), read no more than it must (the server counts what
 * it managed to send), and leave the client usable: it then fetches `/ok`
 * from the *same* server (same connection pool key), `maxClients * 2` at once.
 */
import { expect } from 'chai';
import { multi } from '../../lib/gen.js';
import { AsyncHTTPClient, HTTPClient, HTTPClientError, type FetchOptions } from '../../lib/httpclient.js';
import { rejectionOf, thrownBy, useFreshLoop } from '../support/index.js';
import {
  MALFORMED,
  startMisbehavingServer,
  startMisbehavingServerThread,
  type MisbehavingServer,
} from './misbehaving-server.js';

const MAX_CLIENTS = 2;

/** JS heap plus Buffers (which live outside the heap): what a body read into memory would grow. */
function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Each fault: the path, fetch options, and what the error must say. */
const FAULTS: Array<{ what: string; path: string; options?: FetchOptions; code: number; message: RegExp }> = [
  { what: 'the connection is reset in the middle of the body', path: '/reset', code: 599, message: /^Stream closed$/ },
  { what: 'the server closes before the declared length', path: '/short', code: 599, message: /^Stream closed$/ },
  {
    what: 'the body arrives one byte at a time (slowloris)',
    path: '/drip-body',
    options: { requestTimeout: 0.3 },
    code: 599,
    message: /^Timeout during request$/,
  },
  {
    what: 'the headers arrive one byte at a time',
    path: '/drip-headers',
    options: { requestTimeout: 0.3 },
    code: 599,
    message: /^Timeout during request$/,
  },
  {
    what: 'an endless body passes maxBodySize',
    path: '/endless',
    options: { maxBodySize: 4 << 20 },
    code: 599,
    message: /^Response body larger than maxBodySize \(4194304 bytes\)/,
  },
  {
    what: 'a 1 GB Content-Length exceeds maxBodySize',
    path: '/declared-gigabyte',
    options: { maxBodySize: 4 << 20 },
    code: 599,
    message: /^Response body larger than maxBodySize \(4194304 bytes\)/,
  },
  ...Object.keys(MALFORMED).map((path) => ({
    what: `the reply is malformed (${path.slice(1).replace(/-/g, ' ')})`,
    path,
    code: 599,
    message: new RegExp(`^Parse Error: .+ \\(GET http://127\\.0\\.0\\.1:\\d+${path}\\)$`),
  })),
  {
    what: 'redirects loop past maxRedirects',
    path: '/loop',
    options: { maxRedirects: 3 },
    code: 302,
    message: /^HTTP 302: Found$/,
  },
  {
    what: 'a redirect points to file:',
    path: '/to-file',
    code: 599,
    message: /^Refusing to follow a redirect to file: .+file:\/\/\/etc\/passwd$/,
  },
];

describe('AsyncHTTPClient against a misbehaving server', function () {
  this.timeout(20_000);
  useFreshLoop();

  let client: AsyncHTTPClient;
  let server: MisbehavingServer;
  beforeEach(async () => {
    client = new AsyncHTTPClient({ maxClients: MAX_CLIENTS });
    server = await startMisbehavingServer();
  });
  afterEach(async () => {
    client.close();
    await server.close();
  });

  async function expectStillWorks(): Promise<void> {
    const responses = await multi([...Array(MAX_CLIENTS * 2)].map(() => client.fetch(`${server.url}/ok`)));
    expect(responses.map((r) => `${r.code} ${r.body}`)).to.deep.equal([...Array(MAX_CLIENTS * 2)].fill('200 ok'));
  }

  for (const fault of FAULTS) {
    it(`fails with a clear HTTPClientError ${fault.code} when ${fault.what}, and the client still works`, async () => {
      const error = await rejectionOf(client.fetch(`${server.url}${fault.path}`, fault.options));
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(fault.code);
      expect(error.message).to.match(fault.message);
      await expectStillWorks();
    });
  }

  it('reads an endless 1 GB body only up to maxBodySize, with bounded memory', async () => {
    const before = memoryInUse();
    await rejectionOf(client.fetch(`${server.url}/endless`, { maxBodySize: 4 << 20 }));
    // What was in flight in socket buffers, not the gigabyte.
    expect(server.bytesWritten()).to.be.below(64 << 20);
    expect(memoryInUse() - before).to.be.below(64 << 20);
  });

  it('refuses a declared 1 GB body at the headers, before reading it', async () => {
    await rejectionOf(client.fetch(`${server.url}/declared-gigabyte`, { maxBodySize: 4 << 20 }));
    expect(server.bytesWritten()).to.be.below(64 << 20);
  });

  it('follows a redirect loop exactly maxRedirects times', async () => {
    await rejectionOf(client.fetch(`${server.url}/loop`, { maxRedirects: 3 }));
    expect(server.hits['/loop']).to.equal(4);
  });

  it('never contacts anything for a redirect to file:', async () => {
    await rejectionOf(client.fetch(`${server.url}/to-file`));
    expect(server.hits).to.deep.equal({ '/to-file': 1 });
  });
});

describe('the blocking HTTPClient against a misbehaving server', function () {
  this.timeout(20_000);

  let client: HTTPClient;
  let server: { url: string; close(): Promise<void> };
  // The server lives on a worker thread: the blocking client stops this one.
  before(async () => {
    server = await startMisbehavingServerThread();
  });
  after(async () => {
    await server.close();
  });
  beforeEach(() => {
    client = new HTTPClient();
  });
  afterEach(() => client.close());

  for (const fault of FAULTS) {
    it(`throws the same HTTPClientError ${fault.code} when ${fault.what}, and the client still works`, () => {
      const error = thrownBy(() => client.fetch(`${server.url}${fault.path}`, fault.options));
      expect(error).to.be.instanceOf(HTTPClientError);
      expect((error as HTTPClientError).code).to.equal(fault.code);
      expect(error.message).to.match(fault.message);
      const response = client.fetch(`${server.url}/ok`);
      expect(`${response.code} ${response.body}`).to.equal('200 ok');
    });
  }
});
