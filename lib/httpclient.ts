/// <reference types="node" preserve="true" />
/**
 * HTTP clients, as Tornado's `tornado.httpclient`: `AsyncHTTPClient` (its
 * `fetch` returns a `Future`), the blocking `HTTPClient` (its `fetch` returns
 * the response), and the `HTTPRequest` / `HTTPResponse` / `HTTPClientError`
 * they share. Both clients run the same code on Node's `http`/`https` with
 * keep-alive connection pools; the blocking one runs it on a worker thread
 * and parks the caller on `Atomics.wait`.
 *
 * @example
 * ```ts
 * import { AsyncHTTPClient } from 'whirlwind/httpclient';
 * const fetchTitle = coroutine(function* (url: string) {
 *   const response = yield* new AsyncHTTPClient().fetch(url);
 *   return response.body.toString('utf8');
 * });
 * ```
 * @module
 */
import { readFileSync } from 'node:fs';
import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http';
import { inspect, type InspectOptions } from 'node:util';
import { Future, futureSetExceptionUnlessCancelled, futureSetResultUnlessCancelled } from './concurrent/future.js';
import { IOLoop } from './ioloop.js';
import { checkOptions, refuse } from './internal/arguments.js';
import { describeName, describeValue, isRevokedProxy } from './internal/describe-safely.js';
import { WhirlwindError } from './internal/errors.js';
import {
  createAgents,
  destroyAgents,
  performFetch,
  requestLabel,
  startDeadlineTimer,
  TIMEOUT_IN_QUEUE,
  type AgentPair,
  type FetchOutcome,
  type FetchSpec,
} from './internal/http-core.js';
import {
  DEFAULT_USER_AGENT,
  OPTION_NAMES,
  REQUEST_DEFAULTS,
  TRANSPORT_OPTIONS,
  type HTTPRequestOptions,
  type RequestSettings,
  type TransportSettings,
} from './internal/http-options.js';
import { redactHeaders, redactUrl } from './internal/http-redact.js';
import { acquireFetcher, releaseFetcher, type CallbackBatch } from './internal/http-blocking.js';

export type { IncomingHttpHeaders } from 'node:http';
export type { HTTPRequestOptions } from './internal/http-options.js';

/** Options of `fetch`: those of a request, plus `raiseError`. */
export interface FetchOptions extends HTTPRequestOptions {
  /**
   * Default true: a non-2xx response rejects with `HTTPClientError`. When
   * false it resolves with the response (its `error` set). Timeouts and
   * network errors reject either way, as in Tornado 6.
   */
  raiseError?: boolean;
}

const SUPPORTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
// RFC 9110 token characters: no spaces, no CR/LF, no separators.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values may hold tabs, visible ASCII and Latin-1 (Node sends them as
// bytes); never CR, LF, NUL, other control characters or characters above
// U+00FF, which Node itself refuses only when the request is sent.
const FORBIDDEN_IN_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const VALUE_RULE =
  'tabs and visible Latin-1 characters only (no CR, LF, NUL, other control characters or characters above U+00FF)';

// Its fields besides `url` are the options with their defaults filled in
// (RequestSettings, from the one table in internal/http-options.ts), declared
// by this merged interface and set by the constructor's loop over the table.
export interface HTTPRequest extends RequestSettings {}

/**
 * One HTTP request: a URL and its options, with Tornado's defaults filled in.
 *
 * @example
 * ```ts
 * const request = new HTTPRequest('http://127.0.0.1:8888/items', {
 *   method: 'POST',
 *   headers: { 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ name: 'tornado' }),
 *   requestTimeout: 5,
 * });
 * const response = yield* client.fetch(request);
 * ```
 */
export class HTTPRequest {
  /** The URL to fetch, as given (checked when it is fetched). */
  url: string;

  constructor(url: string, options: HTTPRequestOptions = {}) {
    if (typeof url !== 'string') refuse('HTTPRequest', 'a URL string', url);
    if (options === null || typeof options !== 'object' || isRevokedProxy(options)) {
      throw new TypeError(`HTTPRequest: expected an options object, got ${describeValue(options)}`);
    }
    this.url = url;
    const settings = this as unknown as Record<keyof HTTPRequestOptions, unknown>;
    for (const name of OPTION_NAMES) settings[name] = options[name] ?? REQUEST_DEFAULTS[name];
    // A copy: changing the options object later does not change the request.
    this.headers = { ...checkHeaders(options.headers) };
    toFetchSpec(this, 0, false);
  }

