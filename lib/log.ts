/// <reference types="node" preserve="true" />
/**
 * Named loggers, as Tornado's `tornado.log`: `appLog` for errors in user code
 * (callbacks, coroutines, futures) and `genLog` for the runtime's own notes.
 *
 * A logger has a level and a list of handlers; filters (used by
 * `testing.ExpectLog`) see each record first and may swallow it.
 *
 * @example
 * ```ts
 * import { appLog, LogLevel } from 'whirlwind/log';
 * appLog.setLevel(LogLevel.WARNING);
 * appLog.error('Exception in callback %s', 'cb', new Error('boom'));
 * ```
 * @module
 */
import { format, isNativeError, writeStderr } from '#platform';
import { checkFunction, checkObject, refuse } from './internal/arguments.js';
import { describeValue, isRevokedProxy } from './internal/describe-safely.js';
import { reportLoggingFailure } from './internal/logging-failure.js';

/** Severity of a record; numbers as Python's `logging` so levels compare the same way. */
export enum LogLevel {
  DEBUG = 10,
  INFO = 20,
  WARNING = 30,
  ERROR = 40,
  CRITICAL = 50,
}

/** One logged event, as handlers and filters see it. */
export interface LogRecord {
  logger: string;
  level: LogLevel;
  /** The formatted message (printf-style `%s`/`%o` arguments already applied). */
  message: string;
  /** The error passed as the last argument, if any: its stack is printed by the default handler. */
  error?: unknown;
  /** Wall-clock time of the record, in milliseconds since the epoch. */
  created: number;
}

/** Receives records that passed the level and every filter. */
export type LogHandler = (record: LogRecord) => void;
/** Returns `false` to swallow a record (it reaches no handler). */
export type LogFilter = (record: LogRecord) => boolean;

const levelLetters: Record<number, string> = { 10: 'D', 20: 'I', 30: 'W', 40: 'E', 50: 'C' };

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Renders a record as Tornado's LogFormatter does, the error's stack on the
 * following lines.
 *
 * @example
 * ```ts
 * formatRecord({ logger: 'whirlwind.application', level: LogLevel.ERROR, message: 'boom', created: Date.now() });
 * // '[E 261125 03:08:18 whirlwind.application] boom'
 * ```
 */
export function formatRecord(record: LogRecord): string {
  checkObject(record, 'formatRecord', 'a LogRecord');
  const d = new Date(record.created);
  const stamp =
    twoDigits(d.getFullYear() % 100) +
    twoDigits(d.getMonth() + 1) +
    twoDigits(d.getDate()) +
    ' ' +
    twoDigits(d.getHours()) +
    ':' +
    twoDigits(d.getMinutes()) +
    ':' +
    twoDigits(d.getSeconds());
  let text = `[${levelLetters[record.level] ?? record.level} ${stamp} ${record.logger}] ${record.message}`;
  if (record.error !== undefined) {
    const err = record.error;
    text += '\n' + (isNativeError(err) && err.stack ? err.stack : formatSafely('%o', [err]));
  }
  return text;
}

/**
 * The default handler: one formatted record per write to stderr.
 *
 * @example
 * ```ts
 * const restore = appLog.replaceHandlers([stderrHandler, (record) => metrics.count(record.level)]);
 * ```
 */
export const stderrHandler: LogHandler = (record) => {
  writeStderr(formatRecord(record) + '\n');
};

/**
 * A named logger with a level, handlers and filters.
 *
 * @example
 * ```ts
 * const seen: LogRecord[] = [];
 * const restore = appLog.replaceHandlers([(r) => seen.push(r)]);
 * appLog.warning('slow callback: %d ms', 120);
 * restore();
 * ```
 */
export class Logger {
  /** Dotted name, as Python's logger names (`whirlwind.application`); records carry it. */
  readonly name: string;
  /** Records below this level are dropped before filters and handlers see them; default INFO. */
  level: LogLevel = LogLevel.INFO;
  private handlers: LogHandler[] = [stderrHandler];
  private filters: LogFilter[] = [];

  constructor(name: string) {
    if (typeof name !== 'string') refuse('Logger', 'a name string', name);
    this.name = name;
  }

  /** Sets {@link Logger.level}: records below `level` are dropped from now on. */
  setLevel(level: LogLevel): void {
    checkLevel(level, 'setLevel');
    this.level = level;
  }

  /** True if a record at `level` would be emitted: check it before building an expensive message. */
  isEnabledFor(level: LogLevel): boolean {
    checkLevel(level, 'isEnabledFor');
    return level >= this.level;
  }

  /** Adds a handler after the others (the default one prints to stderr); each record goes to every handler in order. */
  addHandler(handler: LogHandler): void {
    checkFunction(handler, 'addHandler');
    this.handlers.push(handler);
  }

  /** Removes the first occurrence of `handler`; does nothing if it is not there. */
  removeHandler(handler: LogHandler): void {
    const i = this.handlers.indexOf(handler);
    if (i >= 0) this.handlers.splice(i, 1);
  }

