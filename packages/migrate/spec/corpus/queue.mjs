import { gen, Queue } from 'whirlwind';

const queue = new Queue({ maxsize: 2 });

const producer = gen.coroutine(function* () {
  for (let i = 0; i < 5; i++) {
    yield queue.put(i);
    console.log('put', i);
  }
  yield queue.put(null);
});

const consumer = gen.coroutine(function* () {
  for (;;) {
    const item = yield queue.get();
    if (item === null) return 'consumer done';
    console.log('got', item);
    yield gen.sleep(0.002);
  }
});

const main = gen.coroutine(function* () {
  const [, done] = yield [producer(), consumer()];
  console.log(done);
});

await main();
