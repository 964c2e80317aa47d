/**
 * `whirlwind/httpclient` outside Node (browsers, web workers, edge runtimes):
 * the same five classes, so `import { httpclient } from 'whirlwind'` and code
 * that only names them still bundle and load, but constructing any of them
 * throws an Error that says the HTTP clients need Node.js and what to use
 * instead. Both clients are built on `node:http`/`node:https`, and the
 * blocking one on worker threads and `Atomics.wait` on the main thread,
 * none of which a browser has. TypeScript users see the Node declarations
 * (package.json's `types` condition comes first), so types are the same
 * everywhere.
 *
 * @example
 * ```ts
 * import { httpclient } from 'whirlwind'; // in a browser bundle
 * new httpclient.AsyncHTTPClient(); // Error: ... needs Node.js ... use fetch() ...
 * ```
 * @module
 */
import { runtimeName } from '#platform';
import { WhirlwindError } from '../internal/errors.js';

/** The message of every constructor here, naming the class that was constructed. */
function nodeOnlyMessage(className: string): string {
  return (
    `new ${className}(): whirlwind/httpclient needs Node.js (node:http, node:https and worker threads); ` +
    `${runtimeName} has none. In a browser, use fetch() (a Promise: yield it from a coroutine, or await it).`
  );
}

function refuseOutsideNode(className: string): never {
  throw new Error(nodeOnlyMessage(className));
}

/**
 * Node only: throws. On Node, a request to fetch.
 * @example
 * ```ts
 * new HTTPRequest('https://example.com/'); // throws outside Node
 * ```
 */
export class HTTPRequest {
  constructor(..._args: unknown[]) {
    refuseOutsideNode('HTTPRequest');
  }
}

/**
 * Node only: throws. On Node, the response to a request.
 * @example
 * ```ts
 * new HTTPResponse(request, 200); // throws outside Node
 * ```
 */
export class HTTPResponse {
  constructor(..._args: unknown[]) {
    refuseOutsideNode('HTTPResponse');
  }
}

/**
 * Node only: throws. On Node, the error of a failed fetch; `instanceof` checks work everywhere.
 * @example
 * ```ts
 * if (e instanceof HTTPClientError) return null; // false outside Node: nothing raises one
 * ```
 */
export class HTTPClientError extends WhirlwindError {
  constructor(..._args: unknown[]) {
    super();
    refuseOutsideNode('HTTPClientError');
  }
}

/**
 * Node only: throws. On Node, the non-blocking HTTP client.
 * @example
 * ```ts
 * new AsyncHTTPClient(); // throws outside Node: use fetch()
 * ```
 */
export class AsyncHTTPClient {
  constructor(..._args: unknown[]) {
    refuseOutsideNode('AsyncHTTPClient');
  }
}

/**
 * Node only: throws. On Node, the blocking HTTP client.
 * @example
 * ```ts
 * new HTTPClient(); // throws outside Node: a page must not block
 * ```
 */
export class HTTPClient {
  constructor(..._args: unknown[]) {
    refuseOutsideNode('HTTPClient');
  }
}
