import { gen, Lock } from 'whirlwind';

const lock = new Lock();

const worker = gen.coroutine(function* (name) {
  const releaser = yield lock.acquire();
  try {
    console.log(name, 'holds the lock');
    yield gen.sleep(0.005);
    console.log(name, 'releases it');
  } finally {
    releaser.release();
  }
});

const main = gen.coroutine(function* () {
  yield [worker('a'), worker('b'), worker('c')];
  console.log('all done');
});

await main();
