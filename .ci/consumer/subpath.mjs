// `node subpath.mjs <specifier>`: imports one entry point of the installed package as ESM and runs a small
// coroutine through it (run by run.mjs in a fresh project). Prints what it computed; exits 1 if it was wrong.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { Worker } from 'node:worker_threads';

const specifier = process.argv[2];

/** Each scenario imports its entry point (and `whirlwind/gen` when it needs a coroutine) and returns what it saw. */
const scenarios = {
  async whirlwind() {
    const { gen, IOLoop } = await import('whirlwind');
    const double = gen.coroutine(function* (n) {
      yield gen.sleep(0.001);
      return n * 2;
    });
    return IOLoop.current().runSync(() => double(21));
  },

  async 'whirlwind/gen'() {
    const { coroutine, multi, moment, Return } = await import('whirlwind/gen');
    const add = coroutine(function* (a, b) {
      yield moment;
      throw new Return(a + b);
    });
    const sums = await multi([add(1, 2), add(3, 4), Promise.resolve(5)]);
    return sums.join(',');
  },

  async 'whirlwind/concurrent'() {
    const { Future, chainFuture, ThreadPoolExecutor } = await import('whirlwind/concurrent');
    const source = new Future();
    const target = new Future();
    chainFuture(source, target);
    source.setResult('chained');
    const pool = new ThreadPoolExecutor(1); // its worker entry point must be in the tarball
    try {
      const squared = await pool.submit((n) => n * n, 12);
      return `${await target} ${squared}`;
    } finally {
      await pool.shutdown();
    }
  },

  async 'whirlwind/ioloop'() {
    const { IOLoop } = await import('whirlwind/ioloop');
    const loop = IOLoop.current();
    const order = [];
    return loop.runSync(
      () =>
        new Promise((resolve) => {
          loop.callLater(0.002, () => resolve([...order, 'later'].join(' ')));
          loop.addCallback(() => order.push('soon'));
        }),
    );
  },

  async 'whirlwind/locks'() {
    const { coroutine } = await import('whirlwind/gen');
    const { Event, Lock } = await import('whirlwind/locks');
    const lock = new Lock();
    const ready = new Event();
    const entered = [];
    const worker = coroutine(function* (name) {
      yield ready.wait();
      const releaser = yield lock.acquire();
      try {
        entered.push(name);
      } finally {
        releaser.release();
      }
    });
    const both = [worker('a'), worker('b')];
    ready.set();
    await Promise.all(both);
    return entered.join('');
  },

  async 'whirlwind/queues'() {
    const { coroutine } = await import('whirlwind/gen');
    const { Queue } = await import('whirlwind/queues');
    const queue = new Queue(1);
    const produce = coroutine(function* () {
      for (const item of [1, 2, 3]) yield queue.put(item);
    });
    const consume = coroutine(function* () {
      let total = 0;
      for (let i = 0; i < 3; i++) total += yield queue.get();
      return total;
    });
    const [, total] = await Promise.all([produce(), consume()]);
    return total;
  },

  async 'whirlwind/httpclient'() {
    const { coroutine } = await import('whirlwind/gen');
    const { AsyncHTTPClient, HTTPClient } = await import('whirlwind/httpclient');
    const server = createServer((request, response) => response.end(`hello ${request.url}`));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const fetchBody = coroutine(function* (url) {
        const response = yield new AsyncHTTPClient().fetch(url);
        return response.body.toString('utf8');
      });
      const asyncBody = await fetchBody(`http://127.0.0.1:${server.address().port}/async`);
      return `${asyncBody}; ${await blockingFetch(HTTPClient)}`;
    } finally {
      server.close();
    }
  },

  async 'whirlwind/testing'() {
    const { genTest } = await import('whirlwind/testing');
    const { sleep } = await import('whirlwind/gen');
    const steps = [];
    const test = genTest(function* () {
      steps.push('start');
      yield sleep(0.001);
      steps.push('end');
    });
    await test.call(undefined);
    return steps.join('-');
  },

  async 'whirlwind/log'() {
    const { coroutine, moment } = await import('whirlwind/gen');
    const { IOLoop } = await import('whirlwind/ioloop');
    const { appLog } = await import('whirlwind/log');
    const seen = [];
    const capture = (record) => {
      seen.push(record.message);
      return false; // keep it off stderr
    };
    const scheduleAFailure = coroutine(function* () {
      IOLoop.current().addCallback(function failsOnPurpose() {
        throw new Error('boom');
      });
      yield moment;
      yield moment;
    });
    appLog.addFilter(capture);
    try {
      await IOLoop.current().runSync(scheduleAFailure);
    } finally {
      appLog.removeFilter(capture);
    }
    return seen.join('|');
  },

  async 'whirlwind/trace'() {
    const { coroutine, moment } = await import('whirlwind/gen');
    const { recordTrace } = await import('whirlwind/trace');
    const traced = coroutine(function* tracedStep() {
      yield moment;
      return 'traced';
    });
    const { result, trace } = await recordTrace(() => traced());
    return `${result} ${[...trace.coroutines().values()].join(',')}`;
  },

  async 'whirlwind/co'() {
    const { default: co } = await import('whirlwind/co');
    const add = co.wrap(function* (a) {
      const [b, c] = yield [Promise.resolve(2), (done) => done(null, 3)];
      return a + b + c;
    });
    const sum = await add(1);
    return `${sum} ${co.co === co}`;
  },

  async 'whirlwind/package.json'() {
    const { createRequire } = await import('node:module');
    return createRequire(import.meta.url)('whirlwind/package.json').name;
  },
};

/** What each scenario must compute. */
const expected = {
  whirlwind: 42,
  'whirlwind/gen': '3,7,5',
  'whirlwind/concurrent': 'chained 144',
  'whirlwind/ioloop': 'soon later',
  'whirlwind/locks': 'ab',
  'whirlwind/queues': 6,
  'whirlwind/httpclient': 'hello /async; hello /blocking',
  'whirlwind/testing': 'start-end',
  'whirlwind/log': 'Exception in callback failsOnPurpose',
  'whirlwind/trace': 'traced tracedStep',
  'whirlwind/co': '6 true',
  'whirlwind/package.json': 'whirlwind',
};

/** The blocking client blocks this thread, so its server runs in a worker thread. */
async function blockingFetch(HTTPClient) {
  const server = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const server = require('node:http').createServer((request, response) => response.end('hello ' + request.url));
     server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));`,
    { eval: true },
  );
  try {
    const port = await new Promise((resolve) => server.once('message', resolve));
    return new HTTPClient().fetch(`http://127.0.0.1:${port}/blocking`).body.toString('utf8');
  } finally {
    await server.terminate();
  }
}

if (!(specifier in scenarios)) throw new Error(`no scenario for ${specifier}`);
const got = await scenarios[specifier]();
console.log(JSON.stringify(got));
assert.equal(got, expected[specifier]);
