import { expect } from 'chai';
import * as http from 'node:http';
import * as https from 'node:https';
import { Duplex } from 'node:stream';
import { performFetch, type FetchOutcome, type FetchSpec } from '../lib/internal/http-core.js';

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

  it('never calls finish after an abort', async () => {
    const agents = { http: new NeverConnectingAgent(), https: new https.Agent() };
    const outcomes: FetchOutcome[] = [];
    const abort = performFetch(spec({ connectTimeout: 0.02 }), agents, {}, (outcome) => outcomes.push(outcome));
    abort();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(outcomes).to.deep.equal([]);
  });
});