  toString(): string {
    return `<HTTPRequest ${this.method} ${typeof this.url === 'string' ? redactUrl(this.url) : describeValue(this.url)}>`;
  }

  /**
   * What `console.log` and `util.inspect` show (an uncaught `HTTPClientError`
   * prints its response and so its request): every field, but with the URL's
   * userinfo, `authUsername`, `authPassword` and credential headers as `***`.
   */
  [inspect.custom](depth: number, options: InspectOptions): string {
    const shown: Record<string, unknown> = Object.fromEntries(Object.entries(this));
    if (typeof this.url === 'string') shown.url = redactUrl(this.url);
    // Never throws, whatever was assigned to the fields since: inspect runs inside log handlers.
    if (typeof this.headers === 'object' && this.headers !== null) shown.headers = redactHeaders(this.headers);
    for (const key of ['authUsername', 'authPassword'] as const) if (this[key] !== undefined) shown[key] = '***';
    const text = inspectNested('HTTPRequest', shown, depth, options);
    return text.startsWith('[') ? text : `HTTPRequest ${text}`;
  }
}

/** `inspect` one level down, as a custom inspect function must (so nested values respect `depth`). */
function inspectNested(name: string, value: unknown, depth: number, options: InspectOptions): string {
  if (depth < 0) return `[${name}]`;
  return inspect(value, { ...options, depth: options.depth == null ? options.depth : options.depth - 1 });
}

/**
 * The answer to a request, whatever its status; `error` is set for non-2xx
 * codes (when `raiseError: false` let it through).
 *
 * @example
 * ```ts
 * const response = yield* client.fetch(url, { raiseError: false });
 * if (response.error) console.log(response.code, response.reason);
 * else console.log(response.body.toString('utf8'));
 * ```
 */
export class HTTPResponse {
  /** The request as given to `fetch` (before any redirect). */
  readonly request: HTTPRequest;
  /** The HTTP status code of the final response (after redirects). */
  readonly code: number;
  /** The reason phrase; Node's standard phrase for the code when none was given, `'Unknown'` for unknown codes. */
  readonly reason: string;
  /** Response headers, names lower-cased (Node's `IncomingHttpHeaders`). */
  readonly headers: IncomingHttpHeaders;
  /** The (decoded) body; empty when a `streamingCallback` took the chunks. */
  readonly body: Buffer;
  /** The URL that answered, after redirects. */
  readonly effectiveUrl: string;
  /** Seconds from `fetch` to the last byte. */
  readonly requestTime: number;
  /** Set when `code` is not 2xx. */
  readonly error: HTTPClientError | null;

  constructor(
    request: HTTPRequest,
    code: number,
    init: {
      reason?: string;
      headers?: IncomingHttpHeaders;
      body?: Buffer;
      effectiveUrl?: string;
      requestTime?: number;
      error?: HTTPClientError | null;
    } = {},
  ) {
    if (isRevokedProxy(request) || !(request instanceof HTTPRequest)) refuse('HTTPResponse', 'an HTTPRequest', request);
    if (typeof code !== 'number') refuse('HTTPResponse', 'a status code (number)', code);
    checkOptions(init, 'HTTPResponse');
    this.request = request;
    this.code = code;
    this.reason = init.reason ?? STATUS_CODES[code] ?? 'Unknown';
    this.headers = init.headers ?? {};
    this.body = init.body ?? Buffer.alloc(0);
    this.effectiveUrl = init.effectiveUrl ?? request.url;
    this.requestTime = init.requestTime ?? 0;
    if (init.error !== undefined) this.error = init.error;
    else this.error = code >= 200 && code < 300 ? null : new HTTPClientError(code, this.reason, this);
  }

  /** Throws `error` if there is one. */
  rethrow(): void {
    if (this.error !== null) throw this.error;
  }

  toString(): string {
    return `<HTTPResponse ${this.code} ${this.reason} ${redactUrl(this.effectiveUrl)}>`;
  }

