/**
 * Futures that clean up the moment they are cancelled: a bridge holding an
 * event listener, an AbortSignal listener or a worker thread must let go at
 * `cancel()`, not one loop iteration later when a done callback would run
 * (by then the event may have fired into a Future nobody waits on).
 */
import { Future } from '../concurrent/future.js';

class CancelHookFuture<T> extends Future<T> {
  private readonly onCancel: () => void;
  constructor(onCancel: () => void) {
    super();
    this.onCancel = onCancel;
  }
  override cancel(message?: string): boolean {
    if (!super.cancel(message)) return false;
    this.onCancel();
    return true;
  }
}

/** A pending Future that calls `onCancel()` synchronously when `cancel()` succeeds. */
export function futureWithCancelHook<T>(onCancel: () => void): Future<T> {
  return new CancelHookFuture<T>(onCancel);
}
