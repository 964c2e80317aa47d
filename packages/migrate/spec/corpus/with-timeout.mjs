import { gen, IOLoop } from 'whirlwind';

const slow = gen.coroutine(function* () {
  yield gen.sleep(0.05);
  return 'slow result';
});

const main = gen.coroutine(function* () {
  try {
    yield gen.withTimeout(IOLoop.current().time() + 0.01, slow());
  } catch (error) {
    console.log('timed out:', error.name);
  }
  const quick = yield gen.withTimeout({ seconds: 1 }, slow());
  console.log('in time:', quick);
});

await main();
