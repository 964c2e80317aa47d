/**
 * One HTTP exchange on Node's `http`/`https`, with no IOLoop and no Future:
 * the part `AsyncHTTPClient` (on the main thread) and the blocking
 * `HTTPClient`'s worker thread share. It follows redirects, enforces the
 * connect/request deadlines, decompresses, limits the body size, and reports
 * exactly once through `finish`, with either a response or a 599 failure
 * that can cross a thread boundary (plain data, no classes).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';
import type { Readable } from 'node:stream';
import type { TransportSettings } from './http-options.js';
import { CREDENTIAL_HEADERS, redactText, redactUrl } from './http-redact.js';

/**
 * Everything needed to send a request, plain data so it can be posted to a
 * worker: the options the transport uses as given (`TransportSettings`,
 * derived from the options table), plus what the client prepared from the rest.
 */
export type FetchSpec = TransportSettings & {
  /** The parsed, normalised URL. */
  url: string;
  /** Lower-cased names; the client's own (user-agent, accept-encoding, authorization) included. */
  headers: Record<string, string>;
  body: Uint8Array | null;
  /** PEM text of the CA certificates to trust instead of Node's bundled roots (https only), or null for those roots. */
  caCerts: string | null;
  /** `performance.now()` milliseconds when `fetch` was called. */
  startTime: number;
};

/** Optional observers; both run synchronously as data arrives, for the final (non-redirect) response only. */
export interface FetchHooks {
  onHeaderLine?: (line: string) => void;
  onChunk?: (chunk: Buffer) => void;
  /** Lets whoever consumes `onChunk` stop the body while it catches up. */
  flow?: BodyFlow;
}

/**
 * Backpressure for a streamed body: `pause()` stops `onChunk` calls (and,
 * through the stream's own backpressure, reading from the socket) until
 * `resume()`. Either may be called before the body starts.
 */
export class BodyFlow {
  private source: Readable | null = null;
  private paused = false;

  pause(): void {
    this.paused = true;
    this.source?.pause();
  }

  resume(): void {
    this.paused = false;
    this.source?.resume();
  }

  /** Called by the exchange with the final response's body stream, once its 'data' listener is on. */
  attach(source: Readable): void {
    this.source = source;
    if (this.paused) source.pause();
  }
}

/** A response, whatever its status code. */
export interface RawResponse {
  kind: 'response';
  code: number;
  reason: string;
  headers: http.IncomingHttpHeaders;
  body: Uint8Array;
  effectiveUrl: string;
  /** Seconds from `fetch` to the last byte. */
  requestTime: number;
}

/** A timeout or network failure (HTTP code 599). `hookError` is set when a user callback threw. */
export interface RawFailure {
  kind: 'failure';
  message: string;
  causeMessage: string | null;
  causeCode: string | null;
  hookError?: unknown;
}

export type FetchOutcome = RawResponse | RawFailure;

/** The keep-alive connection pools one client owns. */
export interface AgentPair {
  http: http.Agent;
  https: https.Agent;
}

export function createAgents(): AgentPair {
  return {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true }),
  };
}

export function destroyAgents(agents: AgentPair): void {
  agents.http.destroy();
  agents.https.destroy();
}

export const TIMEOUT_CONNECTING = 'Timeout while connecting';
export const TIMEOUT_DURING_REQUEST = 'Timeout during request';
export const TIMEOUT_IN_QUEUE = 'Timeout in request queue';
export const STREAM_CLOSED = 'Stream closed';

/** Node's setTimeout limit: a longer delay (25 days and up) fires after 1 ms instead. */
const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Calls `onExpire` at `deadline` (`performance.now()` milliseconds), however
 * far away it is; the returned function stops the timer.
 */
export function startDeadlineTimer(deadline: number, onExpire: () => void): () => void {
  let handle: ReturnType<typeof setTimeout>;
  const arm = (): void => {
    const delay = deadline - performance.now();
    handle =
      delay > MAX_TIMER_DELAY_MS ? setTimeout(arm, MAX_TIMER_DELAY_MS) : setTimeout(onExpire, Math.max(0, delay));
  };
  arm();
  return () => clearTimeout(handle);
}

