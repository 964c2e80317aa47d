// The core (gen, ioloop, concurrent, locks, queues) bundled by esbuild for Node into one file, then run from
// a folder with no node_modules: what a user shipping a single-file server or CLI does.
import { coroutine, multi, sleep } from 'whirlwind/gen';
import { IOLoop } from 'whirlwind/ioloop';
import { Future } from 'whirlwind/concurrent';
import { Semaphore } from 'whirlwind/locks';
import { Queue } from 'whirlwind/queues';

const semaphore = new Semaphore(2);
const results = new Queue();
const job = coroutine(function* (n) {
  const releaser = yield semaphore.acquire();
  try {
    yield sleep(0.001);
    yield results.put(n * n);
  } finally {
    releaser.release();
  }
});

const total = await IOLoop.current().runSync(
  coroutine(function* () {
    yield multi([1, 2, 3, 4].map((n) => job(n)));
    let sum = 0;
    while (results.qsize() > 0) sum += yield results.get();
    const done = new Future();
    done.setResult(sum);
    return yield done;
  }),
);
console.log(JSON.stringify(total));
if (total !== 30) process.exitCode = 1;
