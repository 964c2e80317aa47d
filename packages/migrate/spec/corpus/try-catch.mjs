import { Future, gen } from 'whirlwind';

const failing = gen.coroutine(function* (message) {
  yield gen.sleep(0.001);
  throw new Error(message);
});

const main = gen.coroutine(function* () {
  try {
    yield failing('first');
  } catch (error) {
    console.log('caught', error.message);
  } finally {
    console.log('finally');
  }
  const future = new Future();
  future.setException(new RangeError('already failed'));
  try {
    yield future;
  } catch (error) {
    console.log('caught', error.name, error.message);
  }
  return 'end';
});

console.log(await main());
