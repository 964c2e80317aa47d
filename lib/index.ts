// Users compile these declarations against @types/node (Buffer, node:http, AbortSignal) even when
// their tsconfig lists no types (TypeScript 6+ defaults `types` to []): preserve the reference.
/// <reference types="node" preserve="true" />
/**
 * whirlwind: Tornado's coroutine runtime for TypeScript on Node.js.
 * This module only re-exports; each namespace is also its own entry point
 * (`whirlwind/gen`, `whirlwind/ioloop`, ...).
 * @module
 */
export * as gen from './gen.js';
export * as concurrent from './concurrent.js';
export * as ioloop from './ioloop.js';
export * as log from './log.js';
export * as testing from './testing.js';
export * as httpclient from './httpclient.js';
export * as locks from './locks.js';
export * as queues from './queues.js';
export * as trace from './trace.js';

export * from './concurrent.js';
export * from './ioloop.js';
export * from './gen.js';
export * from './log.js';
export * from './testing.js';
export * from './locks.js';
export * from './queues.js';
export * from './httpclient.js';
export * from './trace.js';
