/**
 * The worker-thread half of the blocking `HTTPClient` (see ./http-blocking.ts):
 * runs each request with the same code as `AsyncHTTPClient`, keeps its own
 * keep-alive pools between requests, and answers by posting the reply and
 * then waking the blocked caller through the shared flag.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { createAgents, performFetch, type FetchOutcome } from './http-core.js';
import { redactText } from './http-redact.js';
import { SIGNAL_REPLIED, SIGNAL_WORKER_EXITED, SIGNAL_WORKER_READY, type WorkerReply, type WorkerRequest } from './http-blocking.js';

const { signal, port } = workerData as { signal: Int32Array; port: MessagePort };
const agents = createAgents();

function wake(value: number): void {
  Atomics.store(signal, 0, value);
  Atomics.notify(signal, 0);
}

// Whatever ends this thread, the caller must not wait forever.
process.on('exit', () => wake(SIGNAL_WORKER_EXITED));

function reply(message: WorkerReply): void {
  const transfer: ArrayBuffer[] = [];
  const outcome = message.outcome;
  // Hand the body over instead of copying it, when it owns its whole
  // ArrayBuffer (small buffers share Node's pool and must be copied).
  if (outcome.kind === 'response' && outcome.body.byteOffset === 0 && outcome.body.byteLength === outcome.body.buffer.byteLength) {
    transfer.push(outcome.body.buffer as ArrayBuffer);
  }
  port.postMessage(message, transfer);
  wake(SIGNAL_REPLIED);
}

port.on('message', (request: WorkerRequest) => {
  const headerLines: string[] | null = request.collectHeaderLines ? [] : null;
  const chunks: Uint8Array[] | null = request.collectChunks ? [] : null;
  const finish = (outcome: FetchOutcome) => reply({ outcome, headerLines, chunks });
  try {
    performFetch(
      { ...request.spec, startTime: performance.now() },
      agents,
      {
        onHeaderLine: headerLines === null ? undefined : (line) => headerLines.push(line),
        onChunk: chunks === null ? undefined : (chunk) => chunks.push(chunk),
      },
      finish,
    );
  } catch (error) {
    finish({
      kind: 'failure',
      message: redactText(`HTTPClient worker failed: ${error instanceof Error ? error.message : String(error)}`),
      causeMessage: null,
      causeCode: null,
    });
  }
});

wake(SIGNAL_WORKER_READY);
