/**
 * A simulated network standing in for `whirlwind/httpclient` in the
 * playground: replies come after a latency derived from the URL, on the
 * loop's simulated clock, so the seed's four fetches run as written.
 * `?delay=MS` sets the latency, `?status=CODE` the reply's status; a host
 * named `fail...` refuses the connection (599).
 */
import { Future } from '../../dist/lib/concurrent.js';
import { IOLoop } from '../../dist/lib/ioloop.js';
import { describeValue } from '../../dist/lib/internal/describe.js';
import { blockFor } from './clock.js';

export interface HTTPRequest {
  url: string;
}

/** A reply: status code, body text and how long it took (seconds). */
export class HTTPResponse {
  constructor(
    readonly request: HTTPRequest,
    readonly code: number,
    readonly body: string,
    readonly requestTime: number,
  ) {}
  get effectiveUrl(): string {
    return this.request.url;
  }
  toString(): string {
    return `<HTTPResponse ${this.code} ${this.request.url}>`;
  }
}

/** A failed request (status >= 400, or 599 when no reply came). */
export class HTTPClientError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly response: HTTPResponse | null = null,
  ) {
    super(`HTTP ${code}: ${message}`);
    this.name = 'HTTPClientError';
  }
}

function urlOf(request: unknown, caller: string): string {
  const url = typeof request === 'string' ? request : (request as HTTPRequest | null)?.url;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url)) {
    throw new TypeError(`${caller}: expected a URL such as 'http://example.com/', got ${describeValue(request)}`);
  }
  return url;
}

function latencyOf(url: string): number {
  const delay = /[?&]delay=(\d+)/.exec(url);
  if (delay) return Number(delay[1]) / 1000;
  let hash = 0;
  for (const char of url) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return (40 + (hash % 6) * 20) / 1000;
}

function reply(url: string, elapsed: number): HTTPResponse | HTTPClientError {
  const request = { url };
  if (/^https?:\/\/fail/.test(url)) return new HTTPClientError(599, `connection refused (${new URL(url).host})`);
  const status = /[?&]status=(\d{3})/.exec(url);
  const code = status ? Number(status[1]) : 200;
  const body = code === 200 ? `<html>${new URL(url).host}${new URL(url).pathname}</html>` : '';
  const response = new HTTPResponse(request, code, body, elapsed);
  return code >= 400 ? new HTTPClientError(code, code === 404 ? 'Not Found' : 'Error', response) : response;
}

/** Non-blocking client: `fetch` returns a Future that the simulated network settles. */
export class AsyncHTTPClient {
  fetch(request: string | HTTPRequest): Future<HTTPResponse> {
    const url = urlOf(request, 'AsyncHTTPClient.fetch');
    const future = new Future<HTTPResponse>();
    const latency = latencyOf(url);
    const replies = {
      [`reply from ${url}`]: () => {
        const outcome = reply(url, latency);
        if (outcome instanceof HTTPClientError) future.setException(outcome);
        else future.setResult(outcome);
      },
    };
    IOLoop.current().callLater(latency, Object.values(replies)[0]);
    return future;
  }
  close(): void {}
}

/** Blocking client: `fetch` holds the whole program (the loop too) until the reply comes. */
export class HTTPClient {
  fetch(request: string | HTTPRequest): HTTPResponse {
    const url = urlOf(request, 'HTTPClient.fetch');
    const latency = latencyOf(url);
    blockFor(latency);
    const outcome = reply(url, latency);
    if (outcome instanceof HTTPClientError) throw outcome;
    return outcome;
  }
  close(): void {}
}