  /** What `console.log` and `util.inspect` show: `effectiveUrl` without userinfo, and the request as it shows itself. */
  [inspect.custom](depth: number, options: InspectOptions): string {
    // The error's own `response` is this response: show the error by its message.
    const error = this.error === null ? null : `${this.error.name}: ${this.error.message}`;
    const shown = { ...this, effectiveUrl: redactUrl(this.effectiveUrl), error };
    const text = inspectNested('HTTPResponse', shown, depth, options);
    return text.startsWith('[') ? text : `HTTPResponse ${text}`;
  }
}

/**
 * A fetch that failed: a non-2xx response (`"HTTP 404: Not Found"`, with
 * `response`), or code 599 for timeouts and network errors (`"Timeout while
 * connecting"`, `"Timeout during request"`, `"Timeout in request queue"`,
 * `"Stream closed"`, or the network error and the request), with no response.
 *
 * @example
 * ```ts
 * try {
 *   yield client.fetch(url);
 * } catch (e) {
 *   if (e instanceof HTTPClientError && e.code === 404) return null;
 *   throw e;
 * }
 * ```
 */
export class HTTPClientError extends WhirlwindError {
  /** The HTTP status code, or 599 for a timeout or network error. */
  readonly code: number;
  /** The response for a non-2xx code; undefined for code 599 (there was none). */
  readonly response: HTTPResponse | undefined;

  /** `description` defaults to the status's reason phrase; codes other than 599 are prefixed `HTTP <code>: `. */
  constructor(code: number, description?: string, response?: HTTPResponse, options?: { cause?: unknown }) {
    if (typeof code !== 'number') refuse('HTTPClientError', 'a status code (number)', code);
    if (description !== undefined && typeof description !== 'string')
      refuse('HTTPClientError', 'a description string', description);
    const text = description ?? STATUS_CODES[code] ?? 'Unknown';
    super(code === 599 ? text : `HTTP ${code}: ${text}`, options);
    this.code = code;
    this.response = response;
  }
}

/** Options of {@link AsyncHTTPClient}. */
export interface AsyncHTTPClientOptions {
  /** How many requests may be in flight at once; the rest wait in a FIFO queue. Default 10. */
  maxClients?: number;
  /** Make a private client even when no other option is given. */
  forceInstance?: boolean;
}

/** A request of an AsyncHTTPClient, from `fetch` until its Future is done. */
interface PendingFetch {
  readonly request: HTTPRequest;
  readonly spec: FetchSpec;
  readonly future: FetchFuture;
  readonly raiseError: boolean;
  /** Stops the timer that fails the request if it waits in the queue too long. */
  stopQueueTimer: (() => void) | null;
  abort: (() => void) | null;
}

/** The Future `fetch` returns: cancelling it aborts the request at once and frees its slot. */
class FetchFuture extends Future<HTTPResponse> {
  onCancel: (() => void) | null = null;

  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    const onCancel = this.onCancel;
    this.onCancel = null;
    onCancel?.();
    return true;
  }
}

// Tornado's pseudo-singleton: `new AsyncHTTPClient()` is one client per IOLoop.
const sharedClients = new WeakMap<IOLoop, AsyncHTTPClient>();

/**
 * A non-blocking HTTP client: `fetch` returns a `Future<HTTPResponse>` at
 * once. As in Tornado, `new AsyncHTTPClient()` without options returns the
 * current IOLoop's shared client (so creating one per call, as the seed's
 * examples do, shares one connection pool and one `maxClients` limit);
 * passing options (or `forceInstance: true`) makes a private one, which you
 * should `close()`.
 *
 * @example
 * ```ts
 * const client = new AsyncHTTPClient();
 * const main = coroutine(function* () {
 *   const [a, b] = yield [client.fetch(urlA), client.fetch(urlB)]; // concurrently
 *   return a.body.length + b.body.length;
 * });
 * ```
 */
export class AsyncHTTPClient {
  /** How many requests may be in flight at once; the rest wait in a FIFO queue (default 10). */
  readonly maxClients: number;
  private closed = false;
  private agents: AgentPair | null = null;
  private readonly active = new Set<PendingFetch>();
  private readonly queue: PendingFetch[] = [];
  private readonly sharedOn: IOLoop | null = null;

