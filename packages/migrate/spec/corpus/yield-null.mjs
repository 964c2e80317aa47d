import { gen } from 'whirlwind';

const counter = gen.coroutine(function* (name, log) {
  for (let i = 0; i < 3; i++) {
    log.push(`${name}${i}`);
    yield null;
  }
});

const main = gen.coroutine(function* () {
  const log = [];
  yield [counter('a', log), counter('b', log)];
  console.log(log.join(' '));
});

await main();
