// migrate-options: {"nativeMulti": true}
// expect-difference: native-multi
import { gen } from 'whirlwind';

const fail = gen.coroutine(function* (message, seconds) {
  yield gen.sleep(seconds);
  console.log('failing', message);
  throw new Error(message);
});

const main = gen.coroutine(function* () {
  try {
    yield [fail('first in order', 0.02), fail('first in time', 0.005)];
  } catch (error) {
    console.log('caught', error.message);
  }
  yield gen.sleep(0.03);
});

await main();
