import { gen } from 'whirlwind';

const delayed = gen.coroutine(function* (value, seconds) {
  yield gen.sleep(seconds);
  return value;
});

const main = gen.coroutine(function* () {
  const waiter = new gen.WaitIterator(delayed('slow', 0.06), delayed('fast', 0.002), delayed('middle', 0.03));
  while (!waiter.done()) {
    const value = yield waiter.next();
    console.log(waiter.currentIndex, value);
  }
});

await main();
