import { gen } from 'whirlwind';

const delayed = gen.coroutine(function* (value, seconds) {
  yield gen.sleep(seconds);
  console.log('finished', value);
  return value;
});

const main = gen.coroutine(function* () {
  const values = yield [delayed('slow', 0.02), delayed('fast', 0.005), Promise.resolve('promise')];
  console.log(values.join(' '));
  const nested = yield gen.multi([delayed(1, 0.001), delayed(2, 0.002)]);
  console.log(nested);
});

await main();
