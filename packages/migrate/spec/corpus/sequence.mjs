import { gen } from 'whirlwind';

const step = gen.coroutine(function* (name, seconds) {
  console.log(`${name}: start`);
  yield gen.sleep(seconds);
  console.log(`${name}: woke`);
  throw new gen.Return(`${name} done`);
});

const main = gen.coroutine(function* () {
  const a = yield step('a', 0.01);
  const b = yield step('b', 0.005);
  console.log(a, '/', b);
});

await main();