const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);
const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const BODY_HEADERS = ['content-length', 'content-type', 'content-encoding', 'transfer-encoding'];

/**
 * Starts the exchange; returns a function that aborts it (after which
 * `finish` is never called). `finish` is called exactly once otherwise.
 */
export function performFetch(
  spec: FetchSpec,
  agents: AgentPair,
  hooks: FetchHooks,
  finish: (outcome: FetchOutcome) => void,
): () => void {
  const exchange = new Exchange(spec, agents, hooks, finish);
  exchange.send(spec.url, spec.method, { ...spec.headers }, spec.body, spec.maxRedirects);
  return () => exchange.abort();
}

class Exchange {
  private finished = false;
  private request: http.ClientRequest | null = null;
  private decoder: zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null = null;
  /** The response's content-encoding was one we decode: its headers then describe the decoded body. */
  private consumedEncoding = false;
  private stopTimer: (() => void) | null = null;
  private readonly requestDeadline: number;

  constructor(
    private readonly spec: FetchSpec,
    private readonly agents: AgentPair,
    private readonly hooks: FetchHooks,
    private readonly finishCallback: (outcome: FetchOutcome) => void,
  ) {
    this.requestDeadline = spec.requestTimeout > 0 ? spec.startTime + spec.requestTimeout * 1000 : Infinity;
  }

