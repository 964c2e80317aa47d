/**
 * "The current loop", as the layers below `ioloop.ts` see it.
 *
 * `Future`, `moment` and the waiters of locks and queues schedule on the
 * current loop but must not import the loop module: the loop module imports
 * them (`addFuture`, `runSync`). So the current loop lives here, under the
 * few methods they need, and `ioloop.ts` fills it in: it switches the current
 * loop as loops run, and provides the factory that makes the default loop
 * when none is current (as `IOLoop.current()` does).
 *
 * Every public entry point loads `ioloop.ts` (and `package.json` marks it as
 * having side effects), so the factory is always there when a Future is used.
 */

/** A ready-queue entry runs as `task(a, b)`: entries are flat triples, so scheduling allocates nothing. */
export type Task = (a: any, b: any) => void;

/** A timer scheduled through {@link SchedulingLoop.callAtQuietly}; only the loop that made it looks inside. */
export interface ScheduledTimer {
  /** True once the timer ran or was removed. */
  readonly cancelled: boolean;
}

/** What the layers below the IOLoop need from it: the IOLoop class implements this. */
export interface SchedulingLoop {
  /** Appends `task(a, b)` to the ready queue: it runs on the next iteration, FIFO. */
  enqueue(task: Task, a: unknown, b?: unknown): void;
  /** True after `close()`. */
  isClosed(): boolean;
  /** The loop's clock, in seconds. */
  time(): number;
  /** Calls `callback(...args)` at `when` on the loop's clock, as the runtime's own timers do. */
  callAtQuietly<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): ScheduledTimer;
  /** Cancels a timer made by this loop's `callAtQuietly`. */
  removeTimeout(timer: ScheduledTimer): void;
}

let current: SchedulingLoop | null = null;
let makeDefaultLoop: (() => SchedulingLoop) | null = null;

/** The current loop, made on first use (the same loop as `IOLoop.current()`). */
export function currentLoop(): SchedulingLoop {
  if (current !== null) return current;
  if (makeDefaultLoop === null) {
    throw new Error('whirlwind: no IOLoop implementation is loaded; import whirlwind (or whirlwind/ioloop) first');
  }
  return makeDefaultLoop();
}

/** The current loop, or null if none is (for the loop module's own bookkeeping). */
export function currentLoopOrNull(): SchedulingLoop | null {
  return current;
}

/** Makes `loop` current (null: none); only `ioloop.ts` calls this. */
export function setCurrentLoop(loop: SchedulingLoop | null): void {
  current = loop;
}

/** Registers how to make a loop when none is current; `ioloop.ts` calls this once, at load. */
export function provideDefaultLoop(factory: () => SchedulingLoop): void {
  makeDefaultLoop = factory;
}
