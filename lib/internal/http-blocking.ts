/**
 * The main-thread half of the blocking `HTTPClient`: it posts a request to a
 * worker thread (./http-worker.ts) and parks the calling thread on
 * `Atomics.wait` until the worker flips a shared flag, then takes the reply
 * off the port synchronously with `receiveMessageOnPort`. No event loop runs
 * on the calling thread meanwhile, which is what "blocking" means.
 *
 * One worker per thread is shared by every open `HTTPClient` (the seed's
 * `synchronousFetch` makes a client per call and never closes it): it is
 * started on first use, always `unref()`ed so an idle one never keeps the
 * process alive, and terminated when the last client using it closes.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { FetchOutcome, FetchSpec } from './http-core.js';

/** What the worker is asked to do. */
export interface WorkerRequest {
  spec: Omit<FetchSpec, 'startTime'>;
  collectHeaderLines: boolean;
  collectChunks: boolean;
}

/** What the worker answers: the outcome, plus what the caller's callbacks must be replayed with. */
export interface WorkerReply {
  outcome: FetchOutcome;
  headerLines: string[] | null;
  chunks: Uint8Array[] | null;
}

// Values of the shared flag.
export const SIGNAL_WAITING = 0;
export const SIGNAL_REPLIED = 1;
export const SIGNAL_WORKER_EXITED = 2;
export const SIGNAL_WORKER_READY = 3;

/** How long a new worker may take to start before HTTPClient gives up (ms). */
const WORKER_START_LIMIT_MS = 10_000;

const WORKER_FILE = new URL('./http-worker.js', import.meta.url);

class BlockingFetcher {
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;

  constructor() {
    // A missing worker file would otherwise surface as an 'error' event that
    // can never be delivered while this thread waits: fail loudly first.
    if (!existsSync(fileURLToPath(WORKER_FILE))) {
      throw new Error(`HTTPClient: worker script not found at ${fileURLToPath(WORKER_FILE)} (is the package built?)`);
    }
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = startWorker({ signal: this.signal, port: port2 }, [port2]);
    // Only a blocked caller needs the worker, and a blocked caller keeps the
    // process alive by itself; an idle worker must never do so.
    this.worker.unref();
    this.port.unref();
    // A worker that fails to start reports it through an event this thread
    // could only see after returning: so wait for its "ready", with a limit.
    Atomics.wait(this.signal, 0, SIGNAL_WAITING, WORKER_START_LIMIT_MS);
    if (Atomics.load(this.signal, 0) !== SIGNAL_WORKER_READY) {
      this.terminate();
      throw new Error(`HTTPClient: the worker thread did not start within ${WORKER_START_LIMIT_MS / 1000} s`);
    }
  }

  run(request: WorkerRequest): WorkerReply {
    if (Atomics.load(this.signal, 0) === SIGNAL_WORKER_EXITED) {
      throw new Error('HTTPClient: the worker thread has exited; close this client and make a new one');
    }
    Atomics.store(this.signal, 0, SIGNAL_WAITING);
    this.port.postMessage(request);
    Atomics.wait(this.signal, 0, SIGNAL_WAITING);
    const message = receiveMessageOnPort(this.port);
    if (message === undefined) {
      throw new Error('HTTPClient: the worker thread exited without answering (see its stderr)');
    }
    return message.message as WorkerReply;
  }

  terminate(): void {
    this.port.close();
    void this.worker.terminate();
  }
}

/**
 * The worker inherits the parent's Node flags, and `--input-type` (from
 * `node --input-type=module -e ...`) makes a file worker fail at startup; so
 * that flag is left out. Naming the flags explicitly makes Node reject V8
 * flags such as `--expose-gc` that it would silently skip when inheriting,
 * hence the fallback to none.
 */
function startWorker(workerData: unknown, transferList: MessagePort[]): Worker {
  const inherited = process.execArgv;
  const usable = inherited.filter((flag) => !flag.startsWith('--input-type'));
  if (usable.length === inherited.length) return new Worker(WORKER_FILE, { workerData, transferList });
  try {
    return new Worker(WORKER_FILE, { workerData, transferList, execArgv: usable });
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_WORKER_INVALID_EXEC_ARGV') throw error;
    return new Worker(WORKER_FILE, { workerData, transferList, execArgv: [] });
  }
}

let sharedFetcher: BlockingFetcher | null = null;
let users = 0;

/** Marks one more client as using the thread's worker, starting it if needed. */
export function acquireFetcher(): { run(request: WorkerRequest): WorkerReply } {
  if (sharedFetcher === null) sharedFetcher = new BlockingFetcher();
  users++;
  return sharedFetcher;
}

/** Marks one client as done with the worker; the last one out terminates it. */
export function releaseFetcher(): void {
  if (users === 0) return;
  users--;
  if (users === 0 && sharedFetcher !== null) {
    sharedFetcher.terminate();
    sharedFetcher = null;
  }
}

/** For tests: whether a worker thread is currently running. */
export function fetcherIsRunning(): boolean {
  return sharedFetcher !== null;
}
