/**
 * Types shared by the two platform modules (platform.ts for Node,
 * platform-portable.ts elsewhere), so that public declarations never name
 * the `#platform` import.
 */
import type { Worker } from 'node:worker_threads';

/** A captured async context, as Node's AsyncResource. */
export interface AsyncContextLike {
  runInAsyncScope<This, Args extends any[], Result>(
    fn: (this: This, ...args: Args) => Result,
    thisArg?: This,
    ...args: Args
  ): Result;
}

/** What the thread-pool executor needs from Node. */
export interface NodeWorkers {
  Worker: typeof Worker;
  availableParallelism(): number;
  isAbsolute(path: string): boolean;
  pathToFileURL(path: string): URL;
}
