import { Event, gen } from 'whirlwind';

const ready = new Event();

const waiter = gen.coroutine(function* (name) {
  console.log(name, 'waits');
  yield ready.wait();
  console.log(name, 'proceeds');
});

const setter = gen.coroutine(function* () {
  yield gen.sleep(0.005);
  console.log('setting');
  ready.set();
});

const main = gen.coroutine(function* () {
  yield [waiter('w1'), waiter('w2'), setter()];
  console.log('is set:', ready.isSet());
});

await main();
