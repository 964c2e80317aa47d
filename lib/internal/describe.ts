/**
 * Single-line renderings of what the user gave, for error and log messages.
 * Values (a huge object, a long string body) are shortened; file paths, URLs
 * and names never are: a mistyped path must be seen whole to be fixed.
 */
import { inspect } from '#platform';
import { redactUrl } from './http-redact.js';

/** Longest rendering of a value; an Error (whose message may name a path) is exempt. */
const MAX_LENGTH = 120;
const INSPECT_OPTIONS = { depth: 1, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 60 } as const;

/**
 * Keys Node's async_hooks put on promises and other async resources once an
 * AsyncLocalStorage or a hook is in use: ids that change from run to run and
 * the store itself. inspect() shows them (they are enumerable own symbols),
 * which would make the same mistake read differently depending on what ran before.
 */
const NODE_INTERNAL_SYMBOLS = new Set([
  'async_id_symbol',
  'trigger_async_id_symbol',
  'kResourceStore',
  'asyncId',
  'triggerId',
]);

/**
 * `42`, `'text'`, `{ a: 1 }`, `[Function: f]`, `Promise { <pending> }`: a value the user gave, on one line,
 * shortened when long. For a path, URL or name use {@link describeName}, which never shortens.
 */
export function describeValue(value: unknown): string {
  // inspect() renders an Error as its stack, over many lines: name and message are what a one-line message needs.
  if (value instanceof Error) return oneLine(value);
  // inspect() of a URL object spells out its password field by field, and cutting it would cut the path.
  if (value instanceof URL) return `URL ${quoteWhole(redactUrl(value.href))}`;
  const text =
    value instanceof Promise
      ? describePromise(value)
      : inspect(hasNodeInternals(value) ? withoutNodeInternals(value) : value, INSPECT_OPTIONS);
  return text.length > MAX_LENGTH ? text.slice(0, MAX_LENGTH - 3) + '...' : text;
}

/**
 * A file path, URL, module specifier, header or method name the user gave: a string quoted and whole
 * (control characters escaped, so it stays on one line), a URL object as its href with any user name and
 * password masked. Anything else is not a name at all and is shown as {@link describeValue} shows it.
 */
export function describeName(value: unknown): string {
  if (value instanceof URL) return redactUrl(value.href);
  if (typeof value !== 'string') return describeValue(value);
  return quoteWhole(value);
}

/** `'text'`, quoted as inspect() quotes it (escapes included), however long. */
function quoteWhole(text: string): string {
  return inspect(text, { maxStringLength: Infinity, breakLength: Infinity });
}

function oneLine(error: Error): string {
  return `${error.name}: ${error.message}`.replace(/\s*\n\s*/g, ' ');
}

/**
 * `Promise { <pending> }`, `Promise { 42 }`, `Promise { <rejected> Error: boom }`.
 * A promise's state can only be read synchronously through inspect(), so its
 * text is trimmed: stack frames of a rejection go, and so does everything from
 * Node's first internal key on (they come first among a promise's own keys).
 */
function describePromise(promise: Promise<unknown>): string {
  const text = inspect(promise, INSPECT_OPTIONS)
    .replace(/\n\s+at [^\n]*/g, '')
    .replace(/\s*\n\s*/g, ' ');
  const internal = text.search(/,? \[Symbol\((?:async_id_symbol|trigger_async_id_symbol|kResourceStore)\)\]/);
  if (internal < 0) return text;
  return `${text.slice(0, internal).replace(/,$/, '')} }`;
}

function hasNodeInternals(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  return Object.getOwnPropertySymbols(value).some((key) => NODE_INTERNAL_SYMBOLS.has(key.description ?? ''));
}

/** A stand-in with the same prototype (so the same class name) and every own key but Node's internal ones. */
function withoutNodeInternals(value: object): object {
  const copy = Object.create(Object.getPrototypeOf(value)) as object;
  for (const key of Reflect.ownKeys(value)) {
    if (typeof key === 'symbol' && NODE_INTERNAL_SYMBOLS.has(key.description ?? '')) continue;
    Object.defineProperty(copy, key, Object.getOwnPropertyDescriptor(value, key)!);
  }
  return copy;
}

/** The name a callback or coroutine is known by in messages. */
export function describeFunction(fn: unknown): string {
  if (typeof fn !== 'function') return describeValue(fn);
  return fn.name ? fn.name : '<anonymous>';
}
