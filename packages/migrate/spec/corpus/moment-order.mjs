import { gen, IOLoop } from 'whirlwind';

const main = gen.coroutine(function* () {
  const log = [];
  IOLoop.current().addCallback(() => log.push('callback 1'));
  yield gen.moment;
  log.push('after moment');
  IOLoop.current().addCallback(() => log.push('callback 2'));
  yield gen.moment;
  log.push('after second moment');
  yield gen.sleep(0.001);
  console.log(log.join(', '));
});

await main();
