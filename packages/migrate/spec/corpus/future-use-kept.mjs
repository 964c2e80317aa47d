// migrate-options: {"keepFuture": true}
import { gen } from 'whirlwind';

const compute = gen.coroutine(function* (n) {
  yield gen.sleep(0.001);
  return n * n;
});

const main = gen.coroutine(function* () {
  const pending = compute(7);
  try {
    console.log('done at once?', pending.done());
    pending.addDoneCallback((future) => console.log('callback got', future.result()));
  } catch (error) {
    console.log('not a Future:', error.constructor.name);
  }
  console.log('awaited', yield pending);
  yield gen.sleep(0.002);
});

await main();
