import { gen, IOLoop } from 'whirlwind';

const main = gen.coroutine(function* () {
  const log = [];
  IOLoop.current().callLater(0, () => log.push('timer'));
  yield gen.sleep(0);
  log.push('after sleep(0)');
  yield gen.sleep(0.005);
  console.log(log.join(', '));
});

await main();
