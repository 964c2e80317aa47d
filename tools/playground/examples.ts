/**
 * The playground's ready examples: each one as coroutines (gen.coroutine)
 * and, beside it, the same program written with async/await by hand.
 */
export interface Example {
  id: string;
  title: { en: string; zh: string };
  note: { en: string; zh: string };
  coroutine: string;
  native: string;
}

const seedCoroutine = `import { gen, IOLoop } from 'whirlwind';
import { Future } from 'whirlwind/concurrent';
import { HTTPClient, AsyncHTTPClient } from 'whirlwind/httpclient';

// The seed's four fetches, against a simulated network.
function synchronousFetch(url) {
  const httpClient = new HTTPClient();
  const response = httpClient.fetch(url);
  return response.body;
}

async function asynchronousFetch(url) {
  const httpClient = new AsyncHTTPClient();
  const response = await httpClient.fetch(url);
  return response.body;
}

const asyncFetchGen = gen.coroutine(function* asyncFetchGen(url) {
  const httpClient = new AsyncHTTPClient();
  const response = yield httpClient.fetch(url);
  throw new gen.Return(response.body);
});

function asyncFetchManual(url) {
  const httpClient = new AsyncHTTPClient();
  const myFuture = new Future();
  const fetchFuture = httpClient.fetch(url);
  fetchFuture.addDoneCallback((f) => myFuture.setResult(f.result().body));
  return myFuture;
}

const main = gen.coroutine(function* main() {
  console.log('1 blocking:', synchronousFetch('http://example.com/one'));
  console.log('2 async:   ', yield asynchronousFetch('http://example.com/two'));
  console.log('3 gen:     ', yield asyncFetchGen('http://example.com/three'));
  console.log('4 manual:  ', yield asyncFetchManual('http://example.com/four'));
});

IOLoop.current().runSync(main);
`;

const seedNative = `import { IOLoop } from 'whirlwind';
import { HTTPClient, AsyncHTTPClient } from 'whirlwind/httpclient';

function synchronousFetch(url) {
  const httpClient = new HTTPClient();
  const response = httpClient.fetch(url);
  return response.body;
}

async function asynchronousFetch(url) {
  const httpClient = new AsyncHTTPClient();
  const response = await httpClient.fetch(url);
  return response.body;
}

async function main() {
  console.log('1 blocking:', synchronousFetch('http://example.com/one'));
  console.log('2 async:   ', await asynchronousFetch('http://example.com/two'));
  console.log('3 async:   ', await asynchronousFetch('http://example.com/three'));
  console.log('4 async:   ', await asynchronousFetch('http://example.com/four'));
}

IOLoop.current().runSync(main);
`;

const fastPathCoroutine = `import { gen, IOLoop, Future } from 'whirlwind';

// A done Future is consumed at once: the coroutine keeps control,
// so all three yields happen in the same loop iteration.
function cached(value) {
  const future = new Future();
  future.setResult(value);
  return future;
}

const main = gen.coroutine(function* main() {
  let total = 0;
  for (let i = 1; i <= 3; i++) {
    total += yield cached(i);
  }
  console.log('total', total, 'at iteration', IOLoop.current().iteration);
  yield gen.moment; // exactly one iteration
  console.log('after moment, iteration', IOLoop.current().iteration);
});

IOLoop.current().runSync(main);
`;

const fastPathNative = `import { gen, IOLoop, Future } from 'whirlwind';

// await always suspends, even on a done Future: each await gives
// up control and resumes in a later microtask (for a done Future,
// still within the same loop iteration; a pending one resumes it
// from a loop callback).
function cached(value) {
  const future = new Future();
  future.setResult(value);
  return future;
}

async function main() {
  let total = 0;
  for (let i = 1; i <= 3; i++) {
    total += await cached(i);
  }
  console.log('total', total, 'at iteration', IOLoop.current().iteration);
  await gen.moment;
  console.log('after moment, iteration', IOLoop.current().iteration);
}

IOLoop.current().runSync(main);
`;

const queueCoroutine = `import { gen, IOLoop } from 'whirlwind';
import { Queue } from 'whirlwind/queues';

const q = new Queue(2);

const consumer = gen.coroutine(function* consumer() {
  while (true) {
    const item = yield q.get();
    try {
      console.log('doing work on', item);
      yield gen.sleep(0.01);
    } finally {
      q.taskDone();
    }
  }
});

const producer = gen.coroutine(function* producer() {
  for (let item = 0; item < 4; item++) {
    yield q.put(item);
    console.log('put', item);
  }
});

const main = gen.coroutine(function* main() {
  IOLoop.current().spawnCallback(consumer);
  yield producer();
  yield q.join();
  console.log('done');
});

IOLoop.current().runSync(main);
`;