  /** Swaps the handler list; returns a function that puts the old one back. */
  replaceHandlers(handlers: LogHandler[]): () => void {
    if (isRevokedProxy(handlers) || !Array.isArray(handlers))
      refuse('replaceHandlers', 'an array of handlers', handlers);
    for (const handler of handlers) checkFunction(handler, 'replaceHandlers', 'an array of handler functions');
    const previous = this.handlers;
    this.handlers = handlers.slice();
    return () => {
      this.handlers = previous;
    };
  }

  /** Adds a filter: a record reaches the handlers only if every filter returns true (filters may also count or capture it). */
  addFilter(filter: LogFilter): void {
    checkFunction(filter, 'addFilter');
    this.filters.push(filter);
  }

  /** Removes the first occurrence of `filter`; does nothing if it is not there. */
  removeFilter(filter: LogFilter): void {
    const i = this.filters.indexOf(filter);
    if (i >= 0) this.filters.splice(i, 1);
  }

  /** Logs at DEBUG (dropped at the default level INFO); arguments as {@link Logger.error}. */
  debug(message: string, ...args: unknown[]): void {
    this.log(LogLevel.DEBUG, message, args);
  }
  /** Logs at INFO; arguments as {@link Logger.error}. */
  info(message: string, ...args: unknown[]): void {
    this.log(LogLevel.INFO, message, args);
  }
  /** Logs at WARNING; arguments as {@link Logger.error}. */
  warning(message: string, ...args: unknown[]): void {
    this.log(LogLevel.WARNING, message, args);
  }
  /**
   * Logs at ERROR. An argument left over after the message's placeholders
   * (the last one) becomes the record's `error`, printed with its stack, as
   * Python's `exc_info=True`; anything may be thrown, so it need not be an `Error`.
   *
   * @example
   * ```ts
   * appLog.error('Exception in callback %s', 'onTick', new Error('boom'));
   * ```
   */
  error(message: string, ...args: unknown[]): void {
    this.log(LogLevel.ERROR, message, args);
  }
  /** Logs at CRITICAL; arguments as {@link Logger.error}. */
  critical(message: string, ...args: unknown[]): void {
    this.log(LogLevel.CRITICAL, message, args);
  }

  /** Logs at `level`; the other methods are shorthands for it. Same argument rules as {@link Logger.error}. */
  log(level: LogLevel, message: string, args: unknown[] = []): void {
    checkLevel(level, 'log');
    if (typeof message !== 'string') refuse('log', 'a message string', message);
    if (isRevokedProxy(args) || !Array.isArray(args)) refuse('log', 'an array of arguments', args);
    if (level < this.level) return;
    let error: unknown;
    const placeholders = countPlaceholders(message);
    if (args.length > placeholders) {
      error = args[args.length - 1];
      args = args.slice(0, -1);
    }
    const record: LogRecord = {
      logger: this.name,
      level,
      message: args.length > 0 ? formatSafely(message, args) : message,
      created: Date.now(),
    };
    if (error !== undefined) record.error = error;
    // Loggers are called from the loop's drain: a broken filter or handler
    // must not turn a logged error into a crash of the loop (or of its caller).
    for (const filter of this.filters) {
      let keep: unknown;
      try {
        keep = filter(record);
      } catch (filterError) {
        // The record still goes out: losing the error it reports would be worse than a duplicate.
        reportLoggingFailure('log filter', filterError);
        continue;
      }
      if (!keep) return;
    }
    for (const handler of this.handlers) {
      try {
        handler(record);
      } catch (handlerError) {
        reportLoggingFailure('log handler', handlerError);
      }
    }
  }
}

/** `%s` of a revoked Proxy makes format() throw: then each argument is described rather than formatted. */
function formatSafely(message: string, args: unknown[]): string {
  try {
    return format(message, ...args);
  } catch {
    return format(message, ...args.map(describeValue));
  }
}

function checkLevel(level: unknown, what: string): void {
  if (typeof level !== 'number' || Number.isNaN(level))
    refuse(what, 'a LogLevel (a number such as LogLevel.INFO)', level);
}

function countPlaceholders(message: string): number {
  let count = 0;
  for (let i = 0; i < message.length - 1; i++) {
    if (message.charCodeAt(i) !== 37 /* % */) continue;
    const next = message[i + 1];
    if (next === '%') {
      i++;
    } else if ('sdifjoOc'.includes(next)) {
      count++;
    }
  }
  return count;
}

/**
 * Errors in application code: callbacks, coroutines, futures (Tornado's `tornado.application`).
 *
 * @example
 * ```ts
 * appLog.setLevel(LogLevel.ERROR); // only errors from here on
 * ```
 */
export const appLog = new Logger('whirlwind.application');
/**
 * The runtime's own messages (Tornado's `tornado.general`).
 *
 * @example
 * ```ts
 * genLog.warning('connection pool exhausted, %d waiting', waiting);
 * ```
 */
export const genLog = new Logger('whirlwind.general');
