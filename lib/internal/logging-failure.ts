/**
 * What the runtime does when logging itself fails (a handler, a filter or a
 * replaced logger method that throws): one line on stderr, and never a throw,
 * since the callers are the loop's drain and the logger's dispatch.
 */
import { writeStderr } from '#platform';
import { describeValue } from './describe-safely.js';

/**
 * The last resort when logging itself fails: one line on stderr.
 * Never throws, whatever was thrown (a Symbol, an object whose toString throws).
 */
export function reportLoggingFailure(what: string, error: unknown): void {
  try {
    writeStderr(`whirlwind: ${what} failed: ${errorText(error)}\n`);
  } catch {
    // stderr is gone or replaced by something that throws: nowhere left to report to.
  }
}

function errorText(error: unknown): string {
  try {
    return String(error);
  } catch {
    return describeValue(error);
  }
}