  constructor(options: AsyncHTTPClientOptions = {}) {
    if (options === null || typeof options !== 'object' || isRevokedProxy(options)) {
      throw new TypeError(`AsyncHTTPClient: expected an options object, got ${describeValue(options)}`);
    }
    const maxClients = options.maxClients ?? 10;
    if (!Number.isInteger(maxClients) || maxClients < 1) {
      throw new RangeError(`AsyncHTTPClient: maxClients must be a positive integer, got ${describeValue(maxClients)}`);
    }
    this.maxClients = maxClients;
    const wantsShared = options.forceInstance !== true && options.maxClients === undefined;
    if (wantsShared) {
      const loop = IOLoop.current();
      const existing = sharedClients.get(loop);
      // biome-ignore lint/correctness/noConstructorReturn: Tornado's AsyncHTTPClient() is one shared client per loop
      if (existing !== undefined) return existing;
      sharedClients.set(loop, this);
      this.sharedOn = loop;
    }
  }

  /**
   * Starts a request; the Future resolves with the `HTTPResponse`, or rejects
   * with `HTTPClientError` (see {@link FetchOptions.raiseError}). Bad input
   * (a malformed URL, a header with CR/LF) throws here, at the call.
   * Cancelling the Future aborts the request.
   *
   * @example
   * ```ts
   * const response = await new AsyncHTTPClient().fetch('http://127.0.0.1:8888/', { requestTimeout: 2 });
   * ```
   */
  fetch(request: string | HTTPRequest, options: FetchOptions = {}): Future<HTTPResponse> {
    if (this.closed) throw new Error('fetch() called on closed AsyncHTTPClient');
    const startTime = performance.now();
    const { request: httpRequest, raiseError } = prepareRequest('AsyncHTTPClient.fetch', request, options);
    const pending: PendingFetch = {
      request: httpRequest,
      spec: toFetchSpec(httpRequest, startTime),
      future: new FetchFuture(),
      raiseError,
      stopQueueTimer: null,
      abort: null,
    };
    pending.future.onCancel = () => this.forget(pending);
    if (this.active.size < this.maxClients) this.start(pending);
    else this.enqueue(pending);
    return pending.future;
  }

  /**
   * Closes the client: in-flight and queued requests fail, pooled
   * connections are dropped, and later `fetch` calls throw. The next
   * `new AsyncHTTPClient()` on this loop makes a fresh shared client.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sharedOn !== null && sharedClients.get(this.sharedOn) === this) sharedClients.delete(this.sharedOn);
    const unfinished = [...this.active, ...this.queue];
    for (const pending of unfinished) {
      this.forget(pending);
      futureSetExceptionUnlessCancelled(
        pending.future,
        new HTTPClientError(
          599,
          `AsyncHTTPClient closed before the request finished ${requestLabel(pending.spec.method, pending.spec.url)}`,
        ),
      );
    }
    if (this.agents !== null) destroyAgents(this.agents);
    this.agents = null;
  }

  toString(): string {
    return `<AsyncHTTPClient active=${this.active.size} queued=${this.queue.length}${this.closed ? ' closed' : ''}>`;
  }

  private enqueue(pending: PendingFetch): void {
    this.queue.push(pending);
    const { connectTimeout, requestTimeout } = pending.spec;
    // As Tornado: the wait in the queue is bounded by the shorter of the two timeouts.
    const limit = Math.min(connectTimeout || Infinity, requestTimeout || Infinity);
    if (limit === Infinity) return;
    pending.stopQueueTimer = startDeadlineTimer(pending.spec.startTime + limit * 1000, () => {
      this.forget(pending);
      futureSetExceptionUnlessCancelled(pending.future, new HTTPClientError(599, TIMEOUT_IN_QUEUE));
    });
  }

  private start(pending: PendingFetch): void {
    this.active.add(pending);
    this.agents ??= createAgents();
    const { headerCallback, streamingCallback } = pending.request;
    pending.abort = performFetch(
      pending.spec,
      this.agents,
      { onHeaderLine: headerCallback, onChunk: streamingCallback },
      (outcome) => {
        this.forget(pending);
        settleFromOutcome(pending.future, pending.request, pending.raiseError, outcome);
      },
    );
  }

  /** Takes a request out of the queue or the active set (aborting it if in flight) and starts the next. */
  private forget(pending: PendingFetch): void {
    pending.stopQueueTimer?.();
    pending.stopQueueTimer = null;
    if (this.active.delete(pending)) {
      const abort = pending.abort;
      pending.abort = null;
      abort?.();
    } else {
      const index = this.queue.indexOf(pending);
      if (index >= 0) this.queue.splice(index, 1);
    }
    while (!this.closed && this.active.size < this.maxClients && this.queue.length > 0) {
      const next = this.queue.shift()!;
      next.stopQueueTimer?.();
      next.stopQueueTimer = null;
      this.start(next);
    }
  }
}