const queueNative = `import { gen, IOLoop } from 'whirlwind';
import { Queue } from 'whirlwind/queues';

const q = new Queue(2);

async function consumer() {
  while (true) {
    const item = await q.get();
    try {
      console.log('doing work on', item);
      await gen.sleep(0.01);
    } finally {
      q.taskDone();
    }
  }
}

async function producer() {
  for (let item = 0; item < 4; item++) {
    await q.put(item);
    console.log('put', item);
  }
}

async function main() {
  IOLoop.current().spawnCallback(consumer);
  await producer();
  await q.join();
  console.log('done');
}

IOLoop.current().runSync(main);
`;

const lockCoroutine = `import { gen, IOLoop } from 'whirlwind';
import { Lock } from 'whirlwind/locks';

const lock = new Lock();

const worker = gen.coroutine(function* worker(name) {
  for (let turn = 1; turn <= 2; turn++) {
    const releaser = yield lock.acquire();
    try {
      console.log(name, 'holds the lock, turn', turn);
      yield gen.sleep(0.02);
    } finally {
      releaser.release();
    }
  }
});

const main = gen.coroutine(function* main() {
  yield [worker('A'), worker('B')];
  console.log('both done');
});

IOLoop.current().runSync(main);
`;

const lockNative = `import { gen, IOLoop } from 'whirlwind';
import { Lock } from 'whirlwind/locks';

const lock = new Lock();

async function worker(name) {
  for (let turn = 1; turn <= 2; turn++) {
    const releaser = await lock.acquire();
    try {
      console.log(name, 'holds the lock, turn', turn);
      await gen.sleep(0.02);
    } finally {
      releaser.release();
    }
  }
}

async function main() {
  await Promise.all([worker('A'), worker('B')]);
  console.log('both done');
}

IOLoop.current().runSync(main);
`;

const cancelCoroutine = `import { gen, IOLoop } from 'whirlwind';

const slow = gen.coroutine(function* slow() {
  try {
    yield gen.sleep(1);
    console.log('slow finished');
  } catch (error) {
    console.log('slow: got', error.name, 'at its yield');
    throw error;
  }
});

const main = gen.coroutine(function* main() {
  const task = slow();
  yield gen.sleep(0.05);
  console.log('cancel() ->', task.cancel());
  try {
    yield task;
  } catch (error) {
    console.log('main: task ended with', error.name);
  }
  console.log('cancelled():', task.cancelled());
});

IOLoop.current().runSync(main);
`;

const cancelNative = `import { gen, IOLoop } from 'whirlwind';

// A promise cannot be cancelled: the caller passes an AbortSignal
// and the callee has to check it.
function sleep(seconds, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, seconds * 1000);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(signal.reason);
    });
  });
}

async function slow(signal) {
  try {
    await sleep(1, signal);
    console.log('slow finished');
  } catch (error) {
    console.log('slow: got', error.name, 'at its await');
    throw error;
  }
}

async function main() {
  const controller = new AbortController();
  const task = slow(controller.signal);
  await gen.sleep(0.05);
  controller.abort();
  try {
    await task;
  } catch (error) {
    console.log('main: task ended with', error.name);
  }
}

IOLoop.current().runSync(main);
`;

const multiCoroutine = `import { gen, IOLoop } from 'whirlwind';
import { AsyncHTTPClient } from 'whirlwind/httpclient';

const client = new AsyncHTTPClient();

const size = gen.coroutine(function* size(url) {
  const response = yield client.fetch(url);
  console.log('fetched', url);
  return response.body.length;
});

const main = gen.coroutine(function* main() {
  try {
    // multi waits for all three, then raises the first failure in input order.
    yield gen.multi([
      size('http://example.com/a'),
      size('http://failing.example/b'),
      size('http://example.com/c?delay=150'),
    ]);
  } catch (error) {
    console.log('multi failed:', error.message);
  }
});

IOLoop.current().runSync(main);
`;

const multiNative = `import { IOLoop } from 'whirlwind';
import { AsyncHTTPClient } from 'whirlwind/httpclient';

const client = new AsyncHTTPClient();

async function size(url) {
  const response = await client.fetch(url);
  console.log('fetched', url);
  return response.body.length;
}

async function main() {
  try {
    // Promise.all rejects at the first failure, without waiting for the rest.
    await Promise.all([
      size('http://example.com/a'),
      size('http://failing.example/b'),
      size('http://example.com/c?delay=150'),
    ]);
  } catch (error) {
    console.log('Promise.all failed:', error.message);
  }
}

IOLoop.current().runSync(main);
`;

