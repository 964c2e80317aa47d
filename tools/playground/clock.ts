/**
 * A simulated clock for the playground Worker: the loop's time, its timers
 * and its macrotask hop all run on virtual time, so a program that sleeps
 * for seconds finishes at once and every run gives the same timeline.
 * Imported before the core, which captures `setImmediate` when it loads.
 */
interface VirtualTask {
  at: number;
  sequence: number;
  id: number;
  run: () => void;
}

/** Seconds since the run began. */
export const clock = { now: 0 };

let tasks: VirtualTask[] = [];
let nextId = 1;
let sequence = 0;

function schedule(at: number, callback: (...args: unknown[]) => unknown, args: unknown[]): number {
  const id = nextId++;
  tasks.push({ at, sequence: sequence++, id, run: () => void callback(...args) });
  return id;
}

function cancel(id: unknown): void {
  tasks = tasks.filter((task) => task.id !== id);
}

const scope = globalThis as unknown as Record<string, unknown>;
scope.setTimeout = (callback: (...args: unknown[]) => unknown, ms = 0, ...args: unknown[]) =>
  schedule(clock.now + Math.max(0, Number(ms) || 0) / 1000, callback, args);
scope.clearTimeout = cancel;
scope.setInterval = () => {
  throw new Error('setInterval is not simulated in the playground: use PeriodicCallback or a loop with gen.sleep');
};
scope.setImmediate = (callback: (...args: unknown[]) => unknown, ...args: unknown[]) =>
  schedule(clock.now, callback, args);
scope.clearImmediate = cancel;

/** Runs the earliest simulated task (moving the clock to it); false when none is left. */
export function runNextVirtualTask(): boolean {
  if (tasks.length === 0) return false;
  let first = 0;
  for (let i = 1; i < tasks.length; i++) {
    const a = tasks[i];
    const b = tasks[first];
    if (a.at < b.at || (a.at === b.at && a.sequence < b.sequence)) first = i;
  }
  const [task] = tasks.splice(first, 1);
  if (task.at > clock.now) clock.now = task.at;
  task.run();
  return true;
}

/** Moves the clock forward without running anything: what a blocking call does to a single-threaded program. */
export function blockFor(seconds: number): void {
  clock.now += seconds;
}

export function resetClock(): void {
  tasks = [];
  clock.now = 0;
}

const channel = new MessageChannel();
const waiting: (() => void)[] = [];
channel.port1.onmessage = () => waiting.shift()?.();

/** Resolves after every pending microtask has run (a real, unclamped macrotask). */
export function afterMicrotasks(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}
