/**
 * Raw HTTP/1.1 servers for wire-level tests: a `node:net` (or `node:tls`)
 * server on 127.0.0.1 that records every byte each connection sends and
 * parses requests as a strict server would (Transfer-Encoding over
 * Content-Length; on a kept-alive connection, whatever follows a body is the
 * next request), so a smuggled request shows up as a request of its own.
 *
 * Routes: `/redirect?code=302&to=<url>` answers that redirect; `/bytes?n=<count>`
 * answers that many bytes; `/garbage` answers something that is not HTTP;
 * every other target answers `200 ok`.
 *
 * The blocking HTTPClient stops this thread while it waits, so for it the
 * servers run on a worker thread (./wire-server-thread.ts) and their records
 * are fetched afterwards.
 */
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Worker } from 'node:worker_threads';

/** One request as the server parsed it. */
export interface WireRequest {
  method: string;
  target: string;
  /** Header lines in order, names as sent. */
  headers: Array<[string, string]>;
  /** The body as the server framed it, latin1. */
  body: string;
}

/** Everything one server received. */
export interface WireRecord {
  /** The raw bytes of each connection (latin1), in the order connections were accepted. */
  connections: string[];
  requests: WireRequest[];
}

/** A group of servers (`urls[i]` answers with `records()[i]`). */
export interface WireServers {
  urls: string[];
  records(): Promise<WireRecord[]>;
  close(): Promise<void>;
}

/** The spec fixtures' self-signed certificate for 127.0.0.1 (see spec/fixtures/README.md). */
export function fixtureTLS(): { key: string; cert: string } {
  // This file runs from dist/spec/support/, and tsc copies no PEM files: read them from the sources.
  const fixtures = new URL('../../../spec/fixtures/', import.meta.url);
  return {
    key: readFileSync(new URL('test-server-key.pem', fixtures), 'utf8'),
    cert: readFileSync(new URL('test-server-cert.pem', fixtures), 'utf8'),
  };
}

const HEAD_END = '\r\n\r\n';

/** Parses as many complete requests as `pending` holds; returns them and the unparsed rest. */
function parseRequests(pending: string): { requests: WireRequest[]; rest: string } {
  const requests: WireRequest[] = [];
  for (;;) {
    const headEnd = pending.indexOf(HEAD_END);
    if (headEnd < 0) break;
    const [requestLine = '', ...lines] = pending.slice(0, headEnd).split('\r\n');
    const [method = '', target = ''] = requestLine.split(' ');
    const headers = lines.map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    const framed = frameBody(pending.slice(headEnd + HEAD_END.length), headers);
    if (framed === null) break;
    requests.push({ method, target, headers, body: framed.body });
    pending = framed.rest;
  }
  return { requests, rest: pending };
}

function headerValue(headers: Array<[string, string]>, name: string): string | undefined {
  return headers.find(([key]) => key.toLowerCase() === name)?.[1];
}

/** The body per RFC 9112 §6.3 (Transfer-Encoding wins), or null while it is incomplete. */
function frameBody(data: string, headers: Array<[string, string]>): { body: string; rest: string } | null {
  if (headerValue(headers, 'transfer-encoding') !== undefined) return dechunk(data);
  const length = Number(headerValue(headers, 'content-length') ?? 0);
  if (data.length < length) return null;
  return { body: data.slice(0, length), rest: data.slice(length) };
}

function dechunk(data: string): { body: string; rest: string } | null {
  let body = '';
  let at = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', at);
    if (lineEnd < 0) return null;
    const size = parseInt(data.slice(at, lineEnd), 16);
    if (size === 0) {
      const end = data.indexOf('\r\n', lineEnd + 2); // no trailers: the empty line ends it
      return end < 0 ? null : { body, rest: data.slice(end + 2) };
    }
    if (data.length < lineEnd + 2 + size + 2) return null;
    body += data.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}

function answer(request: WireRequest): string {
  const url = new URL(request.target, 'http://wire');
  if (url.pathname === '/redirect') {
    const code = url.searchParams.get('code') ?? '302';
    return `HTTP/1.1 ${code} Redirect\r\nLocation: ${url.searchParams.get('to') ?? '/'}\r\nContent-Length: 0\r\n\r\n`;
  }
  if (url.pathname === '/bytes') {
    const count = Number(url.searchParams.get('n'));
    return `HTTP/1.1 200 OK\r\nContent-Length: ${count}\r\n\r\n${'x'.repeat(count)}`;
  }
  if (url.pathname === '/garbage') return 'NOT HTTP AT ALL\r\n\r\n';
  return 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok';
}

/** One server on this thread; `useTLS` serves https with the fixture certificate. */
async function startOne(useTLS: boolean): Promise<{ url: string; record: WireRecord; server: net.Server }> {
  const record: WireRecord = { connections: [], requests: [] };
  const onConnection = (socket: net.Socket): void => {
    const index = record.connections.push('') - 1;
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      const text = chunk.toString('latin1');
      record.connections[index] += text;
      const parsed = parseRequests(pending + text);
      pending = parsed.rest;
      for (const request of parsed.requests) {
        record.requests.push(request);
        socket.write(answer(request));
      }
    });
    socket.on('error', () => {}); // a client that hangs up mid-request is not a server failure
  };
  const server = useTLS ? tls.createServer(fixtureTLS(), onConnection) : net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `${useTLS ? 'https' : 'http'}://127.0.0.1:${port}`, record, server };
}

/** Servers on this thread (for AsyncHTTPClient), one per entry of `useTLS`. */
export async function startWireServers(useTLS: boolean[]): Promise<WireServers> {
  const started = await Promise.all(useTLS.map(startOne));
  const sockets = new Set<net.Socket>();
  for (const { server } of started)
    server.on(server instanceof tls.Server ? 'secureConnection' : 'connection', (s) => sockets.add(s));
  return {
    urls: started.map((one) => one.url),
    records: () => Promise.resolve(structuredClone(started.map((one) => one.record))),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all(started.map(({ server }) => new Promise((resolve) => server.close(resolve))));
    },
  };
}

/** Servers on a worker thread (for the blocking HTTPClient), one per entry of `useTLS`. */
export async function startWireServerThread(useTLS: boolean[]): Promise<WireServers> {
  const worker = new Worker(new URL('./wire-server-thread.js', import.meta.url), { workerData: useTLS });
  const nextMessage = <T>(): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: T): void => {
        worker.off('error', reject);
        resolve(message);
      };
      worker.once('message', onMessage);
      worker.once('error', reject);
    });
  const urls = await nextMessage<string[]>();
  return {
    urls,
    records: () => {
      const reply = nextMessage<WireRecord[]>();
      worker.postMessage('records');
      return reply;
    },
    close: async () => {
      await worker.terminate();
    },
  };
}