/**
 * A blocking HTTP client: `fetch` returns the `HTTPResponse` itself (or
 * throws the same `HTTPClientError` as `AsyncHTTPClient`), holding up the
 * calling thread — and any IOLoop running on it — until the response is in.
 * Works with or without a running IOLoop. The request runs on a worker
 * thread shared by the open clients; `close()` lets it go.
 *
 * Blocking is the point of this class and its cost: nothing else on the
 * thread runs while it waits. Use it in scripts, never in a server — and
 * never against a server running on the same thread, which cannot answer
 * while the thread waits (the fetch ends with "Timeout during request").
 *
 * @example
 * ```ts
 * const client = new HTTPClient();
 * try {
 *   console.log(client.fetch('http://127.0.0.1:8888/').body.toString());
 * } finally {
 *   client.close();
 * }
 * ```
 */
export class HTTPClient {
  private closed = false;
  private fetcher: ReturnType<typeof acquireFetcher> | null = null;

  /**
   * Runs the request and returns its response; same options and errors as
   * `AsyncHTTPClient.fetch`. `headerCallback` and `streamingCallback` run on
   * the calling thread while the response arrives, in order, before `fetch`
   * returns. A streamed body is handed over in bounded pieces (the worker
   * holds at most about 1 MB of it, and stops reading while the callback is
   * behind), so its size costs no memory; the callbacks cannot start another
   * blocking fetch.
   */
  fetch(request: string | HTTPRequest, options: FetchOptions = {}): HTTPResponse {
    if (this.closed) throw new Error('fetch() called on closed HTTPClient');
    const { request: httpRequest, raiseError } = prepareRequest('HTTPClient.fetch', request, options);
    const { startTime: _, ...spec } = toFetchSpec(httpRequest, 0);
    if (this.fetcher === null) {
      this.fetcher = acquireFetcher();
      unclosedClients.register(this, undefined, this);
    }
    const { headerCallback, streamingCallback } = httpRequest;
    const outcome = this.fetcher.run(
      { spec, relayHeaderLines: headerCallback !== undefined, relayChunks: streamingCallback !== undefined },
      (batch) => replayBatch(batch, headerCallback, streamingCallback),
    );
    const settled = new Future<HTTPResponse>();
    settleFromOutcome(settled, httpRequest, raiseError, outcome);
    return settled.result();
  }

