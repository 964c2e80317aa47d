/**
 * How the loop reports a callback that threw: "Exception in callback NAME"
 * on appLog. Called from the loop's drain, where a throw would abort the
 * iteration and drop the rest of its batch, so reporting never throws: not
 * for a callback whose `name` getter throws (a revoked Proxy), nor for a
 * logger method replaced by one that throws.
 */
import { appLog } from '../log.js';
import { reportLoggingFailure } from './logging-failure.js';
import { describeFunction } from './describe-safely.js';

/** Logs `error`, thrown by (or on behalf of) `callback`, on appLog; never throws. */
export function logCallbackException(callback: unknown, error: unknown): void {
  try {
    appLog.error('Exception in callback %s', describeFunction(callback), error);
  } catch (loggingError) {
    reportLoggingFailure('logging an exception in a callback', loggingError);
  }
}
