/**
 * The HTTP client suite: requests per second against a local keep-alive
 * server, at concurrency 1 and 100, for
 *
 * - `AsyncHTTPClient` (whirlwind, `maxClients` = the concurrency),
 * - Node's global `fetch` (undici inside Node, the reference: the goal is
 *   AsyncHTTPClient at 1.0x of it or better),
 * - `undici.request` (the fastest HTTP/1.1 client for Node; how far we are from it).
 *
 *     node dist/bench/http.js [--seconds 1.5] [--rounds 3]
 *     BENCH_SMOKE=1 node dist/bench/http.js   # smoke test: 0.05 s per cell, one round, writes nothing
 *
 * Method: the server runs on a worker thread (so it does not share the
 * event loop with the clients) and answers every GET with a 13-byte body.
 * Each measurement keeps `concurrency` request loops busy for a fixed
 * wall-clock window, then counts the responses completed (bodies read).
 * Every client is warmed up first; then `rounds` rounds run every
 * (concurrency, client) cell once, alternating the order (forward,
 * backward) so drift on a noisy machine lands on every client alike. A
 * figure is the median of its rounds. Prints a markdown table and writes
 * bench/results/http.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Agent, request as undiciRequest } from 'undici';
import { AsyncHTTPClient } from '../lib/httpclient.js';
import { IOLoop } from '../lib/ioloop.js';

const CLIENTS = ['AsyncHTTPClient', 'fetch', 'undici.request'] as const;
type ClientName = (typeof CLIENTS)[number];
const CONCURRENCIES = [1, 100] as const;
/** BENCH_SMOKE=1 (spec/bench-smoke.spec.ts): tiny sizes, one repetition, no results file; the figures mean nothing. */
const SMOKE = process.env.BENCH_SMOKE === '1';

interface Options {
  seconds: number;
  rounds: number;
}

function parseOptions(argv: string[]): Options {
  const options: Options = SMOKE ? { seconds: 0.05, rounds: 1 } : { seconds: 1.5, rounds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--seconds') options.seconds = Number(argv[++i]);
    else if (arg === '--rounds') options.rounds = Number(argv[++i]);
    else if (arg === '--quick') {
      options.seconds = 0.5;
      options.rounds = 1;
    } else throw new Error(`bench/http: unknown argument ${arg}; expected --seconds <s>, --rounds <n>, --quick`);
  }
  return options;
}

// The server, on its own thread: keep-alive on, tiny fixed body.
const SERVER_SOURCE = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
const body = Buffer.from('Hello, world!');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

async function startServer(): Promise<{ url: string; stop: () => Promise<number> }> {
  const worker = new Worker(SERVER_SOURCE, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return { url: `http://127.0.0.1:${port}/`, stop: () => worker.terminate() };
}

/** One request, body read; each client the way its users would write it. */
type OneRequest = () => Promise<unknown>;

function makeClients(
  url: string,
  concurrency: number,
): { run: Record<ClientName, OneRequest>; close: () => Promise<void> } {
  const whirlwind = new AsyncHTTPClient({ maxClients: concurrency });
  const undiciAgent = new Agent({ keepAliveTimeout: 60_000 });
  return {
    run: {
      AsyncHTTPClient: () => whirlwind.fetch(url).then((response) => response.body),
      fetch: () => fetch(url).then((response) => response.arrayBuffer()),
      'undici.request': () =>
        undiciRequest(url, { dispatcher: undiciAgent }).then((response) => response.body.arrayBuffer()),
    },
    close: async () => {
      whirlwind.close();
      await undiciAgent.close();
    },
  };
}

/** Keeps `concurrency` loops of `one` busy for `seconds`; returns responses per second. */
async function requestsPerSecond(one: OneRequest, concurrency: number, seconds: number): Promise<number> {
  const started = performance.now();
  const stopAt = started + seconds * 1000;
  let completed = 0;
  const loopOne = async () => {
    while (performance.now() < stopAt) {
      await one();
      completed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loopOne));
  return completed / ((performance.now() - started) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  IOLoop.current(); // AsyncHTTPClient's futures settle on this loop
  const server = await startServer();
  const cells = CONCURRENCIES.flatMap((concurrency) => CLIENTS.map((client) => ({ concurrency, client })));
  const samples = new Map<string, number[]>(cells.map((cell) => [`${cell.concurrency}/${cell.client}`, []]));
  const clientsByConcurrency = new Map(CONCURRENCIES.map((c) => [c, makeClients(server.url, c)]));
  try {
    for (const cell of cells) {
      await requestsPerSecond(
        clientsByConcurrency.get(cell.concurrency)!.run[cell.client],
        cell.concurrency,
        SMOKE ? 0.05 : 0.3,
      );
    }
    for (let round = 0; round < options.rounds; round++) {
      const ordered = round % 2 === 0 ? cells : [...cells].reverse();
      for (const cell of ordered) {
        const rate = await requestsPerSecond(
          clientsByConcurrency.get(cell.concurrency)!.run[cell.client],
          cell.concurrency,
          options.seconds,
        );
        samples.get(`${cell.concurrency}/${cell.client}`)!.push(rate);
      }
    }
  } finally {
    for (const clients of clientsByConcurrency.values()) await clients.close();
    await server.stop();
  }

  const results = cells.map((cell) => {
    const rates = samples.get(`${cell.concurrency}/${cell.client}`)!;
    return { ...cell, requestsPerSecond: median(rates), rounds: rates };
  });
  const rateOf = (concurrency: number, client: ClientName) =>
    results.find((r) => r.concurrency === concurrency && r.client === client)!.requestsPerSecond;

  console.log('| concurrency | client | requests/s | vs fetch | vs undici.request |');
  console.log('|---:|---|---:|---:|---:|');
  for (const r of results) {
    const vsFetch = r.requestsPerSecond / rateOf(r.concurrency, 'fetch');
    const vsUndici = r.requestsPerSecond / rateOf(r.concurrency, 'undici.request');
    console.log(
      `| ${r.concurrency} | ${r.client} | ${r.requestsPerSecond.toFixed(0)} | ${vsFetch.toFixed(2)}x | ${vsUndici.toFixed(2)}x |`,
    );
  }
  const summary = CONCURRENCIES.map((c) => ({
    concurrency: c,
    asyncHTTPClientVsFetch: rateOf(c, 'AsyncHTTPClient') / rateOf(c, 'fetch'),
    asyncHTTPClientVsUndici: rateOf(c, 'AsyncHTTPClient') / rateOf(c, 'undici.request'),
  }));
  for (const s of summary) {
    console.log(
      `\nconcurrency ${s.concurrency}: AsyncHTTPClient is ${s.asyncHTTPClientVsFetch.toFixed(2)}x fetch (goal >= 1.0x) ` +
        `and ${s.asyncHTTPClientVsUndici.toFixed(2)}x undici.request`,
    );
  }

  if (SMOKE) return;
  const resultsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'http.json'),
    JSON.stringify(
      {
        suite: 'http',
        date: new Date().toISOString(),
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        method: `${options.rounds} rounds × ${options.seconds} s per cell, median; server on a worker thread`,
        results,
        summary,
      },
      null,
      2,
    ) + '\n',
  );
}

await main();
