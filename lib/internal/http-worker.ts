/**
 * The worker-thread half of the blocking `HTTPClient` (see ./http-blocking.ts):
 * runs each request with the same code as `AsyncHTTPClient`, keeps its own
 * keep-alive pools between requests, and answers by posting a message and
 * then waking the blocked caller through the shared flag. For a request
 * with callbacks, a CallbackRelay hands header lines and body chunks over
 * in bounded batches while the response is still arriving.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { BodyFlow, createAgents, performFetch, type FetchOutcome } from './http-core.js';
import {
  SIGNAL_REPLIED,
  SIGNAL_WORKER_EXITED,
  SIGNAL_WORKER_READY,
  SLOT_BODY_PAUSED,
  SLOT_BUFFERED,
  SLOT_PEAK_BUFFERED,
  SLOT_SIGNAL,
  STREAM_BUFFER_LIMIT,
  type CallbackBatch,
  type CallerReply,
  type WorkerMessage,
  type WorkerRequest,
} from './http-blocking.js';
import { redactText } from './http-redact.js';

const { shared, port } = workerData as { shared: Int32Array; port: MessagePort };
const agents = createAgents();

function wake(value: number): void {
  Atomics.store(shared, SLOT_SIGNAL, value);
  Atomics.notify(shared, SLOT_SIGNAL);
}

// Whatever ends this thread, the caller must not wait forever.
process.on('exit', () => wake(SIGNAL_WORKER_EXITED));

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
  wake(SIGNAL_REPLIED);
}

function postDone(outcome: FetchOutcome): void {
  // Hand the body over instead of copying it, when it owns its whole
  // ArrayBuffer (small buffers share Node's pool and must be copied).
  const body = outcome.kind === 'response' ? outcome.body : null;
  const transferable = body !== null && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
  post({ kind: 'done', outcome }, transferable ? [body.buffer as ArrayBuffer] : []);
}

/**
 * One request's callbacks, relayed to the blocked caller: what arrives while
 * the caller is busy with the previous batch is held, up to
 * STREAM_BUFFER_LIMIT body bytes, past which the body is paused; the final
 * outcome waits until every batch has been acknowledged.
 */
class CallbackRelay {
  readonly flow = new BodyFlow();
  private headerLines: string[] = [];
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private awaitingCaller = false;
  private outcome: FetchOutcome | null = null;
  private abortFetch: (() => void) | null = null;

  constructor() {
    Atomics.store(shared, SLOT_BUFFERED, 0);
    Atomics.store(shared, SLOT_PEAK_BUFFERED, 0);
    Atomics.store(shared, SLOT_BODY_PAUSED, 0);
  }

  start(abortFetch: () => void): void {
    this.abortFetch = abortFetch;
  }

  addHeaderLine(line: string): void {
    this.headerLines.push(line);
    if (line === '\r\n') this.handOverIfIdle(); // the header block is complete
  }

  addChunk(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.setBuffered(this.bufferedBytes + chunk.length);
    if (!this.awaitingCaller) this.handOver();
    else if (this.bufferedBytes >= STREAM_BUFFER_LIMIT) this.pauseBody();
  }

  finish(outcome: FetchOutcome): void {
    this.outcome = outcome;
    this.handOverIfIdle();
  }

  /** The caller's answer to the last batch. */
  onReply(reply: CallerReply): void {
    this.awaitingCaller = false;
    if (reply.kind === 'abort') {
      this.headerLines = [];
      this.chunks = [];
      this.setBuffered(0);
      // The fetch is over for the caller, who only waits for 'done' now.
      if (this.outcome === null) this.abortFetch?.();
      postDone(this.outcome ?? { kind: 'failure', message: 'callback failed', causeMessage: null, causeCode: null });
      return;
    }
    this.handOverIfIdle();
    if (Atomics.load(shared, SLOT_BODY_PAUSED) === 1 && this.bufferedBytes < STREAM_BUFFER_LIMIT) {
      Atomics.store(shared, SLOT_BODY_PAUSED, 0);
      this.flow.resume();
    }
  }

  private handOverIfIdle(): void {
    if (this.awaitingCaller) return;
    if (this.headerLines.length > 0 || this.chunks.length > 0) this.handOver();
    else if (this.outcome !== null) postDone(this.outcome);
  }

  /** Sends what is held as one batch, its bytes copied into one buffer the caller receives without a copy. */
  private handOver(): void {
    const body = new Uint8Array(this.bufferedBytes);
    let offset = 0;
    for (const chunk of this.chunks) {
      body.set(chunk, offset);
      offset += chunk.length;
    }
    const batch: CallbackBatch = {
      kind: 'batch',
      headerLines: this.headerLines,
      body,
      chunkLengths: this.chunks.map((chunk) => chunk.length),
    };
    this.headerLines = [];
    this.chunks = [];
    this.setBuffered(0);
    this.awaitingCaller = true;
    post(batch, [body.buffer]);
  }

  private pauseBody(): void {
    this.flow.pause();
    Atomics.store(shared, SLOT_BODY_PAUSED, 1);
    Atomics.notify(shared, SLOT_BODY_PAUSED);
  }

  private setBuffered(bytes: number): void {
    this.bufferedBytes = bytes;
    Atomics.store(shared, SLOT_BUFFERED, bytes);
    if (bytes > Atomics.load(shared, SLOT_PEAK_BUFFERED)) Atomics.store(shared, SLOT_PEAK_BUFFERED, bytes);
  }
}

let relay: CallbackRelay | null = null;

function startRequest(request: WorkerRequest): void {
  const current = request.relayHeaderLines || request.relayChunks ? new CallbackRelay() : null;
  relay = current;
  const finish = (outcome: FetchOutcome): void => {
    if (current === null) postDone(outcome);
    else current.finish(outcome);
  };
  try {
    const abort = performFetch(
      { ...request.spec, startTime: performance.now() },
      agents,
      {
        onHeaderLine: current !== null && request.relayHeaderLines ? (line) => current.addHeaderLine(line) : undefined,
        onChunk: current !== null && request.relayChunks ? (chunk) => current.addChunk(chunk) : undefined,
        flow: current?.flow,
      },
      finish,
    );
    current?.start(abort);
  } catch (error) {
    finish({
      kind: 'failure',
      message: redactText(`HTTPClient worker failed: ${error instanceof Error ? error.message : String(error)}`),
      causeMessage: null,
      causeCode: null,
    });
  }
}

port.on('message', (message: WorkerRequest | CallerReply) => {
  if ('kind' in message) relay?.onReply(message);
  else startRequest(message);
});

wake(SIGNAL_WORKER_READY);
