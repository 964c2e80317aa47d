/**
 * A TCP server that speaks broken HTTP on purpose, for the HTTP fault specs:
 * each path is one kind of misbehaviour. It runs on the test's thread (for
 * AsyncHTTPClient, with counters the test can read) or on a worker thread
 * (for the blocking HTTPClient, which stops the test's thread while it waits).
 */
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';

const MEGABYTE = Buffer.alloc(1 << 20, 'x');
const GIGABYTE = 1 << 30;

/** Malformed replies, by path; each should fail with "Parse Error: ...". */
export const MALFORMED: Record<string, string> = {
  '/garbage-status': 'HELLO THERE\r\n\r\n',
  '/non-numeric-code': 'HTTP/1.1 abc OK\r\n\r\n',
  '/header-without-colon': 'HTTP/1.1 200 OK\r\nThis is not a header\r\nContent-Length: 2\r\n\r\nok',
  '/bare-cr-in-header': 'HTTP/1.1 200 OK\r\nX-Bad: a\rb\r\nContent-Length: 2\r\n\r\nok',
  '/conflicting-lengths': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\nok',
};

/** What the server did, for assertions (on the test's thread only). */
export interface MisbehavingStats {
  /** Bytes written to sockets so far, closed ones included. */
  bytesWritten(): number;
  /** Requests seen, by path. */
  hits: Record<string, number>;
}

export interface MisbehavingServer extends MisbehavingStats {
  url: string;
  close(): Promise<void>;
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

/** Sends `head`, then one `byte` every 20 ms until the peer goes away. */
function drip(socket: net.Socket, head: string, byte: string): void {
  socket.write(head);
  const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(byte)), 20);
  socket.on('close', () => clearInterval(timer));
}

function respond(socket: net.Socket, path: string): void {
  if (path in MALFORMED) {
    socket.end(MALFORMED[path]);
    return;
  }
  switch (path) {
    case '/ok':
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      return; // keep-alive: the next request on this socket is read as usual
    case '/reset':
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(100), () => socket.resetAndDestroy());
      return;
    case '/short':
      socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nshort');
      return;
    case '/drip-body':
      drip(socket, 'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n', 'x');
      return;
    case '/drip-headers':
      drip(socket, 'HTTP/1.1 200 OK\r\n', 'X');
      return;
    case '/endless':
      socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n');
      pump(socket, MEGABYTE, GIGABYTE);
      return;
    case '/declared-gigabyte':
      socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${GIGABYTE}\r\n\r\n`);
      pump(socket, MEGABYTE, GIGABYTE);
      return;
    case '/loop':
      socket.end('HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    case '/to-file':
      socket.end(
        'HTTP/1.1 302 Found\r\nLocation: file:///etc/passwd\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      );
      return;
    default:
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  }
}

/** Starts the server on this thread, on 127.0.0.1 and an ephemeral port. */
export async function startMisbehavingServer(): Promise<MisbehavingServer> {
  const sockets = new Set<net.Socket>();
  const hits: Record<string, number> = {};
  let closedBytes = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      closedBytes += socket.bytesWritten;
      sockets.delete(socket);
    });
    socket.on('error', () => {});
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      // Requests carry no body here (GETs): each head ends at the blank line.
      for (let end = pending.indexOf('\r\n\r\n'); end >= 0; end = pending.indexOf('\r\n\r\n')) {
        const path = pending.slice(0, end).split(' ')[1];
        pending = pending.slice(end + 4);
        hits[path] = (hits[path] ?? 0) + 1;
        respond(socket, path);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    bytesWritten: () => closedBytes + [...sockets].reduce((sum, s) => sum + s.bytesWritten, 0),
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Starts the server on a worker thread (see ./misbehaving-server-thread.ts). */
export async function startMisbehavingServerThread(): Promise<{ url: string; close(): Promise<void> }> {
  const worker = new Worker(new URL('./misbehaving-server-thread.js', import.meta.url));
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url,
    close: async () => {
      await worker.terminate();
    },
  };
}
