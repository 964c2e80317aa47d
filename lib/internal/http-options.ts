/**
 * The options of an HTTP request, and their defaults in one table, as
 * Tornado's `HTTPRequest._DEFAULTS`: `HTTPRequest` fills its fields from the
 * table, and the transport's `FetchSpec` is derived from the options' types.
 * A new option is one entry in `HTTPRequestOptions` (its type and doc) and
 * one in `REQUEST_DEFAULTS` (the compiler refuses a table that misses it);
 * it reaches the transport unless it is listed in `CLIENT_SIDE_OPTIONS`.
 */

/** Options of an {@link HTTPRequest}; every one is optional and defaults as in Tornado. */
export interface HTTPRequestOptions {
  /** HTTP method; default `'GET'`. */
  method?: string;
  /**
   * Request headers, as a plain object (not a Map or `Headers`); names are
   * case-insensitive (a later spelling of the same name wins). The client
   * frames the body itself: `Content-Length` is computed from `body` (a
   * different value is refused with a TypeError; an equal one is accepted),
   * and `Transfer-Encoding` is refused. `Authorization`, `Proxy-Authorization`
   * and `Cookie` are dropped on a redirect to another origin (see SECURITY.md).
   */
  headers?: Record<string, string | number>;
  /** Request body; required for POST, PUT and PATCH, refused for other methods unless `allowNonstandardMethods`. */
  body?: string | Uint8Array | null;
  /** Basic-auth user name (with `authPassword`). Dropped on a cross-origin redirect. */
  authUsername?: string;
  authPassword?: string;
  /** Seconds to wait for the connection; default 20, 0 = none. */
  connectTimeout?: number;
  /** Seconds for the whole request, time in the client's queue included; default 20, 0 = none. */
  requestTimeout?: number;
  /** Follow 301/302/303/307/308 redirects; default true. */
  followRedirects?: boolean;
  /** How many redirects to follow; default 5. Past it, the 3xx response is the answer. */
  maxRedirects?: number;
  /** The `User-Agent` header; default `whirlwind`. */
  userAgent?: string;
  /** Ask for and decode gzip, deflate and br bodies; default true. */
  decompressResponse?: boolean;
  /** Verify the server's TLS certificate; default true. */
  validateCert?: boolean;
  /**
   * Path of a PEM file of CA certificates to trust instead of Node's bundled
   * roots when `validateCert` is true, as Tornado's `ca_certs` (e.g. a private
   * CA, or a self-signed server's own certificate); default: the bundled roots.
   * Read at each `fetch`: an unreadable file, or one holding no certificate,
   * throws there.
   *
   * @example
   * ```ts
   * yield client.fetch('https://127.0.0.1:8443/', { caCerts: '/etc/myapp/internal-ca.pem' });
   * ```
   */
  caCerts?: string;
  /** Called with each header line of the final response (status line first, `"\r\n"` last). */
  headerCallback?: (line: string) => void;
  /** Called with each body chunk as it arrives; the response's `body` is then empty. */
  streamingCallback?: (chunk: Buffer) => void;
  /** Largest body accepted, in bytes (decoded), streamed or not; default 100 MB. */
  maxBodySize?: number;
  /** Skip the method and body sanity checks; default false. */
  allowNonstandardMethods?: boolean;
}

const MEGABYTE = 1024 * 1024;

/**
 * Every option and its default; `undefined` where there is none (the field
 * stays undefined unless given). `userAgent`'s undefined sends
 * {@link DEFAULT_USER_AGENT} unless the headers name another.
 */
export const REQUEST_DEFAULTS = Object.freeze({
  method: 'GET',
  headers: Object.freeze({}),
  body: null,
  authUsername: undefined,
  authPassword: undefined,
  connectTimeout: 20,
  requestTimeout: 20,
  followRedirects: true,
  maxRedirects: 5,
  userAgent: undefined,
  decompressResponse: true,
  validateCert: true,
  caCerts: undefined,
  headerCallback: undefined,
  streamingCallback: undefined,
  maxBodySize: 100 * MEGABYTE,
  allowNonstandardMethods: false,
} as const satisfies { readonly [K in keyof Required<HTTPRequestOptions>]: HTTPRequestOptions[K] });

/** The `User-Agent` sent when neither `userAgent` nor the headers give one. */
export const DEFAULT_USER_AGENT = 'whirlwind';

/** The name of every option, in the table's order. */
export const OPTION_NAMES = Object.keys(REQUEST_DEFAULTS) as ReadonlyArray<keyof HTTPRequestOptions>;

type Defaults = typeof REQUEST_DEFAULTS;
type OptionWithoutDefault = { [K in keyof Defaults]: Defaults[K] extends undefined ? K : never }[keyof Defaults];

/**
 * A request's settings: every option, with its default filled in (those
 * without a default may be undefined). `HTTPRequest` has exactly these fields
 * (and `url`).
 */
export type RequestSettings = Required<
  Pick<HTTPRequestOptions, Exclude<keyof HTTPRequestOptions, OptionWithoutDefault>>
> &
  Pick<HTTPRequestOptions, OptionWithoutDefault>;

/**
 * The options the client consumes itself: it checks them, folds them into
 * the headers and body it sends, reads the CA file, or calls the hooks on
 * this side of the worker boundary. Every other option reaches the transport
 * in `FetchSpec` as is.
 */
export const CLIENT_SIDE_OPTIONS = [
  'headers',
  'body',
  'authUsername',
  'authPassword',
  'userAgent',
  'caCerts',
  'headerCallback',
  'streamingCallback',
  'allowNonstandardMethods',
] as const satisfies ReadonlyArray<keyof HTTPRequestOptions>;

/** The options the transport receives unchanged. */
export type TransportSettings = Omit<RequestSettings, (typeof CLIENT_SIDE_OPTIONS)[number]>;

/** The names of the options the transport receives unchanged. */
export const TRANSPORT_OPTIONS = OPTION_NAMES.filter(
  (name) => !(CLIENT_SIDE_OPTIONS as ReadonlyArray<string>).includes(name),
) as ReadonlyArray<keyof TransportSettings>;
