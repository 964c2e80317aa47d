import { gen, Semaphore } from 'whirlwind';

const semaphore = new Semaphore(2);

const job = gen.coroutine(function* (id) {
  yield semaphore.acquire();
  try {
    console.log('job', id, 'runs');
    yield gen.sleep([0, 0.005, 0.08, 0.03, 0.03][id]);
  } finally {
    semaphore.release();
    console.log('job', id, 'done');
  }
});

const main = gen.coroutine(function* () {
  yield [job(1), job(2), job(3), job(4)];
});

await main();
