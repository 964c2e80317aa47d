import { Condition, gen } from 'whirlwind';

const condition = new Condition();

const waiter = gen.coroutine(function* (name) {
  console.log(name, 'waiting');
  yield condition.wait();
  console.log(name, 'notified');
});

const notifier = gen.coroutine(function* () {
  yield gen.sleep(0.005);
  console.log('notify one');
  condition.notify(1);
  yield gen.sleep(0.005);
  console.log('notify all');
  condition.notifyAll();
});

const main = gen.coroutine(function* () {
  yield [waiter('first'), waiter('second'), waiter('third'), notifier()];
});

await main();
