/**
 * The main-thread half of the blocking `HTTPClient`: it posts a request to a
 * worker thread (./http-worker.ts) and parks the calling thread on
 * `Atomics.wait` until the worker flips a shared flag, then takes the
 * worker's message off the port synchronously with `receiveMessageOnPort`.
 * No event loop runs on the calling thread meanwhile, which is what
 * "blocking" means. A request with callbacks is a conversation: the worker
 * hands header lines and body chunks over in bounded batches, one at a time,
 * and the calling thread runs the callbacks and answers before the next
 * (see STREAM_BUFFER_LIMIT), so a streamed body is never held whole.
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
  /** Hand the final response's header lines over (for a `headerCallback`). */
  relayHeaderLines: boolean;
  /** Hand the body over in pieces (for a `streamingCallback`) instead of in the outcome. */
  relayChunks: boolean;
}

/**
 * Header lines and body chunks for the caller's callbacks, handed over while
 * the request runs: `body` holds the chunks back to back, `chunkLengths`
 * where one ends and the next begins. The worker sends nothing more until
 * the caller answers `ack` (go on) or `abort` (a callback threw).
 */
export interface CallbackBatch {
  kind: 'batch';
  headerLines: string[];
  body: Uint8Array;
  chunkLengths: number[];
}

/** The end of a request: sent once, after every batch has been acknowledged. */
export interface WorkerDone {
  kind: 'done';
  outcome: FetchOutcome;
}

export type WorkerMessage = CallbackBatch | WorkerDone;
export type CallerReply = { kind: 'ack' } | { kind: 'abort' };

/**
 * The most body bytes the worker holds for a caller still busy with the
 * previous batch; past it the worker stops reading the response until the
 * caller catches up. So a streamed body of any size costs the process about
 * two of these (one being handed over, one being read), not the body.
 */
export const STREAM_BUFFER_LIMIT = 1024 * 1024;

// Slots of the Int32Array shared with the worker.
export const SLOT_SIGNAL = 0;
/** Body bytes the worker holds now, and the most it held during the current request. */
export const SLOT_BUFFERED = 1;
export const SLOT_PEAK_BUFFERED = 2;
/** 1 while the worker has stopped reading the body because the caller is behind. */
export const SLOT_BODY_PAUSED = 3;
const SHARED_SLOTS = 4;

// Values of the signal slot.
export const SIGNAL_WAITING = 0;
export const SIGNAL_REPLIED = 1;
export const SIGNAL_WORKER_EXITED = 2;
export const SIGNAL_WORKER_READY = 3;

/** How long a new worker may take to start before HTTPClient gives up (ms). */
const WORKER_START_LIMIT_MS = 10_000;

const WORKER_FILE = new URL('./http-worker.js', import.meta.url);

class BlockingFetcher {
  readonly shared = new Int32Array(new SharedArrayBuffer(SHARED_SLOTS * Int32Array.BYTES_PER_ELEMENT));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private running = false;
  private terminateWhenIdle = false;

  constructor() {
    // A missing worker file would otherwise surface as an 'error' event that
    // can never be delivered while this thread waits: fail loudly first.
    if (!existsSync(fileURLToPath(WORKER_FILE))) {
      throw new Error(`HTTPClient: worker script not found at ${fileURLToPath(WORKER_FILE)} (is the package built?)`);
    }
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = startWorker({ shared: this.shared, port: port2 }, [port2]);
    // Only a blocked caller needs the worker, and a blocked caller keeps the
    // process alive by itself; an idle worker must never do so.
    this.worker.unref();
    this.port.unref();
    // A worker that fails to start reports it through an event this thread
    // could only see after returning: so wait for its "ready", with a limit.
    Atomics.wait(this.shared, SLOT_SIGNAL, SIGNAL_WAITING, WORKER_START_LIMIT_MS);
    if (Atomics.load(this.shared, SLOT_SIGNAL) !== SIGNAL_WORKER_READY) {
      this.terminate();
      throw new Error(`HTTPClient: the worker thread did not start within ${WORKER_START_LIMIT_MS / 1000} s`);
    }
  }

