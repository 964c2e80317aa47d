/**
 * The HTTP client against misbehaving local servers: a reset mid-body, a slow
 * drip of bytes against `requestTimeout`, an endless or 1 GB body against
 * `maxBodySize`, malformed status lines and headers, a redirect loop, a
 * redirect to `file:`. Each fetch must end with a clear `HTTPClientError`
 * (no hang: mocha's timeout is the guard, far above each request timeout),
 * read no more than it must (the server counts what it managed to send), and
 * leave the client usable: the same client then fetches from a well-behaved
 * server, as many requests as `maxClients` at once.
 */
import { expect } from 'chai';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { AsyncHTTPClient, HTTPClientError } from '../../lib/httpclient.js';
import { multi } from '../../lib/gen.js';
import { rejectionOf, useFreshLoop } from '../support/index.js';

const MAX_CLIENTS = 2;

interface RawServer {
  url: string;
  /** Bytes the server managed to write before the client went away. */
  bytesWritten(): number;
  close(): Promise<void>;
}

/** A TCP server that reads the request head and hands the socket to `respond`: anything goes. */
async function rawServer(respond: (socket: net.Socket, path: string) => void): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  let written = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      written += socket.bytesWritten;
      sockets.delete(socket);
    });
    socket.on('error', () => {});
    let head = '';
    socket.on('data', function onData(chunk) {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      respond(socket, head.split(' ')[1]);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bytesWritten: () => written + [...sockets].reduce((sum, s) => sum + s.bytesWritten, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A server that answers every request with 200 "ok". */
async function goodServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** JS heap plus Buffers (which live outside the heap): what a body read into memory would grow. */
function memoryInUse(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

/** Writes `chunk` over and over while the peer reads, up to `limit` bytes. */
function pump(socket: net.Socket, chunk: Buffer, limit: number): void {
  let sent = 0;
  const writeMore = () => {
    while (!socket.destroyed && sent < limit) {
      sent += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', writeMore);
        return;
      }
    }
    if (!socket.destroyed) socket.end();
  };
  writeMore();
}

describe('AsyncHTTPClient against misbehaving servers', function () {
  this.timeout(20_000);
  useFreshLoop();

  let client: AsyncHTTPClient;
  let good: { url: string; close(): Promise<void> };
  let bad: RawServer | null = null;

  beforeEach(async () => {
    client = new AsyncHTTPClient({ maxClients: MAX_CLIENTS });
    good = await goodServer();
  });
  afterEach(async () => {
    client.close();
    await good.close();
    await bad?.close();
    bad = null;
  });

  async function expectFailure(url: string, options: Parameters<AsyncHTTPClient['fetch']>[1] = {}): Promise<HTTPClientError> {
    const error = await rejectionOf(client.fetch(url, options));
    expect(error).to.be.instanceOf(HTTPClientError);
    return error as HTTPClientError;
  }

  async function expectClientStillWorks(): Promise<void> {
    const responses = await multi([...Array(MAX_CLIENTS * 2)].map(() => client.fetch(good.url)));
    expect(responses.map((r) => [r.code, r.body.toString()])).to.deep.equal([...Array(MAX_CLIENTS * 2)].map(() => [200, 'ok']));
  }

  it('fails with 599 "Stream closed" when the connection is reset in the middle of the body', async () => {
    bad = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(100), () => socket.resetAndDestroy());
    });
    const error = await expectFailure(`${bad.url}/reset`);
    expect(error.code).to.equal(599);
    expect(error.message).to.equal('Stream closed');
    await expectClientStillWorks();
  });

  it('fails with 599 "Stream closed" when the server closes before the declared length', async () => {
    bad = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort'));
    const error = await expectFailure(`${bad.url}/short`);
    expect(error.code).to.equal(599);
    expect(error.message).to.equal('Stream closed');
    await expectClientStillWorks();
  });

  /** A server that sends `head`, then one `drip` byte every 20 ms, for ever; the fetch must time out. */
  async function expectTimeoutWhileDripping(head: string, drip: string): Promise<void> {
    const drips: NodeJS.Timeout[] = [];
    bad = await rawServer((socket) => {
      socket.write(head);
      drips.push(setInterval(() => socket.destroyed || socket.write(drip), 20));
    });
    try {
      const error = await expectFailure(`${bad.url}/drip`, { requestTimeout: 0.3 });
      expect(error.code).to.equal(599);
      expect(error.message).to.equal('Timeout during request');
    } finally {
      drips.forEach(clearInterval);
    }
    await expectClientStillWorks();
  }

  it('fails with 599 "Timeout during request" when the body arrives one byte at a time (slowloris)', async () => {
    await expectTimeoutWhileDripping('HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n', 'x');
  });

  it('fails with 599 "Timeout during request" when the headers arrive one byte at a time', async () => {
    await expectTimeoutWhileDripping('HTTP/1.1 200 OK\r\n', 'X');
  });

  it('stops reading an endless 1 GB body at maxBodySize, with bounded memory', async () => {
    const megabyte = Buffer.alloc(1 << 20, 'x');
    bad = await rawServer((socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n');
      pump(socket, megabyte, 1 << 30);
    });
    const memoryBefore = memoryInUse();
    const error = await expectFailure(`${bad.url}/endless`, { maxBodySize: 4 << 20 });
    expect(error.code).to.equal(599);
    expect(error.message).to.match(/^Response body larger than maxBodySize \(4194304 bytes\)/);
    // What is in flight in socket buffers, not the gigabyte.
    expect(bad.bytesWritten()).to.be.below(64 << 20);
    expect(memoryInUse() - memoryBefore).to.be.below(64 << 20);
    await expectClientStillWorks();
  });

  it('refuses a declared 1 GB body at the headers, before reading it', async () => {
    const megabyte = Buffer.alloc(1 << 20, 'x');
    bad = await rawServer((socket) => {
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${1 << 30}\r\n\r\n`);
      pump(socket, megabyte, 1 << 30);
    });
    const error = await expectFailure(`${bad.url}/declared`, { maxBodySize: 4 << 20 });
    expect(error.code).to.equal(599);
    expect(error.message).to.match(/^Response body larger than maxBodySize/);
    expect(bad.bytesWritten()).to.be.below(64 << 20);
    await expectClientStillWorks();
  });

  for (const [what, reply] of [
    ['a garbage status line', 'HELLO THERE\r\n\r\n'],
    ['a status line with a non-numeric code', 'HTTP/1.1 abc OK\r\n\r\n'],
    ['a header line without a colon', 'HTTP/1.1 200 OK\r\nThis is not a header\r\nContent-Length: 2\r\n\r\nok'],
    ['a header with a bare CR in its value', 'HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 2\r\n\r\nok'],
    ['conflicting Content-Length headers', 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nok'],
  ] as const) {
    it(`fails with a 599 naming the parse error on ${what}`, async () => {
      bad = await rawServer((socket) => socket.end(reply));
      const error = await expectFailure(`${bad.url}/malformed`);
      expect(error.code).to.equal(599);
      expect(error.message).to.match(/^Parse Error: .+ \(GET http:\/\/127\.0\.0\.1:\d+\/malformed\)$/);
      await expectClientStillWorks();
    });
  }

  it('fails with HTTP 302 after maxRedirects hops of a redirect loop', async () => {
    let hops = 0;
    bad = await rawServer((socket) => {
      hops++;
      socket.end('HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    });
    const error = await expectFailure(`${bad.url}/loop`, { maxRedirects: 3 });
    expect(error.code).to.equal(302);
    expect(error.message).to.equal('HTTP 302: Found');
    expect(hops).to.equal(4);
    await expectClientStillWorks();
  });

  it('refuses to follow a redirect to file:, without reading the file', async () => {
    bad = await rawServer((socket) => {
      socket.end('HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\n\r\n');
    });
    const error = await expectFailure(`${bad.url}/to-file`);
    expect(error.code).to.equal(599);
    expect(error.message).to.match(/^Refusing to follow a redirect to file:/);
    expect(error.response).to.equal(undefined);
    await expectClientStillWorks();
  });
});