  abort(): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
  }

  send(
    url: string,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | null,
    redirectsLeft: number,
    isRetry = false,
  ): void {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    frameBody(headers, body);
    const options: https.RequestOptions = {
      method,
      headers,
      agent: isHttps ? this.agents.https : this.agents.http,
      rejectUnauthorized: this.spec.validateCert,
      // The agent keys its pooled connections on `ca` and `rejectUnauthorized`,
      // so a connection verified one way is never reused for a request that asks another.
      ca: this.spec.caCerts ?? undefined,
    };
    let request: http.ClientRequest;
    try {
      request = (isHttps ? https : http).request(target, options);
    } catch (error) {
      this.fail(describeNetworkError(error, method, url), error);
      return;
    }
    this.request = request;
    const connectDeadline =
      this.spec.connectTimeout > 0 ? performance.now() + this.spec.connectTimeout * 1000 : Infinity;
    this.armTimer(Math.min(connectDeadline, this.requestDeadline), TIMEOUT_CONNECTING);
    request.on('socket', (socket) => {
      // A reused keep-alive socket is already connected and never emits 'connect'.
      if (socket.connecting) socket.once('connect', () => this.onConnected(request));
      else this.onConnected(request);
    });
    let responded = false;
    request.on('error', (error) => {
      if (request !== this.request) return;
      // The server may close an idle keep-alive connection just as we reuse
      // it; that is not the server failing the request, so try once more on
      // a fresh connection (Node's documented `reusedSocket` pattern).
      if (!responded && !isRetry && request.reusedSocket && IDEMPOTENT_METHODS.has(method) && isStreamClosed(error)) {
        this.request = null;
        this.send(url, method, headers, body, redirectsLeft, true);
        return;
      }
      this.fail(describeNetworkError(error, method, url), error);
    });
    // Node hands a 101 to 'upgrade' listeners only (never to 'response' or
    // 'error'): without this one, a server that switches protocols, even if
    // it then hangs up, would leave the fetch waiting for its timeout, or forever.
    request.on('upgrade', (_response, socket) => {
      socket.destroy();
      if (request !== this.request) return;
      this.fail(
        `Server switched protocols (101), which this client does not support ${requestLabel(method, url)}`,
        null,
      );
    });
    request.on('response', (response) => {
      responded = true;
      this.onResponse(response, url, method, headers, body, redirectsLeft);
    });
    request.end(body ?? undefined);
  }

  private onConnected(request: http.ClientRequest): void {
    if (request !== this.request || this.finished) return;
    this.armTimer(this.requestDeadline, TIMEOUT_DURING_REQUEST);
  }

  private onResponse(
    response: http.IncomingMessage,
    url: string,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | null,
    redirectsLeft: number,
  ): void {
    if (this.finished) return;
    const code = response.statusCode ?? 0;
    const location = response.headers.location;
    if (this.spec.followRedirects && REDIRECT_CODES.has(code) && redirectsLeft > 0 && location !== undefined) {
      response.resume(); // drain it so the socket goes back to the pool
      this.redirect(code, url, location, method, headers, body, redirectsLeft);
      return;
    }
    try {
      this.emitHeaderLines(response);
    } catch (error) {
      this.failWithHookError(error);
      return;
    }
    // A HEAD (or 204/304) response declares the length of a body it does not send.
    const hasBody = method !== 'HEAD' && code !== 204 && code !== 304;
    const declaredLength = Number(response.headers['content-length']);
    if (hasBody && declaredLength > this.spec.maxBodySize) {
      this.fail(bodyTooLargeMessage(this.spec.maxBodySize, method, url), null);
      return;
    }
    // zlib fails on empty input ("unexpected end of file"), so a body known to be empty is not decoded.
    const source = this.decodedStream(response, hasBody && declaredLength !== 0);
    if (source === null) return;
    const chunks: Buffer[] = [];
    let received = 0;
    source.on('data', (chunk: Buffer) => {
      if (this.finished) return;
      received += chunk.length;
      if (received > this.spec.maxBodySize) {
        this.fail(bodyTooLargeMessage(this.spec.maxBodySize, method, url), null);
        return;
      }
      if (this.hooks.onChunk === undefined) {
        chunks.push(chunk);
        return;
      }
      try {
        this.hooks.onChunk(chunk);
      } catch (error) {
        this.failWithHookError(error);
      }
    });
    this.hooks.flow?.attach(source);
    source.on('end', () => {
      if (this.finished) return;
      // A response cut short by the server ends with `complete` false.
      if (!response.complete) {
        this.fail(STREAM_CLOSED, null);
        return;
      }
      const responseHeaders = { ...response.headers };
      if (this.consumedEncoding) {
        responseHeaders['x-consumed-content-encoding'] = responseHeaders['content-encoding'];
        delete responseHeaders['content-encoding'];
        delete responseHeaders['content-length'];
      }
      this.succeed({
        kind: 'response',
        code,
        reason: response.statusMessage || http.STATUS_CODES[code] || 'Unknown',
        headers: responseHeaders,
        body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received),
        effectiveUrl: url,
        requestTime: (performance.now() - this.spec.startTime) / 1000,
      });
    });
    response.on('aborted', () => this.fail(STREAM_CLOSED, null));
    response.on('error', (error) =>
      this.fail(isStreamClosed(error) ? STREAM_CLOSED : describeNetworkError(error, method, url), error),
    );
  }

  private redirect(
    code: number,
    url: string,
    location: string,
    method: string,
    headers: Record<string, string>,
    body: Uint8Array | null,
    redirectsLeft: number,
  ): void {
    let next: URL;
    try {
      next = new URL(location, url);
    } catch (error) {
      this.fail(`Invalid redirect location ${JSON.stringify(redactUrl(location))} from ${redactUrl(url)}`, error);
      return;
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') {
      const route = `from ${redactUrl(url)} to ${redactUrl(next.href)}`;
      this.fail(`Refusing to follow a redirect to ${next.protocol} (only http and https) ${route}`, null);
      return;
    }
    const nextHeaders = { ...headers };
    delete nextHeaders.host;
    if (next.origin !== new URL(url).origin) {
      for (const name of CREDENTIAL_HEADERS) delete nextHeaders[name];
      next.username = '';
      next.password = '';
    }
    let nextMethod = method;
    let nextBody = body;
    // RFC 7231 §6.4 as browsers and libcurl implement it: 303 turns everything
    // but HEAD into GET; 301/302 turn only POST into GET; 307/308 keep both.
    if ((code === 303 && method !== 'HEAD') || ((code === 301 || code === 302) && method === 'POST')) {
      nextMethod = 'GET';
      nextBody = null;
      for (const name of BODY_HEADERS) delete nextHeaders[name];
    }
    this.request = null;
    this.send(next.href, nextMethod, nextHeaders, nextBody, redirectsLeft - 1);
  }

  /** The body stream, through a decompressor when the response is encoded and the caller wants it decoded. */
  private decodedStream(response: http.IncomingMessage, bodyExpected: boolean): Readable | null {
    const encoding = String(response.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase();
    if (!this.spec.decompressResponse || encoding === '' || encoding === 'identity') return response;
    let createDecoder: () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress;
    if (encoding === 'gzip' || encoding === 'x-gzip') createDecoder = zlib.createGunzip;
    else if (encoding === 'deflate') createDecoder = zlib.createInflate;
    else if (encoding === 'br') createDecoder = zlib.createBrotliDecompress;
    else return response; // an encoding we cannot decode is passed through untouched
    this.consumedEncoding = true;
    if (!bodyExpected) return response;
    const decoder = createDecoder();
    this.decoder = decoder;
    decoder.on('error', (error) => this.fail(`Error decompressing ${encoding} response body: ${error.message}`, error));
    response.pipe(decoder);
    return decoder;
  }

  private emitHeaderLines(response: http.IncomingMessage): void {
    const onHeaderLine = this.hooks.onHeaderLine;
    if (onHeaderLine === undefined) return;
    onHeaderLine(`HTTP/${response.httpVersion} ${response.statusCode} ${response.statusMessage}\r\n`);
    const raw = response.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) onHeaderLine(`${raw[i]}: ${raw[i + 1]}\r\n`);
    onHeaderLine('\r\n');
  }

  private armTimer(deadline: number, message: string): void {
    this.stopTimer?.();
    this.stopTimer = null;
    if (deadline === Infinity) return;
    this.stopTimer = startDeadlineTimer(deadline, () => this.fail(message, null));
  }

  private succeed(response: RawResponse): void {
    if (this.finished) return;
    this.finished = true;
    this.stopTimer?.();
    this.stopTimer = null;
    this.finishCallback(response);
  }

  private fail(message: string, cause: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
    const error = cause as { message?: unknown; code?: unknown } | null;
    // Node's own messages could quote a URL too: no failure carries userinfo out.
    this.finishCallback({
      kind: 'failure',
      message: redactText(message),
      causeMessage: typeof error?.message === 'string' ? redactText(error.message) : null,
      causeCode: typeof error?.code === 'string' ? error.code : null,
    });
  }

  private failWithHookError(hookError: unknown): void {
    if (this.finished) return;
    this.finished = true;
    this.release();
    this.finishCallback({
      kind: 'failure',
      message: 'callback failed',
      causeMessage: null,
      causeCode: null,
      hookError,
    });
  }

  /** Stops timers and destroys the socket: a half-read response must never go back to the keep-alive pool. */
  private release(): void {
    this.stopTimer?.();
    this.stopTimer = null;
    this.decoder?.destroy();
    this.request?.destroy();
  }
}

