import { expect } from 'chai';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { Duplex } from 'node:stream';
import { performFetch, type FetchOutcome, type FetchSpec } from '../lib/internal/http-core.js';
import { startWireServers } from './support/wire-server.js';

/** A connection that never completes: writes are held, nothing is ever read. */
class NeverConnectingAgent extends http.Agent {
  override createConnection(): Duplex {
    const socket = new Duplex({ read() {}, write() {} });
    return Object.assign(socket, { connecting: true });
  }
}

function spec(overrides: Partial<FetchSpec>): FetchSpec {
  return {
    url: 'http://127.0.0.1:9/unreachable',
    method: 'GET',
    headers: {},
    body: null,
    connectTimeout: 20,
    requestTimeout: 20,
    followRedirects: true,
    maxRedirects: 5,
    decompressResponse: true,
    validateCert: true,
    caCerts: null,
    maxBodySize: 1024,
    startTime: performance.now(),
    ...overrides,
  };
}

function fetchWithStuckConnection(overrides: Partial<FetchSpec>): Promise<FetchOutcome> {
  const agents = { http: new NeverConnectingAgent(), https: new https.Agent() };
  return new Promise((resolve) => performFetch(spec(overrides), agents, {}, resolve));
}

// The connect phase cannot be made to hang against a real local server (the
// kernel completes the handshake), so these drive the transport with an
// agent whose connections never complete.
describe('httpclient transport', () => {
  it('fails with "Timeout while connecting" when the connection never completes', async () => {
    const outcome = await fetchWithStuckConnection({ connectTimeout: 0.05 });
    expect(outcome).to.include({ kind: 'failure', message: 'Timeout while connecting' });
  });

  it('reports a requestTimeout that expires while connecting as "Timeout while connecting", as Tornado', async () => {
    const outcome = await fetchWithStuckConnection({ connectTimeout: 5, requestTimeout: 0.05 });
    expect(outcome).to.include({ kind: 'failure', message: 'Timeout while connecting' });
  });

  it('fails, instead of waiting forever, when the server answers 101 Switching Protocols and hangs up', async () => {
    const server = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: other\r\nConnection: Upgrade\r\n\r\n');
        setTimeout(() => socket.end(), 10);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as net.AddressInfo;
      const agents = { http: new http.Agent(), https: new https.Agent() };
      const outcome = await new Promise<FetchOutcome>((resolve) =>
        performFetch(
          spec({ url: `http://127.0.0.1:${port}/`, connectTimeout: 0, requestTimeout: 0 }),
          agents,
          {},
          resolve,
        ),
      );
      expect(outcome.kind).to.equal('failure');
      expect((outcome as { message: string }).message).to.match(/^Server switched protocols \(101\)/);
    } finally {
      server.close();
    }
  });

  it('frames the body by its own length whatever framing headers the spec carries', async () => {
    const servers = await startWireServers([false]);
    try {
      const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
      const agents = { http: new http.Agent(), https: new https.Agent() };
      const headers = { 'content-length': '0', 'transfer-encoding': 'chunked' };
      const outcome = await new Promise<FetchOutcome>((resolve) =>
        performFetch(
          spec({ url: `${servers.urls[0]}/post`, method: 'POST', headers, body: Buffer.from(smuggled) }),
          agents,
          {},
          resolve,
        ),
      );
      const [record] = await servers.records();
      expect(outcome.kind).to.equal('response');
      expect(record!.requests.map((request) => [request.target, request.body])).to.deep.equal([['/post', smuggled]]);
      expect(record!.connections[0]!.match(/^(content-length|transfer-encoding):.*$/gim)).to.deep.equal([
        `content-length: ${smuggled.length}`,
      ]);
    } finally {
      await servers.close();
    }
  });

  it('never calls finish after an abort', async () => {
    const agents = { http: new NeverConnectingAgent(), https: new https.Agent() };
    const outcomes: FetchOutcome[] = [];
    const abort = performFetch(spec({ connectTimeout: 0.02 }), agents, {}, (outcome) => outcomes.push(outcome));
    abort();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(outcomes).to.deep.equal([]);
  });
});
