/**
 * The package root outside Node (package.json's `default` condition of
 * `.`): the same names as `lib/index.ts`, with `httpclient` replaced by
 * `./httpclient.ts`, whose classes throw a clear error instead of pulling
 * `node:http` into a browser bundle. TypeScript users see `lib/index.d.ts`
 * either way.
 *
 * @example
 * ```ts
 * import { gen, httpclient } from 'whirlwind'; // bundled for a browser
 * gen.coroutine(function* () { yield gen.sleep(0.1); })(); // runs
 * new httpclient.AsyncHTTPClient(); // throws "... needs Node.js ..."
 * ```
 * @module
 */
export * as gen from '../gen.js';
export * as concurrent from '../concurrent.js';
export * as ioloop from '../ioloop.js';
export * as log from '../log.js';
export * as testing from '../testing.js';
export * as httpclient from './httpclient.js';
export * as locks from '../locks.js';
export * as queues from '../queues.js';
export * as trace from '../trace.js';

export * from '../concurrent.js';
export * from '../ioloop.js';
export * from '../gen.js';
export * from '../log.js';
export * from '../testing.js';
export * from '../locks.js';
export * from '../queues.js';
export { HTTPRequest, HTTPResponse, HTTPClientError, AsyncHTTPClient, HTTPClient } from './httpclient.js';
export * from '../trace.js';
