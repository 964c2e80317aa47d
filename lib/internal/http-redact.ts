/**
 * Keeps credentials out of what the HTTP clients say: every URL that goes
 * into an error message, a log line or a `toString()` passes through here,
 * so `http://user:s3cret@host/` is shown as `http://***@host/`. The user
 * name goes too, since tokens are often passed as one
 * (`https://<token>@host/`).
 */

const REDACTED = '***';

// Dropped on a redirect to another origin (scheme, host or port), and masked
// when a request is inspected: what libcurl (Authorization, Cookie), the
// Fetch standard and undici (Authorization, Proxy-Authorization, Cookie) and
// Go's net/http (Authorization, Cookie, Cookie2) drop, together.
// Proxy-Authorization goes too although it is meant for a proxy: this client
// has no proxy, so it only ever reaches servers. Lower-case names.
export const CREDENTIAL_HEADERS: readonly string[] = ['authorization', 'proxy-authorization', 'cookie', 'cookie2'];

// `//` and then the authority up to its last `@` (an `@` in the path or the
// query is not userinfo): the shape of userinfo in any URL inside a text.
const USERINFO_IN_AUTHORITY = /\/\/[^\s/?#\\]*@/g;
// For text that is not a valid URL, where the authority cannot be trusted to
// end at a `/` (as in `http://user:pa/ss@host/`): everything up to the last `@`.
const USERINFO_ANYWHERE = /\/\/[^\s'"`]*@/g;

/**
 * `url` with its userinfo replaced by `***`, unchanged when it has none.
 *
 * @example
 * ```ts
 * redactUrl('http://user:s3cret@127.0.0.1:1/x'); // 'http://***@127.0.0.1:1/x'
 * ```
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url.replace(USERINFO_ANYWHERE, `//${REDACTED}@`);
  }
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = REDACTED;
  parsed.password = '';
  return parsed.href;
}

/**
 * `text` with the userinfo of every URL in it replaced by `***`: the last
 * line of defence for messages that quote a URL we did not build (a Node
 * error's own message, say).
 *
 * @example
 * ```ts
 * redactText('failed (GET http://user:pw@host/)'); // 'failed (GET http://***@host/)'
 * ```
 */
export function redactText(text: string): string {
  return text.replace(USERINFO_IN_AUTHORITY, `//${REDACTED}@`);
}

/**
 * A copy of `headers` with the value of every credential header (any
 * spelling of its name) replaced by `***`.
 *
 * @example
 * ```ts
 * redactHeaders({ Authorization: 'Bearer t', Accept: 'text/plain' }); // { Authorization: '***', Accept: 'text/plain' }
 * ```
 */
export function redactHeaders<V>(headers: Record<string, V>): Record<string, V | string> {
  const copy: Record<string, V | string> = {};
  for (const [name, value] of Object.entries(headers)) {
    copy[name] = CREDENTIAL_HEADERS.includes(name.toLowerCase()) ? REDACTED : value;
  }
  return copy;
}
