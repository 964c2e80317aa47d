// expect-difference: return-value
import { gen } from 'whirlwind';

function finishWith(value) {
  throw new gen.Return(value);
}

const task = gen.coroutine(function* () {
  yield gen.sleep(0.001);
  finishWith('from a helper');
});

try {
  console.log('task gave', await task());
} catch (error) {
  console.log('task failed with', error.constructor.name);
}