/**
 * The framing of every request is decided here and nowhere else: a body goes
 * out with its own length as Content-Length, never with Transfer-Encoding
 * (RFC 9112 §6.2 forbids both in one message; a disagreeing pair is how
 * requests are smuggled). `toFetchSpec` has already refused user framing
 * headers that disagree; this keeps the wire right whatever the spec holds.
 */
function frameBody(headers: Record<string, string>, body: Uint8Array | null): void {
  delete headers['transfer-encoding'];
  if (body === null) delete headers['content-length'];
  else headers['content-length'] = String(body.byteLength);
}

function isStreamClosed(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

// OpenSSL's certificate verification results as Node names them, plus Node's own
// hostname check: their messages ("self-signed certificate") do not say that
// the server's certificate was rejected, so the failure says it.
const CERTIFICATE_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

function describeNetworkError(error: unknown, method: string, url: string): string {
  if (isStreamClosed(error)) return STREAM_CLOSED;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CERTIFICATE_ERRORS.has(code)) {
    return `TLS certificate verification failed: ${message} ${requestLabel(method, url)}; trust its CA with caCerts, or skip the check with validateCert: false`;
  }
  return `${message} ${requestLabel(method, url)}`;
}

function bodyTooLargeMessage(maxBodySize: number, method: string, url: string): string {
  return `Response body larger than maxBodySize (${maxBodySize} bytes) ${requestLabel(method, url)}`;
}

/** `(GET http://***@host/path)`: which request a message is about, without its credentials. */
export function requestLabel(method: string, url: string): string {
  return `(${method} ${redactUrl(url)})`;
}