  /** Releases the worker thread (terminated once no open client uses it); later `fetch` calls throw. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fetcher !== null) {
      unclosedClients.unregister(this);
      releaseFetcher();
    }
    this.fetcher = null;
  }
}

/** Runs a blocking fetch's callbacks with what its worker handed over, chunks as they arrived. */
function replayBatch(
  batch: CallbackBatch,
  headerCallback: ((line: string) => void) | undefined,
  streamingCallback: ((chunk: Buffer) => void) | undefined,
): void {
  for (const line of batch.headerLines) headerCallback?.(line);
  let offset = batch.body.byteOffset;
  for (const length of batch.chunkLengths) {
    streamingCallback?.(Buffer.from(batch.body.buffer, offset, length));
    offset += length;
  }
}

// A blocking client dropped without close() still gives its share of the worker back.
const unclosedClients = new FinalizationRegistry<undefined>(() => releaseFetcher());

/** Turns `fetch`'s arguments into an HTTPRequest, as Tornado does (options only with a URL string). */
function prepareRequest(
  what: string,
  request: string | HTTPRequest,
  options: FetchOptions,
): { request: HTTPRequest; raiseError: boolean } {
  if (options === null || typeof options !== 'object' || isRevokedProxy(options)) {
    throw new TypeError(`${what}: expected an options object, got ${describeValue(options)}`);
  }
  const { raiseError = true, ...requestOptions } = options;
  if (isRevokedProxy(request)) refuse(what, 'a URL string or an HTTPRequest', request);
  if (request instanceof HTTPRequest) {
    const given = Object.keys(requestOptions);
    if (given.length > 0) {
      throw new TypeError(
        `${what}: request options (${given.join(', ')}) can only be given with a URL string, not with an HTTPRequest`,
      );
    }
    return { request, raiseError };
  }
  if (typeof request !== 'string') {
    throw new TypeError(`${what}: expected a URL string or an HTTPRequest, got ${describeValue(request)}`);
  }
  return { request: new HTTPRequest(request, requestOptions), raiseError };
}

/**
 * Checks a request and flattens it into what the transport needs; throws a
 * clear error for bad input. `readFiles` false (the constructor's check)
 * leaves the `caCerts` file unread.
 */
function toFetchSpec(request: HTTPRequest, startTime: number, readFiles = true): FetchSpec {
  const { url, method } = request;
  if (typeof url !== 'string') throw new TypeError(`HTTPRequest: expected a URL string, got ${describeValue(url)}`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `HTTPRequest: malformed URL ${describeName(redactUrl(url))}: expected an absolute http:// or https:// URL`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    const shown = describeName(redactUrl(url));
    throw new TypeError(
      `HTTPRequest: unsupported URL scheme ${describeName(parsed.protocol)} in ${shown}: expected http: or https:`,
    );
  }
  if (typeof method !== 'string' || !TOKEN.test(method)) {
    throw new TypeError(
      `HTTPRequest: invalid method ${describeName(method)}: expected a token such as 'GET' (no spaces, CR or LF)`,
    );
  }
  if (!SUPPORTED_METHODS.has(method) && !request.allowNonstandardMethods) {
    throw new TypeError(
      `HTTPRequest: unknown method ${describeName(method)} (set allowNonstandardMethods to send it anyway)`,
    );
  }
  const body = request.body;
  if (body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError(`HTTPRequest: body must be a string, a Uint8Array or null, got ${describeValue(body)}`);
  }
  if (!request.allowNonstandardMethods) {
    const expected = METHODS_WITH_BODY.has(method);
    if (expected !== (body !== null)) {
      throw new TypeError(
        `HTTPRequest: body must ${expected ? 'not ' : ''}be null for method ${method} (unless allowNonstandardMethods is true)`,
      );
    }
  }
  for (const name of ['headerCallback', 'streamingCallback'] as const) {
    const callback = request[name];
    if (callback !== undefined && typeof callback !== 'function') {
      throw new TypeError(`HTTPRequest: ${name} must be a function, got ${describeValue(callback)}`);
    }
  }
  checkSeconds(request.connectTimeout, 'connectTimeout');
  checkSeconds(request.requestTimeout, 'requestTimeout');
  checkCount(request.maxRedirects, 'maxRedirects', 0);
  checkCount(request.maxBodySize, 'maxBodySize', 0);
  const { caCerts } = request;
  if (caCerts !== undefined && (typeof caCerts !== 'string' || caCerts === '')) {
    throw new TypeError(`HTTPRequest: caCerts must be the path of a PEM file, got ${describeName(caCerts)}`);
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(checkHeaders(request.headers) ?? {})) {
    if (!TOKEN.test(name))
      throw new TypeError(
        `HTTPRequest: invalid header name ${describeName(name)}: expected a token (no spaces, CR or LF)`,
      );
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || FORBIDDEN_IN_VALUE.test(text)) {
      throw new TypeError(
        `HTTPRequest: invalid value ${describeValue(value)} for header ${name}: expected a string of ${VALUE_RULE}`,
      );
    }
    headers[name.toLowerCase()] = text;
  }
  const bodyBytes = body === null ? null : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  checkFraming(headers, bodyBytes);
  const userAgent = request.userAgent ?? headers['user-agent'] ?? DEFAULT_USER_AGENT;
  if (FORBIDDEN_IN_VALUE.test(userAgent))
    throw new TypeError(`HTTPRequest: invalid userAgent ${describeValue(userAgent)}: expected ${VALUE_RULE}`);
  headers['user-agent'] = userAgent;
  if (request.decompressResponse && headers['accept-encoding'] === undefined)
    headers['accept-encoding'] = 'gzip, deflate, br';
  if (request.authUsername !== undefined) {
    const credentials = `${request.authUsername}:${request.authPassword ?? ''}`;
    headers.authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  }
  return {
    ...transportSettings(request),
    url: parsed.href,
    headers,
    body: bodyBytes,
    caCerts: caCerts !== undefined && readFiles ? readCaCerts(caCerts) : null,
    startTime,
  };
}