  /**
   * Runs one request on the worker, calling `onBatch` on this thread with
   * each batch it hands over. If `onBatch` throws, the request is aborted
   * and its outcome is that error (as when an AsyncHTTPClient callback throws).
   */
  run(request: WorkerRequest, onBatch: (batch: CallbackBatch) => void): FetchOutcome {
    if (this.running) {
      // The worker is mid-request, waiting on this very thread: a second request would interleave with it.
      throw new Error(
        'HTTPClient.fetch: cannot start a blocking fetch from a headerCallback or streamingCallback of another',
      );
    }
    if (Atomics.load(this.shared, SLOT_SIGNAL) === SIGNAL_WORKER_EXITED) {
      throw new Error('HTTPClient: the worker thread has exited; close this client and make a new one');
    }
    this.running = true;
    try {
      Atomics.compareExchange(this.shared, SLOT_SIGNAL, SIGNAL_WORKER_READY, SIGNAL_WAITING);
      this.port.postMessage(request);
      let hookError: { error: unknown } | null = null;
      for (;;) {
        const message = this.nextMessage();
        if (message.kind === 'done') {
          if (hookError === null) return message.outcome;
          return {
            kind: 'failure',
            message: 'callback failed',
            causeMessage: null,
            causeCode: null,
            hookError: hookError.error,
          };
        }
        try {
          onBatch(message);
        } catch (error) {
          hookError = { error };
          this.reply({ kind: 'abort' });
          continue;
        }
        this.reply({ kind: 'ack' });
      }
    } finally {
      this.running = false;
      if (this.terminateWhenIdle) this.terminate();
    }
  }

  /** Parks this thread until the worker posts, and takes that message. */
  private nextMessage(): WorkerMessage {
    Atomics.wait(this.shared, SLOT_SIGNAL, SIGNAL_WAITING);
    const received = receiveMessageOnPort(this.port);
    // Never overwrite SIGNAL_WORKER_EXITED: the next wait must see it.
    Atomics.compareExchange(this.shared, SLOT_SIGNAL, SIGNAL_REPLIED, SIGNAL_WAITING);
    if (received === undefined) {
      throw new Error('HTTPClient: the worker thread exited without answering (see its stderr)');
    }
    return received.message as WorkerMessage;
  }

  private reply(message: CallerReply): void {
    this.port.postMessage(message);
  }

  /** Stops the worker; if a request is running (a callback closed the last client), once it ends. */
  terminate(): void {
    if (this.running) {
      this.terminateWhenIdle = true;
      return;
    }
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
export function acquireFetcher(): Pick<BlockingFetcher, 'run'> {
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

/**
 * For tests, from inside a `streamingCallback`: waits (up to `limitMs`) until
 * the worker has stopped reading the body because this thread is behind, and
 * says how many body bytes it holds now and held at most in this request.
 */
export function waitForStreamPause(limitMs: number): {
  paused: boolean;
  bufferedBytes: number;
  peakBufferedBytes: number;
} {
  const shared = sharedFetcher?.shared;
  if (shared === undefined) throw new Error('waitForStreamPause: no blocking fetch is running');
  Atomics.wait(shared, SLOT_BODY_PAUSED, 0, limitMs);
  return {
    paused: Atomics.load(shared, SLOT_BODY_PAUSED) === 1,
    bufferedBytes: Atomics.load(shared, SLOT_BUFFERED),
    peakBufferedBytes: Atomics.load(shared, SLOT_PEAK_BUFFERED),
  };
}

/** For tests, after a blocking fetch: the most body bytes its worker held at once. */
export function lastPeakBufferedBytes(): number {
  return sharedFetcher === null ? 0 : Atomics.load(sharedFetcher.shared, SLOT_PEAK_BUFFERED);
}