const errorCoroutine = `import { gen, IOLoop } from 'whirlwind';
import { AsyncHTTPClient } from 'whirlwind/httpclient';

const parse = gen.coroutine(function* parse(url) {
  const response = yield new AsyncHTTPClient().fetch(url);
  return response.json().title; // there is no json(): a TypeError, after the yield
});

const main = gen.coroutine(function* main() {
  const title = yield parse('http://example.com/page');
  console.log('title', title);
});

IOLoop.current().runSync(main);
`;

const errorNative = `import { IOLoop } from 'whirlwind';
import { AsyncHTTPClient } from 'whirlwind/httpclient';

async function parse(url) {
  const response = await new AsyncHTTPClient().fetch(url);
  return response.json().title; // there is no json(): a TypeError, after the await
}

async function main() {
  const title = await parse('http://example.com/page');
  console.log('title', title);
}

IOLoop.current().runSync(main);
`;

const spinCoroutine = `import { gen, IOLoop } from 'whirlwind';

const spin = gen.coroutine(function* spin() {
  console.log('spinning without a yield...');
  while (true) {}
});

spin();
`;

const spinNative = `async function spin() {
  console.log('spinning without an await...');
  while (true) {}
}

spin();
`;

export const examples: Example[] = [
  {
    id: 'seed',
    title: { en: "The seed's four fetches", zh: '种子文档的四种 fetch' },
    note: {
      en: 'Blocking, async/await, gen.coroutine and a hand-made Future, on a simulated network. The blocking fetch moves the clock while nothing else runs.',
      zh: '阻塞、async/await、gen.coroutine 和手写 Future 四种写法，运行在模拟网络上。阻塞的 fetch 让时钟前进，期间什么都不能运行。',
    },
    coroutine: seedCoroutine,
    native: seedNative,
  },
  {
    id: 'fast-path',
    title: { en: 'Done Futures: no hop', zh: '已结束的 Future：不让出控制' },
    note: {
      en: 'A coroutine consumes a done Future at once; await always suspends (see the lanes), though on a done Future it resumes within the same iteration.',
      zh: '协程立即取用已结束的 Future；await 总会挂起（看各条泳道），只是对已结束的 Future，它在同一轮循环内就会恢复。',
    },
    coroutine: fastPathCoroutine,
    native: fastPathNative,
  },
  {
    id: 'queue',
    title: { en: 'Producer / consumer queue', zh: '生产者 / 消费者队列' },
    note: {
      en: 'A Queue of size 2: put() waits while it is full, get() while it is empty, join() until every item is done.',
      zh: '容量为 2 的 Queue：满时 put() 等待，空时 get() 等待，join() 等到每一项都处理完。',
    },
    coroutine: queueCoroutine,
    native: queueNative,
  },
  {
    id: 'lock',
    title: { en: 'A lock', zh: '锁' },
    note: {
      en: 'Two workers take turns holding a Lock; the waiter is woken inside release() and resumes on a later iteration.',
      zh: '两个 worker 轮流持有 Lock；等待者在 release() 内被唤醒，在之后的某一轮中恢复运行。',
    },
    coroutine: lockCoroutine,
    native: lockNative,
  },
  {
    id: 'cancel',
    title: { en: 'Cancellation', zh: '取消' },
    note: {
      en: 'cancel() throws CancelledError into the coroutine at its yield; a promise has no cancel, so async code passes an AbortSignal.',
      zh: 'cancel() 在协程的 yield 处抛入 CancelledError；Promise 无法取消，async 代码只能传递 AbortSignal。',
    },
    coroutine: cancelCoroutine,
    native: cancelNative,
  },
  {
    id: 'multi',
    title: { en: 'multi with a failure', zh: 'multi 与失败' },
    note: {
      en: 'gen.multi waits for every child and raises the first failure in input order; Promise.all rejects at once.',
      zh: 'gen.multi 等待所有子任务，并按输入顺序抛出第一个失败；Promise.all 则立即拒绝。',
    },
    coroutine: multiCoroutine,
    native: multiNative,
  },
  {
    id: 'error',
    title: { en: 'An error after a yield', zh: 'yield 之后的错误' },
    note: {
      en: 'The error names the coroutine and the line, and the yield it was resumed from.',
      zh: '错误信息指出协程、行号，以及它从哪个 yield 恢复。',
    },
    coroutine: errorCoroutine,
    native: errorNative,
  },
  {
    id: 'spin',
    title: { en: 'while (true) {}', zh: 'while (true) {}' },
    note: {
      en: 'A loop that never yields would freeze a page. Here it runs in a Worker with a step budget and is stopped.',
      zh: '永不 yield 的循环会卡死页面。这里它在 Worker 中按步数预算运行，并被终止。',
    },
    coroutine: spinCoroutine,
    native: spinNative,
  },
];
