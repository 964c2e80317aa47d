/**
 * `npm start`: the seed's lesson, measured.
 *
 * A local server (127.0.0.1, an ephemeral port, on its own thread) answers
 * every request after ~100 ms. The seed's four functions (examples/seed.ts)
 * each fetch the same 20 URLs; the table shows wall time and how many
 * requests the server saw at once. Then `asyncFetchGen` is traced step by
 * step, to show what "a coroutine returns its Future before the fetch is
 * done" means.
 *
 * The server runs on a worker thread because `synchronousFetch` blocks this
 * thread while it waits: a server living here could never answer it.
 */
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gen, IOLoop, Future, AsyncHTTPClient, type HTTPResponse } from 'whirlwind';
import { asyncFetchGen, asyncFetchManual, asynchronousFetch, synchronousFetch } from './seed.js';
import { recordTrace } from 'whirlwind/trace';

const RESPONSE_DELAY_MS = 100;
const URL_COUNT = 20;

interface ServerStats {
  requests: number;
  peakInFlight: number;
}

/** Worker side: the slow server. Reports (and resets) its counters when asked. */
async function serve(): Promise<void> {
  let stats: ServerStats = { requests: 0, peakInFlight: 0 };
  let inFlight = 0;
  const server = http.createServer((req, res) => {
    stats.requests++;
    inFlight++;
    stats.peakInFlight = Math.max(stats.peakInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end(`page ${req.url}`);
    }, RESPONSE_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  parentPort!.on('message', () => {
    parentPort!.postMessage(stats);
    stats = { requests: 0, peakInFlight: 0 };
  });
  parentPort!.postMessage((server.address() as AddressInfo).port);
}

/** Main side: a handle on the server thread. */
class ServerThread {
  private constructor(
    private readonly worker: Worker,
    readonly baseUrl: string,
  ) {}

  static async start(): Promise<ServerThread> {
    const worker = new Worker(new URL(import.meta.url));
    const port = await nextMessage<number>(worker);
    return new ServerThread(worker, `http://127.0.0.1:${port}`);
  }

  /** What the server saw since the last call. */
  takeStats(): Promise<ServerStats> {
    const reply = nextMessage<ServerStats>(this.worker);
    this.worker.postMessage('stats');
    return reply;
  }

  stop(): Promise<number> {
    return this.worker.terminate();
  }
}

function nextMessage<T>(worker: Worker): Promise<T> {
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

interface Row {
  style: string;
  code: string;
  seconds: number;
  stats: ServerStats;
  bytes: number;
}

async function measure(
  server: ServerThread,
  style: string,
  code: string,
  fetchAll: (urls: string[]) => Promise<Buffer[]>,
): Promise<Row> {
  const urls = Array.from({ length: URL_COUNT }, (_, i) => `${server.baseUrl}/page/${i}`);
  await server.takeStats(); // start from zero
  const started = performance.now();
  const bodies = await fetchAll(urls);
  const seconds = (performance.now() - started) / 1000;
  const bytes = bodies.reduce((sum, body) => sum + body.length, 0);
  return { style, code, seconds, stats: await server.takeStats(), bytes };
}

function printTable(rows: Row[]): void {
  const header = ['style', 'how the 20 fetches are made', 'wall time', 'peak concurrent requests'];
  const lines = rows.map((row) => [row.style, row.code, `${row.seconds.toFixed(2)} s`, String(row.stats.peakInFlight)]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  console.log(format(header));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const line of lines) console.log(format(line));
}

/** The seed's asyncFetchGen with a trace line between its statements (the code is otherwise the same). */
function traceAsyncFetchGen(url: string): Future<Buffer> {
  const loop = IOLoop.current();
  const started = performance.now();
  const step = (text: string) =>
    console.log(
      `  ${(performance.now() - started).toFixed(0).padStart(4)} ms  iteration ${String(loop.iteration).padStart(3)}  ${text}`,
    );

  const tracedAsyncFetchGen = gen.coroutine(function* asyncFetchGen(url: string) {
    step('the coroutine body starts at once, inside the call');
    const httpClient = new AsyncHTTPClient();
    const fetchFuture = httpClient.fetch(url);
    step(
      `yield httpClient.fetch(url): the Future is ${fetchFuture.done() ? 'done' : 'pending'}, so the coroutine suspends here`,
    );
    const response: HTTPResponse = yield fetchFuture;
    step(`resumed: the runner sent the response in (HTTP ${response.code}, ${response.body.length} bytes)`);
    step('throw new gen.Return(response.body): the coroutine finishes');
    throw new gen.Return(response.body);
  });

  step('calling asyncFetchGen(url)');
  const future = tracedAsyncFetchGen(url) as Future<Buffer>;
  step(`the call returned ${future}: before the fetch is done — that is what makes it asynchronous`);
  // Other work the loop runs while the coroutine waits for the network.
  for (const ms of [25, 50, 75])
    loop.callLater(ms / 1000, () => step(`the loop ran other work (a timer set for ${ms} ms)`));
  future.addDoneCallback((done) => step(`the Future is done: ${done}`));
  return future;
}

async function main(): Promise<void> {
  const loop = IOLoop.current();
  const server = await ServerThread.start();
  console.log(`A local server (${server.baseUrl}) answers each request after ~${RESPONSE_DELAY_MS} ms.`);
  console.log(`Each of the seed's four functions fetches the same ${URL_COUNT} URLs:\n`);
  try {
    const rows: Row[] = [];
    rows.push(
      await measure(server, 'synchronousFetch', 'a loop: one blocking fetch after another', async (urls) =>
        urls.map((url) => synchronousFetch(url)),
      ),
    );
    rows.push(
      await measure(server, 'asynchronousFetch', 'all 20 calls, then await Promise.all', (urls) =>
        Promise.all(urls.map((url) => asynchronousFetch(url))),
      ),
    );
    rows.push(
      await measure(
        server,
        'asyncFetchGen',
        'all 20 calls, then yield gen.multi',
        (urls) =>
          loop.runSync(
            gen.coroutine(function* () {
              const bodies: Buffer[] = yield gen.multi(urls.map((url) => asyncFetchGen(url)));
              return bodies;
            }),
          ) as Promise<Buffer[]>,
      ),
    );
    rows.push(
      await measure(server, 'asyncFetchManual', 'all 20 calls, then await each Future', (urls) =>
        Promise.all(urls.map((url) => asyncFetchManual(url))),
      ),
    );
    printTable(rows);
    const [blocking, ...others] = rows;
    const fastest = Math.min(...others.map((row) => row.seconds));
    const maxClients = new AsyncHTTPClient().maxClients;
    console.log(
      `\nWhy: synchronousFetch cannot start a request until the previous one has returned, so ${URL_COUNT} ` +
        `requests cost ${URL_COUNT} × ~${RESPONSE_DELAY_MS} ms in series (${(blocking!.seconds / fastest).toFixed(1)}× slower here). ` +
        `The other three return a Future or Promise at once, so all ${URL_COUNT} requests are started before any is waited on; ` +
        `the shared AsyncHTTPClient runs maxClients = ${maxClients} at a time, so they take ~${Math.ceil(URL_COUNT / maxClients)} rounds of ~${RESPONSE_DELAY_MS} ms.`,
    );
    const allBodies = rows.every((row) => row.stats.requests === URL_COUNT && row.bytes === rows[0]!.bytes);
    console.log(
      `(Every style got the same ${rows[0]!.bytes} bytes from ${URL_COUNT} requests: ${allBodies ? 'yes' : 'NO'}.)`,
    );

    console.log('\nasyncFetchGen, step by step:');
    const body = await loop.runSync(() => traceAsyncFetchGen(`${server.baseUrl}/traced`));
    console.log(`\nrunSync returned the body: ${JSON.stringify(body.toString())}`);

    console.log('\nThe same call recorded by whirlwind/trace (recordTrace; trace.toHTML() draws it as a timeline):');
    const { trace } = await recordTrace(() => loop.runSync(() => asyncFetchGen(`${server.baseUrl}/recorded`)));
    console.log(trace.toText().replace(/^/gm, '  '));
  } finally {
    new AsyncHTTPClient().close();
    await server.stop();
  }
}

if (isMainThread) await main();
else await serve();
