// expect-difference: cancel
import { gen } from 'whirlwind';

const poll = gen.coroutine(function* () {
  try {
    for (let i = 0; ; i++) {
      console.log('poll', i);
      yield gen.sleep(0.005);
    }
  } finally {
    console.log('poll cleaned up');
  }
});

const main = gen.coroutine(function* () {
  const running = poll();
  yield gen.sleep(0.012);
  try {
    running.cancel();
  } catch (error) {
    console.log('cancel failed:', error.constructor.name);
  }
  yield gen.sleep(0.002);
});

await main();
