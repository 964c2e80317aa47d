import { Future, gen } from 'whirlwind';

const done = (value) => {
  const future = new Future();
  future.setResult(value);
  return future;
};

const worker = gen.coroutine(function* (name, log) {
  log.push(`${name} 1`);
  yield done(1);
  log.push(`${name} 2`);
  yield done(2);
  log.push(`${name} 3`);
});

const main = gen.coroutine(function* () {
  const log = [];
  const a = worker('a', log);
  const b = worker('b', log);
  yield [a, b];
  console.log(log.join(', '));
});

await main();
