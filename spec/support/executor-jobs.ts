/**
 * Functions the executor spec runs in worker threads through
 * workerFunction(module, exportName): each stands for one kind of job.
 */
import { pbkdf2Sync } from 'node:crypto';
import { threadId } from 'node:worker_threads';

export function add(a: number, b: number): number {
  return a + b;
}

export async function addLater(a: number, b: number): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return a + b;
}

/** Which worker thread ran the job. */
export function whichThread(): number {
  return threadId;
}

/** Uses a name no scope defines: a ReferenceError of the module's own making. */
export function referenceError(): unknown {
  // @ts-expect-error the point: this name is defined nowhere
  return notDefinedAnywhere;
}

export function failWithCode(message: string): never {
  throw Object.assign(new RangeError(message), { code: 'E_JOB' });
}

export function exitWorker(code: number): never {
  process.exit(code);
}

/** Lets an exception escape the job's own callbacks: it kills the worker after the job seemed to start. */
export function throwOutsideTheJob(): Promise<never> {
  setImmediate(() => {
    throw new Error('escaped the job');
  });
  return new Promise<never>(() => undefined);
}

/** Blocks the worker thread until slot 0 of `control` becomes non-zero, then adds 1 to slot 1. */
export function blockUntilReleased(control: Int32Array): number {
  Atomics.add(control, 2, 1); // started
  while (Atomics.load(control, 0) === 0) Atomics.wait(control, 0, 0, 50);
  return Atomics.add(control, 1, 1) + 1;
}

/** Counts that the job ran, in slot 1 of `control`. */
export function countRun(control: Int32Array): void {
  Atomics.add(control, 1, 1);
}

/**
 * CPU-bound work (PBKDF2 rounds) that goes on until the loop thread has
 * ticked `ticks` more times (slot 0 of `ticksSeen`) than when it started:
 * it can only finish if the loop keeps running while it computes.
 */
export function hashUntilTicks(ticksSeen: Int32Array, ticks: number): { rounds: number; ticksWhileHashing: number } {
  const atStart = Atomics.load(ticksSeen, 0);
  let rounds = 0;
  let key = Buffer.from('seed');
  do {
    key = pbkdf2Sync(key, 'salt', 1000, 32, 'sha256');
    rounds++;
  } while (Atomics.load(ticksSeen, 0) < atStart + ticks);
  return { rounds, ticksWhileHashing: Atomics.load(ticksSeen, 0) - atStart };
}

export function unsendableResult(): () => void {
  return () => undefined;
}
