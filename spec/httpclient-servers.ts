/**
 * Local HTTP servers for the httpclient specs (127.0.0.1, ephemeral ports):
 * one set of routes, served either on this thread (for AsyncHTTPClient) or
 * on a worker thread (for the blocking HTTPClient, which stops this thread
 * while it waits and so could never be answered by a server living here).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import * as zlib from 'node:zlib';

export const HELLO = 'Hello world!';
export const COMPRESSIBLE = 'whirlwind '.repeat(200);

/** What a server saw, for assertions. */
export interface ServerLog {
  /** Paths in arrival order. */
  arrivals: string[];
  connections: number;
  inFlight: number;
  peakInFlight: number;
  /** Requests the client aborted before we answered. */
  aborted: number;
}

/** Requests held by `/hold/<name>` until the test calls `release()`. */
export interface HeldRequests {
  waiting: Array<{ path: string; answer: () => void }>;
  release(count?: number): void;
}

export function newServerLog(): ServerLog {
  return { arrivals: [], connections: 0, inFlight: 0, peakInFlight: 0, aborted: 0 };
}

const servedOnSocket = new WeakMap<object, number>();

/** The routes every test server serves. */
export function testRoutes(log: ServerLog, held: HeldRequests): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://test');
    const path = url.pathname;
    log.arrivals.push(path);
    log.inFlight++;
    log.peakInFlight = Math.max(log.peakInFlight, log.inFlight);
    let finished = false;
    res.on('finish', () => (finished = true));
    res.on('close', () => {
      log.inFlight--;
      if (!finished) log.aborted++;
    });
    const parts = path.split('/').filter(Boolean);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      switch (parts[0]) {
        case 'hello':
          res.setHeader('Content-Type', 'text/plain');
          res.end(HELLO);
          return;
        case 'status': {
          const code = Number(parts[1]);
          res.writeHead(code, { 'Content-Type': 'text/plain' });
          res.end(`status ${code}`);
          return;
        }
        case 'echo':
          res.setHeader('Content-Type', 'application/json');
          res.end(JSON.stringify({ method: req.method, headers: req.headers, body, path }));
          return;
        case 'redirect': {
          // /redirect/<code>?to=<url>: one redirect with that status.
          res.writeHead(Number(parts[1]), { Location: url.searchParams.get('to') ?? '/hello' });
          res.end();
          return;
        }
        case 'loop':
          res.writeHead(302, { Location: '/loop' });
          res.end();
          return;
        case 'never':
          return; // hold the request until the client gives up
        case 'hangup':
          req.socket.destroy();
          return;
        case 'first-on-connection': {
          // Answers only the first request of a connection and drops the
          // connection on any later one: a keep-alive connection the server
          // closed just as the client reused it.
          const served = servedOnSocket.get(req.socket) ?? 0;
          servedOnSocket.set(req.socket, served + 1);
          if (served > 0) req.socket.destroy();
          else res.end(`${req.method} answered`);
          return;
        }
        case 'cut':
          // Promise 1000 bytes, send 10, close: a response cut mid-body.
          res.writeHead(200, { 'Content-Length': '1000' });
          res.write('0123456789', () => req.socket.destroy());
          return;
        case 'gzip':
        case 'deflate':
        case 'br': {
          const encoded =
            parts[0] === 'gzip'
              ? zlib.gzipSync(COMPRESSIBLE)
              : parts[0] === 'deflate'
                ? zlib.deflateSync(COMPRESSIBLE)
                : zlib.brotliCompressSync(COMPRESSIBLE);
          res.writeHead(200, { 'Content-Encoding': parts[0], 'Content-Length': String(encoded.length) });
          res.end(encoded);
          return;
        }
        case 'gzip-empty':
          // /gzip-empty/<code>: no body bytes, yet a Content-Encoding (as some servers send on 204/304).
          res.writeHead(Number(parts[1]), {
            'Content-Encoding': 'gzip',
            ...(parts[1] === '200' ? { 'Content-Length': '0' } : {}),
          });
          res.end();
          return;
        case 'chunked':
          res.writeHead(200, { 'Content-Type': 'text/plain' });
          res.write('one,');
          setTimeout(() => {
            res.write('two,');
            setTimeout(() => res.end('three'), 5);
          }, 5);
          return;
        case 'big':
          // /big/<bytes>[/chunked]: that many bytes, honouring backpressure.
          streamBytes(res, Number(parts[1]), parts[2] === 'chunked');
          return;
        case 'big-gzip': {
          // /big-gzip/<bytes>: that many bytes once decoded, gzip-encoded (it compresses about 1000:1).
          res.writeHead(200, { 'Content-Encoding': 'gzip' });
          const encoder = zlib.createGzip();
          encoder.pipe(res);
          streamBytes(encoder, Number(parts[1]), true);
          return;
        }
        case 'slow':
          // /slow/<ms>: answer after a delay.
          setTimeout(() => res.end(`slow ${url.search}`), Number(parts[1]));
          return;
        case 'hold':
          held.waiting.push({ path, answer: () => res.end(path) });
          return;
        default:
          res.writeHead(404);
          res.end('no such route');
      }
    });
  };
}

function streamBytes(res: http.ServerResponse | zlib.Gzip, total: number, chunked: boolean): void {
  if (res instanceof http.ServerResponse) res.writeHead(200, chunked ? {} : { 'Content-Length': String(total) });
  const block = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const pump = () => {
    while (sent < total) {
      const piece = total - sent >= block.length ? block : block.subarray(0, total - sent);
      sent += piece.length;
      if (!res.write(piece)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end();
  };
  pump();
}

function newHeldRequests(): HeldRequests {
  const held: HeldRequests = {
    waiting: [],
    release(count = Infinity) {
      for (let i = 0; i < count && held.waiting.length > 0; i++) held.waiting.shift()!.answer();
    },
  };
  return held;
}

/** A server on this thread. */
export interface LocalServer {
  url: string;
  log: ServerLog;
  held: HeldRequests;
  server: http.Server;
  close(): Promise<void>;
}

/** A certificate and its key, PEM text: given to startServer, it serves https. */
export interface ServerTLS {
  key: string;
  cert: string;
}

/** Starts the test routes on 127.0.0.1, on an ephemeral port (https when `tls` is given). */
export async function startServer(tls?: ServerTLS): Promise<LocalServer> {
  const log = newServerLog();
  const held = newHeldRequests();
  const server =
    tls === undefined ? http.createServer(testRoutes(log, held)) : https.createServer(tls, testRoutes(log, held));
  server.on('connection', () => log.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    log,
    held,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        held.release();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A server on its own thread, so a blocked caller can still be answered. */
export interface ThreadServer {
  url: string;
  close(): Promise<void>;
}

/** Starts the test routes on a worker thread (see ./httpclient-server-thread.ts); https when `tls` is given. */
export async function startServerThread(tls?: ServerTLS): Promise<ThreadServer> {
  const worker = new Worker(new URL('./httpclient-server-thread.js', import.meta.url), { workerData: tls ?? null });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    close: async () => {
      await worker.terminate();
    },
  };
}
