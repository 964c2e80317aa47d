import { gen } from 'whirlwind';

const leaf = gen.coroutine(function* (n) {
  yield gen.sleep(0.001 * n);
  return n * 2;
});

const branch = gen.coroutine(function* (n) {
  const left = yield leaf(n);
  const right = yield leaf(n + 1);
  throw new gen.Return(left + right);
});

const root = gen.coroutine(function* () {
  let total = 0;
  for (let i = 0; i < 3; i++) total += yield branch(i);
  console.log('total', total);
  return total;
});

console.log('result', await root());
