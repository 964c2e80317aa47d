/**
 * `npm start`: a short tour of coroutines on the IOLoop.
 * 1. sleep: two coroutines sleeping concurrently take the time of one.
 * 2. multi: wait for several things at once, results in input order.
 * 3. moment: how the runner interleaves coroutines, iteration by iteration.
 */
import { gen, IOLoop, Future } from '../lib/index.js';

const loop = IOLoop.current();

const worker = gen.coroutine(function* (name: string, seconds: number) {
  yield gen.sleep(seconds);
  return `${name} slept ${seconds}s`;
});

const tour = gen.coroutine(function* () {
  console.log('1. Two coroutines sleeping 0.2 s each, concurrently:');
  const start = loop.time();
  const results: string[] = yield [worker('a', 0.2), worker('b', 0.2)];
  console.log(`   ${results.join(', ')} — ${(loop.time() - start).toFixed(2)} s in all, not 0.4 s\n`);

  console.log('2. multi over an object mixes Futures and native Promises:');
  const nativeAnswer = (async () => 42)();
  const { coroutineAnswer, promiseAnswer } = yield gen.multi({
    coroutineAnswer: worker('c', 0.05),
    promiseAnswer: nativeAnswer,
  });
  console.log(`   coroutineAnswer = ${coroutineAnswer}; promiseAnswer = ${promiseAnswer}\n`);

  console.log('3. Interleaving: `a` yields moment (one loop iteration), `b` yields done Futures:');
  const trace: string[] = [];
  const politely = gen.coroutine(function* () {
    for (let i = 0; i < 5; i++) {
      trace.push('a');
      yield gen.moment;
    }
  });
  const greedily = gen.coroutine(function* () {
    for (let i = 0; i < 5; i++) {
      trace.push('b');
      const done = new Future<number>();
      done.setResult(i);
      yield done; // already done: consumed without giving up control
    }
  });
  yield [politely(), greedily()];
  console.log(`   ${trace.join('')}  (a done Future costs no iteration; moment costs exactly one)\n`);
  return 'tour finished';
});

loop.runSync(() => tour()).then((message) => console.log(message));
