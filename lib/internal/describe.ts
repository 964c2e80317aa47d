/** Short, single-line renderings of user values for error and log messages. */
import { inspect } from 'node:util';

const MAX_LENGTH = 120;

/** `42`, `'text'`, `{ a: 1 }`, `[Function: f]`: what the user gave, on one line. */
export function describeValue(value: unknown): string {
  // inspect() renders an Error as its stack, over many lines: name and message are what a one-line message needs.
  const text =
    value instanceof Error
      ? `${value.name}: ${value.message}`.replace(/\s*\n\s*/g, ' ')
      : inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 60 });
  return text.length > MAX_LENGTH ? text.slice(0, MAX_LENGTH - 3) + '...' : text;
}

/** The name a callback or coroutine is known by in messages. */
export function describeFunction(fn: unknown): string {
  if (typeof fn !== 'function') return describeValue(fn);
  return fn.name ? fn.name : '<anonymous>';
}