/** The options the transport takes as they are (checked above), copied from the request. */
function transportSettings(request: HTTPRequest): TransportSettings {
  const settings: Partial<Record<keyof TransportSettings, unknown>> = {};
  for (const name of TRANSPORT_OPTIONS) settings[name] = request[name];
  return settings as TransportSettings;
}

/**
 * The client frames the body itself, with a Content-Length it computes (as
 * Tornado does): a user value that disagrees would make the server read the
 * rest of the body as a second request (request smuggling) or wait for bytes
 * that never come, and a Transfer-Encoding next to a Content-Length is the
 * CL.TE desync RFC 9112 §6.2 forbids. So a Transfer-Encoding header, or a
 * Content-Length other than the body's length in bytes, is refused here
 * rather than silently rewritten; an equal Content-Length is accepted (and
 * replaced by the client's own). `headers` has lower-cased names.
 */
function checkFraming(headers: Record<string, string>, body: Uint8Array | null): void {
  const transferEncoding = headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    throw new TypeError(
      `HTTPRequest: a Transfer-Encoding header (${describeValue(transferEncoding)}) cannot be set: ` +
        'the client frames the body itself, with a Content-Length computed from it; remove the header',
    );
  }
  const contentLength = headers['content-length'];
  const length = body === null ? 0 : body.byteLength;
  if (contentLength !== undefined && !(/^[ \t]*\d+[ \t]*$/.test(contentLength) && Number(contentLength) === length)) {
    throw new TypeError(
      `HTTPRequest: Content-Length header ${describeValue(contentLength)} does not match the body (${length} bytes): ` +
        'leave it out, the client sets it from the body',
    );
  }
}

function readCaCerts(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`HTTPRequest: cannot read caCerts file ${describeName(path)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  // Node silently ignores `ca` text that holds no certificate: say so at the call instead.
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new Error(
      `HTTPRequest: caCerts file ${describeName(path)} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
    );
  }
  return text;
}

/**
 * Headers must be a plain object: spreading a Map or a WHATWG `Headers`
 * gives `{}` (every header silently dropped), and a string or an array
 * gives index keys ('0', '1', ...) that would be sent as header names.
 */
function checkHeaders<H>(headers: H): H {
  if (headers === undefined || headers === null) return headers;
  const prototype = typeof headers === 'object' && !Array.isArray(headers) ? Object.getPrototypeOf(headers) : undefined;
  if (prototype !== Object.prototype && prototype !== null) {
    const hint =
      headers instanceof Map || (typeof Headers === 'function' && headers instanceof Headers)
        ? ' (convert it with Object.fromEntries)'
        : '';
    throw new TypeError(
      `HTTPRequest: headers must be a plain object of header names to values, got ${describeValue(headers)}${hint}`,
    );
  }
  return headers;
}

function checkSeconds(value: unknown, name: string): void {
  if (typeof value !== 'number' || !(value >= 0)) {
    throw new TypeError(
      `HTTPRequest: ${name} must be a number of seconds >= 0 (0 = none), got ${describeValue(value)}`,
    );
  }
}

function checkCount(value: unknown, name: string, minimum: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new TypeError(`HTTPRequest: ${name} must be an integer >= ${minimum}, got ${describeValue(value)}`);
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Completes `future` from a transport outcome: both clients answer through here, so they answer alike. */
function settleFromOutcome(
  future: Future<HTTPResponse>,
  request: HTTPRequest,
  raiseError: boolean,
  outcome: FetchOutcome,
): void {
  if (outcome.kind === 'failure') {
    // A throwing headerCallback/streamingCallback fails the fetch with its own error.
    const error =
      'hookError' in outcome
        ? outcome.hookError
        : new HTTPClientError(599, outcome.message, undefined, {
            cause:
              outcome.causeMessage === null
                ? undefined
                : Object.assign(new Error(outcome.causeMessage), { code: outcome.causeCode }),
          });
    futureSetExceptionUnlessCancelled(future, error);
    return;
  }
  const response = new HTTPResponse(request, outcome.code, {
    reason: outcome.reason,
    headers: outcome.headers,
    body: toBuffer(outcome.body),
    effectiveUrl: outcome.effectiveUrl,
    requestTime: outcome.requestTime,
  });
  if (response.error !== null && raiseError) futureSetExceptionUnlessCancelled(future, response.error);
  else futureSetResultUnlessCancelled(future, response);
}
